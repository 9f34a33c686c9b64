import type { Cors, DestinationConfig, FilterCriteria, ScalingConfig } from '@aws-sdk/client-lambda';
import type { Clock, Timer } from '../core/clock';
import type { ServiceDeps } from '../core/service';
import type { PolicyStatement } from './permissions';
import type { LogSettings } from './runtime';

/**
 * What a published version freezes: configuration and code. $LATEST keeps the same fields, live, on
 * LambdaFunction itself; a version is a copy taken by PublishVersion.
 */
export interface FunctionConfig {
  runtime: string;
  handler: string;
  role: string;
  description: string;
  timeout: number;
  memorySize: number;
  environment?: Record<string, string>;
  deadLetterTargetArn?: string;
  architectures: string[];
  /** /tmp size in MB; absent means Lambda's default, 512. */
  ephemeralStorageMb?: number;
  tracingMode: string;
  code: FunctionCodeVersion;
  /** Layers in the order given (Layers); absent in state saved before layers existed. */
  layers?: FunctionLayer[];
  /** LoggingConfig as set; absent means Lambda's default (Text, into `/aws/lambda/<function>`). */
  logging?: LogSettings;
  lastModified: number;
  revisionId: string;
}

/**
 * A layer version as a function uses it. It holds the content itself: a function keeps working after
 * DeleteLayerVersion, as on AWS, where a copy stays until no function refers to it.
 */
export interface FunctionLayer {
  /** The layer version ARN. */
  arn: string;
  codeSize: number;
  sha256: string;
  unzippedSize: number;
  zip: Buffer;
}

/** A published version ("1", "2", …): its frozen configuration, its own resource policy and async settings. */
export interface FunctionVersion extends FunctionConfig {
  version: string;
  /** $LATEST's code and configuration when it was published: PublishVersion without a change returns this version. */
  fingerprint?: string;
  policy: PolicyStatement[];
  eventInvokeConfig?: EventInvokeConfig;
}

/** An alias: a name for a version, optionally splitting traffic with one more version. */
export interface FunctionAlias {
  name: string;
  functionVersion: string;
  description: string;
  /** AdditionalVersionWeights: version → share of invocations (at most one entry). */
  weights?: Record<string, number>;
  revisionId: string;
  policy: PolicyStatement[];
  eventInvokeConfig?: EventInvokeConfig;
}

/** One function's $LATEST: configuration, code, and what hangs off it (versions, aliases, policy, settings). */
export interface LambdaFunction extends FunctionConfig {
  name: string;
  arn: string;
  region: string;
  accountId: string;
  /** Task roots of earlier code versions: busy environments may still run there; removed on delete. */
  oldCodeDirs: string[];
  state: 'Pending' | 'Active' | 'Failed';
  stateReason?: string;
  stateReasonCode?: string;
  lastUpdateStatus?: 'InProgress' | 'Successful' | 'Failed';
  lastUpdateStatusReason?: string;
  /** Resolves when the current create/update transition is over (Invoke and further updates wait on it). */
  settled: Promise<void>;
  /** Ends the current transition at once (delete, reset), so nothing waits on `settled` forever. */
  settle?: () => void;
  policy: PolicyStatement[];
  tags: Record<string, string>;
  reservedConcurrency?: number;
  recursiveLoop: 'Terminate' | 'Allow';
  eventInvokeConfig?: EventInvokeConfig;
  /** Published versions by number ("1", "2", …), in publishing order. */
  versions: Map<string, FunctionVersion>;
  /** The highest version number ever published: numbers are never reused, even after a delete. */
  lastVersion: number;
  aliases: Map<string, FunctionAlias>;
  /** Function URLs by qualifier: `$LATEST` for the unqualified function, else an alias name. */
  urlConfigs: Map<string, FunctionUrlSettings>;
  /** Provisioned concurrency by qualifier (a version number or an alias name; never `$LATEST`). */
  provisioned: Map<string, ProvisionedConcurrency>;
  /** PutRuntimeManagementConfig by version (`$LATEST` or a number); absent means Lambda's default, Auto. */
  runtimeManagement?: Record<string, RuntimeManagement>;
  /** The code signing configuration new deployments are checked against (CreateFunction, PutFunctionCodeSigningConfig). */
  codeSigningConfigArn?: string;
  deleted: boolean;
}

/** A code signing configuration (CreateCodeSigningConfig): which Signer profiles may sign, and what unsigned code meets. */
export interface CodeSigningConfigRecord {
  id: string;
  arn: string;
  region: string;
  accountId: string;
  description: string;
  signingProfileVersionArns: string[];
  untrustedArtifactOnDeployment: 'Warn' | 'Enforce';
  lastModified: number;
  tags: Record<string, string>;
}

export interface RuntimeManagement {
  updateRuntimeOn: 'Auto' | 'FunctionUpdate' | 'Manual';
  runtimeVersionArn?: string;
}

