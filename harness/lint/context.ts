import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { EventSourceMappingConfiguration, LambdaClient } from '@aws-sdk/client-lambda';
import type { NotificationConfiguration, S3Client } from '@aws-sdk/client-s3';
import { paginateListSubscriptionsByTopic, type SNSClient, type Subscription } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, GetQueueUrlCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { parseArn } from '../../emulator/core/ids';
import type { Finding } from './findings';

/** The official SDK clients the lint reads a deployment with (the deploy scripts' AwsClients has them all). */
export interface LintClients {
  s3: S3Client;
  sqs: SQSClient;
  sns: SNSClient;
  lambda: LambdaClient;
  events: EventBridgeClient;
}

export interface LintOptions {
  /** Only these buckets (default: every bucket). */
  buckets?: string[];
  /** Where each function writes, for the recursive-loop rule (default: REPORT_BUCKET env + `reports/`). */
  writes?: Record<string, { bucket: string; prefix: string }[]>;
  /** Functions that expect bare S3 events (no SNS envelope) from their queue. */
  expectsBareS3Events?: string[];
  /**
   * Only findings about resources named `<prefix>-…` (a deployment's own; mappings and rules are read account-wide,
   * so another deployment's would show up too).
   */
  prefix?: string;
}

/** What every group of rules reads (each read once per run) and where their findings go. */
export interface LintContext {
  c: LintClients;
  opts: LintOptions;
  add(f: Finding): void;
  attrsOf(queueArn: string): Promise<Record<string, string>>;
  subscriptionsOf(topicArn: string): Promise<Subscription[]>;
  /** Bucket name → its notification configuration, for the linted buckets. */
  notifications: Map<string, NotificationConfiguration>;
  /** Every event source mapping of the account. */
  mappings: EventSourceMappingConfiguration[];
}

export const nameFromArn = (arn: string): string => parseArn(arn)?.resource.split(':').pop() ?? arn;

/** A context whose `findings` hold one finding per problem (a bucket often notifies one destination once per suffix). */
export function lintContext(c: LintClients, opts: LintOptions): LintContext & { findings: Finding[] } {
  const findings: Finding[] = [];
  const seen = new Set<string>();
  const queueAttrs = new Map<string, Promise<Record<string, string>>>();
  const subscriptions = new Map<string, Promise<Subscription[]>>();
  return {
    c,
    opts,
    findings,
    notifications: new Map(),
    mappings: [],
    add(f) {
      const key = `${f.rule}\0${f.resource}\0${f.message}`;
      if (!seen.has(key)) findings.push(f);
      seen.add(key);
    },
    attrsOf(queueArn) {
      if (!queueAttrs.has(queueArn)) {
        queueAttrs.set(queueArn, (async () => {
          const arn = parseArn(queueArn)!;
          const { QueueUrl } = await c.sqs.send(new GetQueueUrlCommand({ QueueName: arn.resource, QueueOwnerAWSAccountId: arn.accountId }));
          const { Attributes } = await c.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }));
          return Attributes ?? {};
        })());
      }
      return queueAttrs.get(queueArn)!;
    },
    subscriptionsOf(topicArn) {
      if (!subscriptions.has(topicArn)) {
        subscriptions.set(topicArn, (async () => {
          const subs: Subscription[] = [];
          for await (const page of paginateListSubscriptionsByTopic({ client: c.sns }, { TopicArn: topicArn })) subs.push(...(page.Subscriptions ?? []));
          return subs;
        })().catch(() => []));
      }
      return subscriptions.get(topicArn)!;
    },
  };
}
