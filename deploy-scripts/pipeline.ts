/**
 * A typed description of an event pipeline: what `deploy()` provisions, identical for every backend.
 *
 * Resources refer to each other by logical id (`'events'`, `'events-dlq'`); the deployed name of each is
 * `<prefix>-<id>` (FIFO queues and topics add `.fifo`). Permissions between services (queue policies,
 * topic policies, Lambda permissions) are derived from the notifications and subscriptions, so they can
 * never disagree with the wiring.
 */

export type Topology = 'direct' | 'queue' | 'fanout' | 'eventbridge';
export const TOPOLOGIES: readonly Topology[] = ['direct', 'queue', 'fanout', 'eventbridge'];

/** The pipeline's function code (handlers/build.ts). */
export type HandlerCode = 'data-processor' | 'error-handler';

/** An environment value: a literal, or the deployed name/ARN/URL of another resource. */
export type EnvValue = string | { bucketName: string } | { topicArn: string } | { queueUrl: string };

export interface PipelineSpec {
  /** Starts every resource name: lowercase letters, digits and hyphens (see `checkPrefix`). */
  prefix: string;
  /** Informational: which topology built this (scenarios and the CLI print it). */
  topology: Topology;
  /** The bucket objects land in (id into `buckets`). */
  sourceBucket: string;
  buckets: BucketSpec[];
  topics: TopicSpec[];
  queues: QueueSpec[];
  functions: FunctionSpec[];
  mappings: MappingSpec[];
  subscriptions: SubscriptionSpec[];
  /** EventBridge rules on the default bus (S3 sends a bucket's events there when `eventBridge` is on). */
  rules?: RuleSpec[];
  /** Probe queues, by the topic (or EventBridge rule) they listen to: id → queue id (the queue is listed above too). */
  probes: Record<string, string>;
  /** The topic the error handler publishes alerts to, if any. */
  alertTopic?: string;
}

export interface BucketSpec {
  id: string;
  versioning: boolean;
  notifications?: NotificationSpec[];
  /** EventBridgeConfiguration: S3 sends every event of the bucket to the default bus (no filters there). */
  eventBridge?: boolean;
}

/**
 * An EventBridge rule matching a bucket's S3 events (the pattern is built from `events`, see s3EventPattern), with
 * one target: an SQS queue or a function. EventBridge retries a delivery it could not make, then sends the event to
 * `deadLetterQueue`. (A function's own failures are its asynchronous invocation's: FunctionSpec.async.)
 */
export interface RuleSpec {
  id: string;
  events: { bucket: string; created: boolean; deleted: boolean; prefix?: string; suffixes?: string[] };
  /** Where matched events go: a queue, or a function EventBridge invokes asynchronously. */
  target: { queue: string } | { function: string };
  deadLetterQueue?: string;
  /** A queue that gets a copy of every event the rule matches (a second target), for scenarios to read. */
  probe?: string;
  /** RetryPolicy (EventBridge's defaults: 185 attempts, 86,400 s). */
  maximumRetryAttempts?: number;
  maximumEventAgeSeconds?: number;
}

/**
 * The event pattern of a rule's `events`: S3's events for that bucket as EventBridge carries them (detail-type
 * "Object Created" / "Object Deleted"), the key matched with wildcards so a prefix and a suffix hold together.
 */
export function s3EventPattern(events: RuleSpec['events'], bucketName: string): Record<string, unknown> {
  const detailTypes = [...(events.created ? ['Object Created'] : []), ...(events.deleted ? ['Object Deleted'] : [])];
  const prefix = events.prefix ?? '';
  const keys = events.suffixes?.length ? events.suffixes.map((suffix) => ({ wildcard: `${escapeWildcard(prefix)}*${escapeWildcard(suffix)}` })) : prefix ? [{ prefix }] : undefined;
  return {
    source: ['aws.s3'],
    'detail-type': detailTypes,
    detail: { bucket: { name: [bucketName] }, ...(keys ? { object: { key: keys } } : {}) },
  };
}

