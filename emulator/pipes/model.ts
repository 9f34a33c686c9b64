import type {
  PipeEnrichmentParameters,
  PipeLogConfigurationParameters,
  PipeSourceParameters,
  PipeState,
  PipeTargetParameters,
} from '@aws-sdk/client-pipes';
import { parseArn } from '../core/ids';

/** A pipe as the provider keeps it (and persists it: plain JSON, times as epoch milliseconds). */
export interface PipeRecord {
  name: string;
  arn: string;
  description?: string;
  /** DELETED once DeletePipe was called (the pipe is then DELETING until it is gone). */
  desiredState: 'RUNNING' | 'STOPPED' | 'DELETED';
  currentState: PipeState;
  stateReason?: string;
  source: string;
  sourceParameters?: PipeSourceParameters;
  enrichment?: string;
  enrichmentParameters?: PipeEnrichmentParameters;
  target: string;
  targetParameters?: PipeTargetParameters;
  roleArn: string;
  tags: Record<string, string>;
  logConfiguration?: PipeLogConfigurationParameters;
  kmsKeyIdentifier?: string;
  creationTime: number;
  lastModifiedTime: number;
}

export const pipeArn = (region: string, accountId: string, name: string): string => `arn:aws:pipes:${region}:${accountId}:pipe/${name}`;

/** The service an ARN names (`sqs`, `lambda`, …), or `kafka` for a self-managed Kafka `smk://` source. */
export function arnService(arn: string | undefined): string | undefined {
  if (!arn) return undefined;
  if (arn.startsWith('smk://')) return 'kafka';
  return parseArn(arn)?.service;
}

/** States a pipe passes through on its way somewhere: no other change is accepted meanwhile. */
export const TRANSITIONAL: ReadonlySet<PipeState> = new Set<PipeState>(['CREATING', 'UPDATING', 'STARTING', 'STOPPING', 'DELETING']);

/** What Create/Update/Start/Stop/DeletePipe answer. */
export function summary(p: PipeRecord) {
  return {
    Arn: p.arn,
    Name: p.name,
    DesiredState: p.desiredState,
    CurrentState: p.currentState,
    CreationTime: new Date(p.creationTime),
    LastModifiedTime: new Date(p.lastModifiedTime),
  };
}

/** DescribePipe's answer. */
export function describe(p: PipeRecord) {
  return {
    ...summary(p),
    Description: p.description,
    StateReason: p.stateReason,
    Source: p.source,
    SourceParameters: p.sourceParameters,
    Enrichment: p.enrichment,
    EnrichmentParameters: p.enrichmentParameters,
    Target: p.target,
    TargetParameters: p.targetParameters,
    RoleArn: p.roleArn,
    Tags: { ...p.tags },
    LogConfiguration: p.logConfiguration,
    KmsKeyIdentifier: p.kmsKeyIdentifier,
  };
}

/** A ListPipes entry. */
export function listed(p: PipeRecord) {
  return {
    Name: p.name,
    Arn: p.arn,
    DesiredState: p.desiredState,
    CurrentState: p.currentState,
    StateReason: p.stateReason,
    CreationTime: new Date(p.creationTime),
    LastModifiedTime: new Date(p.lastModifiedTime),
    Source: p.source,
    Target: p.target,
    Enrichment: p.enrichment,
  };
}
