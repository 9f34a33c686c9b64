import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { IAMClient } from '@aws-sdk/client-iam';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { STSClient } from '@aws-sdk/client-sts';

/** Where the SDK clients point: an emulator / LocalStack URL, or no endpoint for real AWS. */
export interface ConnectionConfig {
  /** Undefined means real AWS (the SDK's own endpoints). */
  endpoint?: string;
  region: string;
  /** Undefined means the SDK's default credential chain (real AWS). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** An HTTPS endpoint with its own CA (--ca-file / HARNESS_CA_FILE): the agent that trusts it (harness/backends/endpoint.ts). */
  tls?: { httpsAgent: import('node:https').Agent };
}

/** The official SDK clients the harness uses; the same code runs against every backend. */
export interface AwsClients {
  config: ConnectionConfig;
  s3: S3Client;
  sqs: SQSClient;
  sns: SNSClient;
  lambda: LambdaClient;
  iam: IAMClient;
  logs: CloudWatchLogsClient;
  events: EventBridgeClient;
  sts: STSClient;
  destroy(): void;
}

export function createClients(config: ConnectionConfig): AwsClients {
  const base = {
    region: config.region,
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    ...(config.credentials ? { credentials: config.credentials } : {}),
    // Trust an endpoint's own CA for these clients only; verification stays on.
    ...(config.tls ? { requestHandler: { httpsAgent: config.tls.httpsAgent } } : {}),
    // Transient network errors and throttling are retried by the SDK; a broken emulator still fails fast.
    maxAttempts: 4,
  };
  const clients = {
    config,
    // Path-style: emulators and LocalStack do not resolve <bucket>.<host> names.
    s3: new S3Client({ ...base, forcePathStyle: Boolean(config.endpoint) }),
    sqs: new SQSClient(base),
    sns: new SNSClient(base),
    lambda: new LambdaClient(base),
    // IAM is global: us-east-1 signs for it on AWS; emulators take any region.
    iam: new IAMClient({ ...base, region: config.endpoint ? config.region : 'us-east-1' }),
    logs: new CloudWatchLogsClient(base),
    events: new EventBridgeClient(base),
    sts: new STSClient(base),
  };
  return {
    ...clients,
    destroy() {
      for (const c of [clients.s3, clients.sqs, clients.sns, clients.lambda, clients.iam, clients.logs, clients.events, clients.sts]) c.destroy();
    },
  };
}

/** `aws`, `aws-cn` or `aws-us-gov`, for ARNs built by hand (S3 bucket ARNs carry no region or account). */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

export const bucketArn = (region: string, bucket: string): string => `arn:${partitionOf(region)}:s3:::${bucket}`;