/** In a wildcard pattern `*` and `\` are special; everything else matches itself. */
const escapeWildcard = (text: string) => text.replace(/[\\*]/g, (c) => `\\${c}`);

export type NotificationTarget = { queue: string } | { topic: string } | { function: string };

export interface NotificationSpec {
  target: NotificationTarget;
  /** e.g. `s3:ObjectCreated:*`, `s3:ObjectRemoved:*`. */
  events: string[];
  prefix?: string;
  suffix?: string;
}

export interface TopicSpec {
  id: string;
  fifo?: boolean;
}

export interface QueueSpec {
  id: string;
  fifo?: boolean;
  visibilityTimeoutSeconds?: number;
  messageRetentionSeconds?: number;
  /** Redrive: after `maxReceiveCount` receives the message moves to this queue. */
  deadLetter?: { queue: string; maxReceiveCount: number };
}

export interface FunctionSpec {
  id: string;
  code: HandlerCode;
  timeoutSeconds?: number;
  memorySizeMb?: number;
  environment?: Record<string, EnvValue>;
  /** Asynchronous invocation (S3 → Lambda): retries, event age, and the Lambda DLQ (DeadLetterConfig). */
  async?: { maxRetries: 0 | 1 | 2; maxEventAgeSeconds?: number; deadLetterQueue?: string };
}

/** An SQS event source mapping. */
export interface MappingSpec {
  function: string;
  queue: string;
  batchSize?: number;
  /** Not allowed on FIFO queues. */
  maximumBatchingWindowSeconds?: number;
  reportBatchItemFailures?: boolean;
}

export interface SubscriptionSpec {
  topic: string;
  queue: string;
  /** Raw message delivery: the queue gets the message itself instead of the SNS JSON envelope. */
  raw?: boolean;
  filterPolicy?: Record<string, unknown>;
  filterPolicyScope?: 'MessageAttributes' | 'MessageBody';
  /** The subscription's RedrivePolicy: SNS sends what it could not deliver to the queue here (a queue id). */
  deadLetterQueue?: string;
}

/** What `deploy()` returns: plain JSON (the CLI prints it; scenarios read it). Keyed by logical id. */
export interface Resources {
  prefix: string;
  topology: Topology;
  region: string;
  accountId: string;
  sourceBucket: string;
  buckets: Record<string, { name: string; arn: string; versioning: boolean }>;
  topics: Record<string, { name: string; arn: string }>;
  queues: Record<string, { name: string; url: string; arn: string }>;
  role: { name: string; arn: string };
  functions: Record<string, { name: string; arn: string; codeSha256: string; logGroup: string }>;
  mappings: { uuid: string; function: string; queue: string }[];
  subscriptions: { arn: string; topic: string; queue: string }[];
  rules?: Record<string, { name: string; arn: string }>;
  probes: Record<string, string>;
  alertTopic?: string;
}

/** Longest prefix that still leaves room for `-<id>.fifo` inside every service's name limit. */
export const MAX_PREFIX_LENGTH = 36;

/** Resource names must be valid for S3 buckets (the strictest): lowercase, digits, hyphens. */
export function checkPrefix(prefix: string): string {
  if (!/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/.test(prefix) || prefix.includes('--')) {
    throw new Error(`invalid resource prefix ${JSON.stringify(prefix)}: use lowercase letters, digits and single hyphens`);
  }
  if (prefix.length > MAX_PREFIX_LENGTH) {
    throw new Error(`resource prefix ${JSON.stringify(prefix)} is longer than ${MAX_PREFIX_LENGTH} characters`);
  }
  return prefix;
}

export const resourceName = (prefix: string, id: string, fifo = false): string => `${prefix}-${id}${fifo ? '.fifo' : ''}`;