/** A function URL (CreateFunctionUrlConfig): served at `http://<urlId>.lambda-url.<region>.localhost:<port>/`. */
export interface FunctionUrlSettings {
  urlId: string;
  /** `$LATEST` or an alias name. */
  qualifier: string;
  authType: 'NONE' | 'AWS_IAM';
  cors?: Cors;
  invokeMode: 'BUFFERED' | 'RESPONSE_STREAM';
  creationTime: number;
  lastModified: number;
}

/** PutProvisionedConcurrencyConfig on a version or alias: IN_PROGRESS until its environments are up, then READY. */
export interface ProvisionedConcurrency {
  requested: number;
  allocated: number;
  status: 'IN_PROGRESS' | 'READY' | 'FAILED';
  statusReason?: string;
  lastModified: number;
}

export interface FunctionCodeVersion {
  sha256: string;
  size: number;
  /** Extracted task root (LAMBDA_TASK_ROOT). */
  dir: string;
  s3?: { bucket: string; key: string; versionId?: string };
  /** The package itself, kept only when state is persisted (`--data-dir`): a restart unpacks it again. */
  zip?: Buffer;
  /** What it takes unzipped, for the 250 MB limit on code and layers together (absent in older saved state). */
  unzippedSize?: number;
}

/** A layer (PublishLayerVersion): its versions, numbered from 1 and never reused, even after a delete. */
export interface Layer {
  name: string;
  /** `arn:aws:lambda:<region>:<account>:layer:<name>` (the key layers are stored under). */
  arn: string;
  region: string;
  accountId: string;
  versions: Map<number, LayerVersion>;
  lastVersion: number;
}

export interface LayerVersion {
  version: number;
  arn: string;
  description: string;
  licenseInfo?: string;
  compatibleRuntimes?: string[];
  compatibleArchitectures?: string[];
  createdDate: number;
  sha256: string;
  size: number;
  unzippedSize: number;
  /** The archive: unpacked into a function's /opt when one of its environments starts. */
  zip: Buffer;
  /** Makes Content.Location differ per version, as Lambda's download URLs do. */
  locationId: string;
  /** AddLayerVersionPermission statements, with the policy's own revision. */
  policy: LayerPolicyStatement[];
  policyRevisionId: string;
}

/** One statement of a layer version's policy, as AddLayerVersionPermission writes it. */
export interface LayerPolicyStatement {
  Sid: string;
  Effect: 'Allow';
  Principal: '*' | { AWS: string };
  Action: string;
  Resource: string;
  Condition?: Record<string, Record<string, string>>;
}

export interface EventInvokeConfig {
  maximumRetryAttempts?: number;
  maximumEventAgeInSeconds?: number;
  destinationConfig?: DestinationConfig;
  lastModified: number;
}

export interface EventSourceMapping {
  uuid: string;
  arn: string;
  functionArn: string;
  eventSourceArn: string;
  fifo: boolean;
  batchSize: number;
  maximumBatchingWindowInSeconds: number;
  filterCriteria?: FilterCriteria;
  functionResponseTypes?: string[];
  scalingConfig?: ScalingConfig;
  enabled: boolean;
  state: 'Creating' | 'Enabling' | 'Enabled' | 'Disabling' | 'Disabled' | 'Updating' | 'Deleting';
  stateTransitionReason: string;
  lastModified: number;
  lastProcessingResult: string;
  tags: Record<string, string>;
}

/** Clock timers the provider made, so reset/close can cancel every one of them. */
export class TimerSet {
  private readonly live = new Set<Timer>();
  constructor(private readonly clock: Clock) {}

  set(delayMs: number, fn: () => void): Timer {
    const timer = this.clock.setTimer(delayMs, () => {
      this.live.delete(timer);
      fn();
    });
    this.live.add(timer);
    return {
      cancel: () => {
        this.live.delete(timer);
        timer.cancel();
      },
    };
  }

  cancelAll(): void {
    for (const t of this.live) t.cancel();
    this.live.clear();
  }
}

/** What the provider's parts share: the injected dependencies, the function and layer tables and the timers. */
export interface LambdaCore {
  deps: ServiceDeps;
  functions: Map<string, LambdaFunction>;
  /** Layers by layer ARN (unversioned). */
  layers: Map<string, Layer>;
  mappings: Map<string, EventSourceMapping>;
  /** Code signing configurations by ARN. */
  codeSigningConfigs: Map<string, CodeSigningConfigRecord>;
  timers: TimerSet;
}

/** How long (emulated) a function stays Pending / InProgress: long enough for the waiters to see it. */
export const TRANSITION_MS = 5;

/** An SDK output shape without the client-side `$metadata` (the protocol layer sends the rest). */
export type Out<T> = Omit<T, '$metadata'>;
