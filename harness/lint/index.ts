import { S3Client, ListBucketsCommand, GetBucketNotificationConfigurationCommand, type NotificationConfiguration } from '@aws-sdk/client-s3';
import { parseJsonObject } from '../../emulator/core/json-object';
import { SQSClient, GetQueueAttributesCommand, GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import { SNSClient, GetTopicAttributesCommand, GetSubscriptionAttributesCommand, paginateListSubscriptionsByTopic, type Subscription } from '@aws-sdk/client-sns';
import {
  LambdaClient,
  GetPolicyCommand,
  GetFunctionConfigurationCommand,
  GetFunctionConcurrencyCommand,
  paginateListEventSourceMappings,
  type EventSourceMappingConfiguration,
} from '@aws-sdk/client-lambda';
import { isAllowed } from '../../emulator/core/resource-policy';
import { validateNotificationConfiguration } from '../../emulator/s3/notifications';
import { parseArn } from '../../emulator/core/ids';
import type { Finding } from './findings';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { lintEventBridge } from './eventbridge';
import { keepsFailedAsyncEvents } from './async-invoke';

export type { Finding } from './findings';
export { formatFindings } from './findings';

/**
 * Deployment lint: reads a live deployment through the SDK (any backend) and reports what would break on
 * AWS or invite a delivery bug, each finding naming the resource and the fix.
 */
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

const nameFromArn = (arn: string) => parseArn(arn)?.resource.split(':').pop() ?? arn;


/** SQS's default and largest MessageRetentionPeriod (4 and 14 days). */
const DEFAULT_RETENTION = 345_600;
const MAX_RETENTION = 1_209_600;

export async function lintDeployment(c: LintClients, opts: LintOptions = {}): Promise<Finding[]> {
  const findings: Finding[] = [];
  // One finding per problem: a bucket often has several configurations (one per suffix) to one destination.
  const seen = new Set<string>();
  const add = (f: Finding) => {
    const key = `${f.rule}\0${f.resource}\0${f.message}`;
    if (!seen.has(key)) findings.push(f);
    seen.add(key);
  };
  const buckets = opts.buckets ?? ((await c.s3.send(new ListBucketsCommand({}))).Buckets ?? []).map((b) => b.Name!);

  const queueAttrs = new Map<string, Record<string, string>>();
  const attrsOf = async (queueArn: string) => {
    if (!queueAttrs.has(queueArn)) {
      const arn = parseArn(queueArn)!;
      const { QueueUrl } = await c.sqs.send(new GetQueueUrlCommand({ QueueName: arn.resource, QueueOwnerAWSAccountId: arn.accountId }));
      const { Attributes } = await c.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }));
      queueAttrs.set(queueArn, Attributes ?? {});
    }
    return queueAttrs.get(queueArn)!;
  };

  const notifications = new Map<string, NotificationConfiguration>();
  for (const bucket of buckets) {
    const cfg = await c.s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: bucket }));
    notifications.set(bucket, cfg);
    const bucketArn = `arn:aws:s3:::${bucket}`;
    // What S3 presents to a destination's policy: the bucket ARN and the bucket owner's account (the
    // destination's own account here; cross-account notifications are not linted).
    const from = (destinationArn: string) => ({
      principal: 's3.amazonaws.com',
      context: { 'aws:SourceArn': bucketArn, 'aws:SourceAccount': parseArn(destinationArn)?.accountId ?? '' },
    });
    try {
      validateNotificationConfiguration(cfg, { generateId: () => 'lint' });
    } catch (err) {
      add({ severity: 'error', rule: 'overlapping-filters', resource: bucketArn, message: (err as Error).message, fix: 'Give configurations that share an event type prefixes or suffixes that cannot both match one key.' });
    }
    for (const q of cfg.QueueConfigurations ?? []) {
      const attrs = await attrsOf(q.QueueArn!).catch(() => undefined);
      if (!attrs) {
        add({ severity: 'error', rule: 'missing-destination', resource: q.QueueArn!, message: `Bucket ${bucket} notifies a queue that does not exist.`, fix: 'Create the queue before the notification configuration.' });
        continue;
      }
      if (!isAllowed(attrs.Policy, { ...from(q.QueueArn!), action: 'sqs:SendMessage', resource: q.QueueArn! })) {
        add({ severity: 'error', rule: 'queue-policy', resource: q.QueueArn!, message: `The queue policy does not let s3.amazonaws.com send messages from ${bucketArn}; AWS refuses the notification configuration.`, fix: `Add a statement allowing Service s3.amazonaws.com sqs:SendMessage with Condition ArnLike aws:SourceArn ${bucketArn}.` });
      }
    }
    for (const t of cfg.TopicConfigurations ?? []) {
      const attrs = (await c.sns.send(new GetTopicAttributesCommand({ TopicArn: t.TopicArn })).catch(() => undefined))?.Attributes;
      if (!attrs) {
        add({ severity: 'error', rule: 'missing-destination', resource: t.TopicArn!, message: `Bucket ${bucket} notifies a topic that does not exist.`, fix: 'Create the topic before the notification configuration.' });
        continue;
      }
      if (!isAllowed(attrs.Policy, { ...from(t.TopicArn!), action: 'sns:Publish', resource: t.TopicArn! })) {
        add({ severity: 'error', rule: 'topic-policy', resource: t.TopicArn!, message: `The topic policy does not let s3.amazonaws.com publish from ${bucketArn}.`, fix: `Add a statement allowing Service s3.amazonaws.com sns:Publish with Condition ArnLike aws:SourceArn ${bucketArn}.` });
      }
    }
    for (const l of cfg.LambdaFunctionConfigurations ?? []) {
      const policy = (await c.lambda.send(new GetPolicyCommand({ FunctionName: l.LambdaFunctionArn })).catch(() => undefined))?.Policy;
      if (!isAllowed(policy, { ...from(l.LambdaFunctionArn!), action: 'lambda:InvokeFunction', resource: l.LambdaFunctionArn! })) {
        add({ severity: 'error', rule: 'lambda-permission', resource: l.LambdaFunctionArn!, message: `The function policy does not let s3.amazonaws.com invoke it for ${bucketArn}.`, fix: `aws lambda add-permission --function-name ${nameFromArn(l.LambdaFunctionArn!)} --principal s3.amazonaws.com --action lambda:InvokeFunction --source-arn ${bucketArn} --statement-id s3-invoke` });
      }
      if (!(await keepsFailedAsyncEvents(c.lambda, l.LambdaFunctionArn!))) {
        add({ severity: 'warning', rule: 'async-failure-destination', resource: l.LambdaFunctionArn!, message: `S3 invokes ${nameFromArn(l.LambdaFunctionArn!)} asynchronously, and it has neither a dead-letter queue nor an on-failure destination: an event that fails every retry (or waits longer than its maximum age) is discarded.`, fix: `Set DeadLetterConfig on the function, or an OnFailure destination with put-function-event-invoke-config.` });
      }
    }
  }

  const mappings: EventSourceMappingConfiguration[] = [];
  for await (const page of paginateListEventSourceMappings({ client: c.lambda }, {})) mappings.push(...(page.EventSourceMappings ?? []));
  await lintEventBridge({ events: c.events, lambda: c.lambda, sns: c.sns, notifications, attrsOf, add, consumedQueues: new Set(mappings.map((m) => m.EventSourceArn!)) });

  // A topic's subscriptions, listed once (the recursive-loop and envelope rules both need them).
  const subscriptionsByTopic = new Map<string, Promise<Subscription[]>>();
  const subscriptionsOf = (topicArn: string) => {
    if (!subscriptionsByTopic.has(topicArn)) {
      subscriptionsByTopic.set(topicArn, (async () => {
        const subs: Subscription[] = [];
        for await (const page of paginateListSubscriptionsByTopic({ client: c.sns }, { TopicArn: topicArn })) subs.push(...(page.Subscriptions ?? []));
        return subs;
      })().catch(() => []));
    }
    return subscriptionsByTopic.get(topicArn)!;
  };
  for (const m of mappings) {
    if (!m.EventSourceArn?.startsWith('arn:aws:sqs:')) continue;
    const fn = (await c.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: m.FunctionArn! })).catch(() => undefined));
    const attrs = await attrsOf(m.EventSourceArn).catch(() => undefined);
    if (!fn || !attrs) continue;
    const visibility = Number(attrs.VisibilityTimeout ?? 30);
    const timeout = fn.Timeout ?? 3;
    const window = m.MaximumBatchingWindowInSeconds ?? 0;
    // AWS: at least six times the function timeout, plus the batching window when there is one.
    const recommended = 6 * timeout + window;
    const queueName = nameFromArn(m.EventSourceArn);
    if (visibility < timeout) {
      add({ severity: 'error', rule: 'visibility-timeout', resource: m.EventSourceArn, message: `Queue visibility timeout ${visibility} s is below the timeout of ${fn.FunctionName} (${timeout} s): messages come back while still being processed.`, fix: `Set VisibilityTimeout of ${queueName} to at least ${recommended} s.` });
    } else if (visibility < recommended) {
      const basis = window ? `six times the timeout of ${fn.FunctionName} (${timeout} s) plus the batching window (${window} s)` : `six times the timeout of ${fn.FunctionName} (${timeout} s)`;
      add({ severity: 'warning', rule: 'visibility-timeout', resource: m.EventSourceArn, message: `Queue visibility timeout ${visibility} s is below ${basis}, as AWS recommends.`, fix: `Set VisibilityTimeout of ${queueName} to ${recommended} s.` });
    }
    const redrive = attrs.RedrivePolicy ? parseJsonObject(attrs.RedrivePolicy) : undefined;
    if (!redrive) {
      add({ severity: 'warning', rule: 'no-dlq', resource: m.EventSourceArn, message: `Queue ${queueName} has no RedrivePolicy: a poison message is retried until retention expires.`, fix: 'Give the queue a dead-letter queue with maxReceiveCount ≥ 5.' });
    } else {
      if (Number(redrive.maxReceiveCount) < 5) {
        add({ severity: 'warning', rule: 'max-receive-count', resource: m.EventSourceArn, message: `maxReceiveCount ${redrive.maxReceiveCount} is below 5: throttled or briefly failing batches reach the DLQ early.`, fix: 'Set maxReceiveCount to 5 or more.' });
      }
      const dlqFifo = String(redrive.deadLetterTargetArn).endsWith('.fifo');
      const srcFifo = attrs.FifoQueue === 'true';
      if (dlqFifo !== srcFifo) {
        add({ severity: 'error', rule: 'dlq-type', resource: m.EventSourceArn, message: `A ${srcFifo ? 'FIFO' : 'standard'} queue has a ${dlqFifo ? 'FIFO' : 'standard'} dead-letter queue.`, fix: 'Use a dead-letter queue of the same type as its source queue.' });
      }
      // A standard queue's message keeps its first enqueue time in the DLQ, so its time in the source counts there.
      const dlqAttrs = srcFifo ? undefined : await attrsOf(String(redrive.deadLetterTargetArn)).catch(() => undefined);
      if (dlqAttrs) {
        const kept = Number(attrs.MessageRetentionPeriod ?? DEFAULT_RETENTION);
        const dlqKept = Number(dlqAttrs.MessageRetentionPeriod ?? DEFAULT_RETENTION);
        if (dlqKept <= kept && dlqKept < MAX_RETENTION) {
          const dlqName = nameFromArn(String(redrive.deadLetterTargetArn));
          add({ severity: 'warning', rule: 'dlq-retention', resource: String(redrive.deadLetterTargetArn), message: `${dlqName} keeps messages ${dlqKept} s, no longer than ${queueName} (${kept} s): a message's age counts from when it entered ${queueName}, so one dead-lettered late can expire in the DLQ almost at once.`, fix: `Set MessageRetentionPeriod of ${dlqName} above ${kept} s (up to ${MAX_RETENTION}).` });
        }
      }
    }
    if ((m.BatchSize ?? 10) > 1 && !m.FunctionResponseTypes?.includes('ReportBatchItemFailures')) {
      add({ severity: 'warning', rule: 'partial-batch', resource: m.EventSourceArn, message: `${fn.FunctionName} takes batches of up to ${m.BatchSize ?? 10} from ${queueName} without ReportBatchItemFailures: one failing message makes the whole batch visible again, so the ones that succeeded run again.`, fix: `Turn on FunctionResponseTypes ReportBatchItemFailures and return the failed messages' ids, or make the handler idempotent.` });
    }
    concurrencyRules(m, fn.FunctionName!, await reservedConcurrency(c.lambda, fn.FunctionName!), mappings, add);
    // Recursive loop: the function writes into a bucket/prefix that notifies (directly or via this queue) again.
    const env = fn.Environment?.Variables ?? {};
    const writes = opts.writes?.[fn.FunctionName!] ?? (env.REPORT_BUCKET ? [{ bucket: env.REPORT_BUCKET, prefix: 'reports/' }] : []);
    for (const w of writes) {
      const cfg = notifications.get(w.bucket);
      const triggering = [
        ...(cfg?.QueueConfigurations ?? []).map((q) => ({ arn: q.QueueArn, f: q.Filter, feeds: q.QueueArn === m.EventSourceArn })),
        ...(cfg?.LambdaFunctionConfigurations ?? []).map((l) => ({ arn: l.LambdaFunctionArn, f: l.Filter, feeds: l.LambdaFunctionArn === m.FunctionArn })),
        // Through SNS: the topic feeds this function when one of its subscriptions is the mapping's queue.
        ...(await Promise.all((cfg?.TopicConfigurations ?? []).map(async (t) => ({
          arn: t.TopicArn,
          f: t.Filter,
          feeds: (await subscriptionsOf(t.TopicArn!)).some((s) => s.Protocol === 'sqs' && s.Endpoint === m.EventSourceArn),
        })))),
      ];
      for (const t of triggering) {
        const rules = t.f?.Key?.FilterRules ?? [];
        const prefix = rules.find((r) => r.Name?.toLowerCase() === 'prefix')?.Value ?? '';
        const feedsThisFunction = t.feeds;
        if (feedsThisFunction && (w.prefix.startsWith(prefix) || prefix.startsWith(w.prefix))) {
          add({ severity: 'error', rule: 'recursive-loop', resource: fn.FunctionArn!, message: `${fn.FunctionName} writes under s3://${w.bucket}/${w.prefix}, which notifies ${nameFromArn(t.arn!)} and so invokes it again.`, fix: 'Write reports to another bucket, or filter the notification on a prefix (e.g. data/) the function never writes to.' });
        }
      }
    }
  }

  // SNS → SQS subscriptions feeding a function: where failed deliveries go, and whether the envelope is expected.
  for (const bucket of buckets) {
    for (const t of notifications.get(bucket)?.TopicConfigurations ?? []) {
      for (const s of await subscriptionsOf(t.TopicArn!)) {
        if (s.Protocol !== 'sqs') continue;
        const consumers = mappings.filter((m) => m.EventSourceArn === s.Endpoint).map((m) => nameFromArn(m.FunctionArn!));
        if (!consumers.length) continue;
        const attrs = (await c.sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: s.SubscriptionArn }))).Attributes ?? {};
        if (!attrs.RedrivePolicy) {
          add({ severity: 'warning', rule: 'subscription-dlq', resource: s.SubscriptionArn!, message: `The subscription of ${nameFromArn(s.Endpoint!)} to ${nameFromArn(t.TopicArn!)} has no dead-letter queue: what SNS cannot deliver to the queue (deleted, or its policy refusing) is discarded, and ${consumers.join(', ')} never sees it.`, fix: `Set a RedrivePolicy {"deadLetterTargetArn": "<SQS queue ARN>"} on the subscription, with a queue policy letting the topic send to that queue.` });
        } else {
          // SNS: "The Amazon SNS subscription and Amazon SQS queue must be under the same AWS account and Region."
          const dlq = parseArn(String(parseJsonObject(attrs.RedrivePolicy)?.deadLetterTargetArn ?? ''));
          const sub = parseArn(s.SubscriptionArn!);
          if (dlq && sub && (dlq.region !== sub.region || dlq.accountId !== sub.accountId)) {
            add({ severity: 'error', rule: 'subscription-dlq', resource: s.SubscriptionArn!, message: `The dead-letter queue of the subscription of ${nameFromArn(s.Endpoint!)} is in ${dlq.accountId}/${dlq.region}, the subscription in ${sub.accountId}/${sub.region}: SNS needs them in the same account and Region.`, fix: 'Use a dead-letter queue in the subscription\'s own account and Region.' });
          }
        }
        if (attrs.RawMessageDelivery === 'true') continue;
        for (const fn of consumers) {
          if (!opts.expectsBareS3Events?.includes(fn)) continue;
          add({ severity: 'error', rule: 'sns-envelope', resource: s.SubscriptionArn!, message: `${fn} expects bare S3 events, but its queue receives them inside SNS envelopes (raw delivery is off).`, fix: `Set RawMessageDelivery=true on ${s.SubscriptionArn}, or unwrap the envelope in ${fn}.` });
        }
      }
    }
  }
  if (opts.prefix === undefined) return findings;
  // ARNs put the name after `:` (`:::` for buckets) or `/` (rules, log groups).
  const own = new RegExp(`[:/]${opts.prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-`);
  return findings.filter((f) => own.test(f.resource));
}