/** Checks that every reference names a declared resource, so a typo fails before anything is created. */
export function validatePipeline(p: PipelineSpec): void {
  checkPrefix(p.prefix);
  const ids = {
    bucket: new Set(p.buckets.map((b) => b.id)),
    topic: new Set(p.topics.map((t) => t.id)),
    queue: new Set(p.queues.map((q) => q.id)),
    function: new Set(p.functions.map((f) => f.id)),
  };
  const problems: string[] = [];
  const need = (kind: keyof typeof ids, id: string, where: string) => {
    if (!ids[kind].has(id)) problems.push(`${where} refers to unknown ${kind} "${id}"`);
  };
  for (const [kind, list] of [['bucket', p.buckets], ['topic', p.topics], ['queue', p.queues], ['function', p.functions]] as const) {
    const seen = new Set<string>();
    for (const { id } of list) {
      if (seen.has(id)) problems.push(`duplicate ${kind} id "${id}"`);
      seen.add(id);
      if (!/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/.test(id)) problems.push(`${kind} id "${id}" must be lowercase letters, digits, hyphens`);
    }
  }
  need('bucket', p.sourceBucket, 'sourceBucket');
  for (const b of p.buckets) {
    for (const n of b.notifications ?? []) {
      if ('queue' in n.target) need('queue', n.target.queue, `bucket ${b.id} notification`);
      else if ('topic' in n.target) need('topic', n.target.topic, `bucket ${b.id} notification`);
      else need('function', n.target.function, `bucket ${b.id} notification`);
    }
  }
  for (const q of p.queues) {
    if (!q.deadLetter) continue;
    need('queue', q.deadLetter.queue, `queue ${q.id} deadLetter`);
    const dlq = p.queues.find((x) => x.id === q.deadLetter!.queue);
    if (dlq && Boolean(dlq.fifo) !== Boolean(q.fifo)) problems.push(`queue ${q.id} and its DLQ ${dlq.id} must both be FIFO or both standard`);
  }
  for (const f of p.functions) {
    if (f.async?.deadLetterQueue) need('queue', f.async.deadLetterQueue, `function ${f.id} async DLQ`);
    for (const [name, v] of Object.entries(f.environment ?? {})) {
      if (typeof v === 'string') continue;
      if ('bucketName' in v) need('bucket', v.bucketName, `function ${f.id} env ${name}`);
      else if ('topicArn' in v) need('topic', v.topicArn, `function ${f.id} env ${name}`);
      else need('queue', v.queueUrl, `function ${f.id} env ${name}`);
    }
  }
  for (const m of p.mappings) {
    need('function', m.function, 'mapping');
    need('queue', m.queue, 'mapping');
    const q = p.queues.find((x) => x.id === m.queue);
    if (q?.fifo && m.maximumBatchingWindowSeconds) problems.push(`mapping ${m.function} ← ${m.queue}: FIFO queues take no batching window`);
  }
  for (const r of p.rules ?? []) {
    need('bucket', r.events.bucket, `rule ${r.id}`);
    if ('queue' in r.target) need('queue', r.target.queue, `rule ${r.id} target`);
    else need('function', r.target.function, `rule ${r.id} target`);
    if (r.deadLetterQueue) need('queue', r.deadLetterQueue, `rule ${r.id} DLQ`);
    if (r.probe) need('queue', r.probe, `rule ${r.id} probe`);
    if (!p.buckets.find((b) => b.id === r.events.bucket)?.eventBridge) problems.push(`rule ${r.id}: bucket ${r.events.bucket} does not send its events to EventBridge`);
    if (!r.events.created && !r.events.deleted) problems.push(`rule ${r.id} matches no event`);
  }
  for (const s of p.subscriptions) {
    need('topic', s.topic, 'subscription');
    need('queue', s.queue, 'subscription');
    if (s.deadLetterQueue) need('queue', s.deadLetterQueue, `subscription ${s.topic} → ${s.queue} DLQ`);
  }
  for (const [source, queue] of Object.entries(p.probes)) {
    const rule = p.rules?.find((r) => r.id === source);
    if (rule) {
      if (rule.probe !== queue) problems.push(`probe ${queue} of rule ${source} is not that rule's probe target`);
    } else need('topic', source, 'probe');
    need('queue', queue, 'probe');
  }
  if (p.alertTopic) need('topic', p.alertTopic, 'alertTopic');
  if (problems.length) throw new Error(`invalid pipeline "${p.prefix}":\n  ${problems.join('\n  ')}`);
}