async function reservedConcurrency(lambda: LambdaClient, functionName: string): Promise<number | undefined> {
  return (await lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: functionName })).catch(() => undefined))?.ReservedConcurrentExecutions;
}

/**
 * Reserved concurrency caps the function, not the mapping: a mapping without a maximum concurrency at or below
 * it receives batches the function may not run, and each throttled batch goes back to the queue having used up
 * a receive. Lambda's advice: limit the mapping (ScalingConfig.MaximumConcurrency), with reserved concurrency at
 * least the sum of the maxima of the function's SQS mappings.
 */
function concurrencyRules(
  m: EventSourceMappingConfiguration,
  functionName: string,
  reserved: number | undefined,
  all: EventSourceMappingConfiguration[],
  add: (f: Finding) => void,
): void {
  if (reserved === undefined) return;
  const queueName = nameFromArn(m.EventSourceArn!);
  if (reserved === 0) {
    add({ severity: 'error', rule: 'reserved-concurrency', resource: m.FunctionArn!, message: `${functionName} has reserved concurrency 0: every batch from ${queueName} is throttled and ends in the DLQ (or stays until it expires) without running.`, fix: `Remove the reserved concurrency of ${functionName} (delete-function-concurrency), or disable the mapping.` });
    return;
  }
  const maximum = m.ScalingConfig?.MaximumConcurrency;
  if (maximum === undefined) {
    add({ severity: 'warning', rule: 'reserved-concurrency', resource: m.EventSourceArn!, message: `${functionName} has reserved concurrency ${reserved}, but its mapping from ${queueName} has no maximum concurrency: the mapping can take more batches than the function may run, and throttled batches count receives toward the DLQ.`, fix: `Set ScalingConfig.MaximumConcurrency (at least 2, at most ${reserved}) on the mapping, instead of relying on reserved concurrency.` });
    return;
  }
  const sqsMappings = all.filter((x) => x.FunctionArn === m.FunctionArn && x.EventSourceArn?.startsWith('arn:aws:sqs:') && x.State !== 'Disabled');
  const total = sqsMappings.reduce((sum, x) => sum + (x.ScalingConfig?.MaximumConcurrency ?? 0), 0);
  if (total > reserved && sqsMappings.every((x) => x.ScalingConfig?.MaximumConcurrency !== undefined)) {
    add({ severity: 'warning', rule: 'reserved-concurrency', resource: m.FunctionArn!, message: `The SQS mappings of ${functionName} may run ${total} batches at once, above its reserved concurrency ${reserved}: Lambda throttles the rest, and throttled batches count receives toward the DLQ.`, fix: `Raise the reserved concurrency of ${functionName} to at least ${total}, or lower the mappings' maximum concurrency.` });
  }
}
