import type { FaultPlan } from '../handlers/shared/faults';
import type {
  BucketSpec,
  FunctionSpec,
  MappingSpec,
  NotificationSpec,
  NotificationTarget,
  PipelineSpec,
  QueueSpec,
  RuleSpec,
  SubscriptionSpec,
  Topology,
} from './pipeline';
import { TOPOLOGIES, validatePipeline } from './pipeline';

/**
 * The three pipelines the harness knows, built from a few options. Logical ids are stable so scenarios
 * can name things: bucket `data`; function `processor` (and `audit`, `archive` in fan-out) and
 * `error-handler`; topic `alerts` (and `events` in fan-out); DLQs `<consumer>-dlq`; probe queues
 * `probe-<topic>`.
 *
 *   direct:  S3 ─▶ processor (async invoke, retries) ─failure▶ processor-dlq (Lambda DLQ)
 *   queue:   S3 ─▶ events (SQS) ─▶ processor;  events ─redrive▶ events-dlq
 *   eventbridge: S3 ─▶ default bus ─rule objects▶ events (SQS) ─▶ processor;  rule target ─failure▶ events-rule-dlq;
 *            events ─redrive▶ events-dlq. With ruleTarget 'function' the rule invokes the processor (async
 *            retries, then processor-dlq) instead.
 *   fanout:  S3 ─▶ events (SNS) ─▶ processor / audit / archive (SQS) ─▶ functions;  each queue ─redrive▶ <queue>-dlq;
 *            what SNS cannot deliver to one of those queues ─▶ <queue>-subscription-dlq (the subscription's RedrivePolicy)
 * and in all of them: every DLQ ─▶ error-handler ─▶ alerts (SNS) ─▶ probe-alerts (SQS, read by scenarios);
 * what the error handler itself keeps failing on goes on by redrive to `error-handler-dlq`.
 * With `fifo`, a FIFO queue `fifo` (fed by hand: S3 cannot target FIFO queues) also feeds the processor.
 */
export interface TopologyOptions {
  prefix: string;
  /** Versioning on the source bucket (default off). */
  versioning?: boolean;
  /** Wire the error handler to the DLQs (default on). Off leaves DLQ messages in place to be read. */
  errorHandler?: boolean;
  /** Add the FIFO queue `fifo` (+ `fifo-dlq`) feeding the processor. */
  fifo?: boolean;
  /** HARNESS_FAULTS for the processing functions (handlers/shared/faults.ts). */
  faults?: FaultPlan;
  /** QUARANTINE_PREFIX: invalid objects are copied there instead of failing. */
  quarantinePrefix?: string;
  /** Object key prefix the notifications filter on (default `data/`). */
  dataPrefix?: string;
  /** One notification per suffix (default `.csv`, `.json`). */
  suffixes?: string[];
  /** Notify on deletes too (default on): the processor logs and ignores them. */
  deleteEvents?: boolean;
  batchSize?: number;
  batchWindowSeconds?: number;
  /** ReportBatchItemFailures on the processors' mappings (default on). */
  reportBatchItemFailures?: boolean;
  /** Receives before a message is dead-lettered (default 5, the least AWS recommends for a Lambda source queue). */
  maxReceiveCount?: number;
  /** Every queue's (default: six times the function timeout plus the batching window, as AWS recommends). */
  visibilityTimeoutSeconds?: number;
  functionTimeoutSeconds?: number;
  /** Async-invoke retries in the direct topology and for an eventbridge rule's function (default 2, as on AWS). */
  asyncRetries?: 0 | 1 | 2;
  /** eventbridge: the rule sends to the `events` queue the processor reads (default), or invokes the processor itself. */
  ruleTarget?: 'queue' | 'function';
}

export const DEFAULT_DATA_PREFIX = 'data/';
const MAX_RETENTION_SECONDS = 1_209_600;
const DEFAULTS = {
  suffixes: ['.csv', '.json'],
  batchSize: 10,
  batchWindowSeconds: 1,
  maxReceiveCount: 5,
  functionTimeoutSeconds: 10,
};

export function buildPipeline(topology: Topology, options: TopologyOptions): PipelineSpec {
  if (!TOPOLOGIES.includes(topology)) throw new Error(`unknown topology "${topology}" (one of ${TOPOLOGIES.join(', ')})`);
  const o: Resolved = { ...DEFAULTS, ...stripUndefined(options), prefix: options.prefix };
  const b = new Builder(topology, o);
  if (topology === 'direct') {
    b.deadLetterQueue('processor-dlq');
    b.processor('processor', { async: { maxRetries: o.asyncRetries ?? 2, deadLetterQueue: 'processor-dlq' } });
    b.notify({ function: 'processor' });
  } else if (topology === 'queue') {
    b.consumerQueue('events');
    b.processor('processor');
    b.map('processor', 'events');
    b.notify({ queue: 'events' });
  } else if (topology === 'fanout') {
    b.topic('events');
    b.probe('events');
    b.notify({ topic: 'events' });
    // Three consumers, three ways of subscribing: enveloped, raw, and enveloped with a body filter
    // (archive keeps only created objects, so deletes never reach it).
    const consumers: { id: string; subscription: Omit<SubscriptionSpec, 'topic' | 'queue'> }[] = [
      { id: 'processor', subscription: { raw: false } },
      { id: 'audit', subscription: { raw: true } },
      {
        id: 'archive',
        subscription: {
          raw: false,
          filterPolicyScope: 'MessageBody',
          filterPolicy: { Records: { eventName: [{ prefix: 'ObjectCreated:' }] } },
        },
      },
    ];
    for (const c of consumers) {
      b.consumerQueue(c.id);
      if (c.id !== 'processor') b.bucket({ id: c.id, versioning: false });
      b.processor(c.id, { reportBucket: c.id === 'processor' ? 'data' : c.id });
      b.map(c.id, c.id);
      // What SNS cannot deliver to the queue (deleted, its policy refusing) goes to the subscription's own DLQ.
      const undelivered = `${c.id}-subscription-dlq`;
      b.deadLetterQueue(undelivered);
      b.spec.subscriptions.push({ topic: 'events', queue: c.id, ...c.subscription, deadLetterQueue: undelivered });
    }
  }
  if (topology === 'eventbridge') {
    // S3 sends every event of the bucket to the default bus; a rule picks the data objects' created and deleted
    // events (the bucket side has no filters) and sends them to the queue the processor reads.
    b.spec.buckets[0]!.eventBridge = true;
    let target: RuleSpec['target'];
    if (o.ruleTarget === 'function') {
      // EventBridge invokes the processor asynchronously: retries, then the function's own DLQ, as in direct.
      b.deadLetterQueue('processor-dlq');
      b.processor('processor', { async: { maxRetries: o.asyncRetries ?? 2, deadLetterQueue: 'processor-dlq' } });
      target = { function: 'processor' };
    } else {
      b.consumerQueue('events');
      b.processor('processor');
      b.map('processor', 'events');
      target = { queue: 'events' };
    }
    // What EventBridge could not deliver to the queue, after its retries.
    b.deadLetterQueue('events-rule-dlq');
    // A second target: every event the rule matches, for scenarios to read (as the fan-out topic's probe).
    b.queue({ id: 'probe-objects' });
    b.spec.probes.objects = 'probe-objects';
    (b.spec.rules ??= []).push({
      id: 'objects',
      events: { bucket: 'data', created: true, deleted: o.deleteEvents !== false, prefix: o.dataPrefix ?? DEFAULT_DATA_PREFIX, suffixes: o.suffixes },
      target,
      deadLetterQueue: 'events-rule-dlq',
      probe: 'probe-objects',
    });
  }
  if (o.fifo) {
    b.consumerQueue('fifo', true);
    b.map('processor', 'fifo');
  }
  b.errorPath();
  validatePipeline(b.spec);
  return b.spec;
}

type Resolved = typeof DEFAULTS & TopologyOptions;

class Builder {
  readonly spec: PipelineSpec;
  /** The DLQs the error handler reads (every deadLetterQueue). */
  readonly dlqs: string[] = [];
  constructor(topology: Topology, private readonly o: Resolved) {
    this.spec = {
      prefix: o.prefix,
      topology,
      sourceBucket: 'data',
      buckets: [{ id: 'data', versioning: Boolean(o.versioning), notifications: [] }],
      topics: [],
      queues: [],
      functions: [],
      mappings: [],
      subscriptions: [],
      probes: {},
    };
  }

  bucket(b: BucketSpec) {
    this.spec.buckets.push(b);
  }
  topic(id: string) {
    this.spec.topics.push({ id });
  }
  queue(q: QueueSpec) {
    this.spec.queues.push({ visibilityTimeoutSeconds: this.visibilityTimeoutSeconds(), ...q });
  }

  /** AWS: at least six times the function's timeout plus the batching window, so a batch is not redelivered while it runs. */
  private visibilityTimeoutSeconds(): number {
    return this.o.visibilityTimeoutSeconds ?? 6 * this.o.functionTimeoutSeconds + this.o.batchWindowSeconds;
  }

  /**
   * A dead-letter queue keeps messages for SQS's longest period (14 days): a standard queue's message keeps its
   * first enqueue time when it moves, so the time it spent in its source counts against the DLQ's retention.
   */
  deadLetterQueue(id: string, fifo = false) {
    this.queue({ id, fifo, messageRetentionSeconds: MAX_RETENTION_SECONDS });
    this.dlqs.push(id);
  }

  /** A queue a function consumes, with its DLQ `<id>-dlq` by redrive. */
  consumerQueue(id: string, fifo = false) {
    this.deadLetterQueue(`${id}-dlq`, fifo);
    this.queue({ id, fifo, deadLetter: { queue: `${id}-dlq`, maxReceiveCount: this.o.maxReceiveCount } });
  }

  processor(id: string, extra: { reportBucket?: string; async?: FunctionSpec['async'] } = {}) {
    const environment: FunctionSpec['environment'] = {
      REPORT_BUCKET: { bucketName: extra.reportBucket ?? 'data' },
      PARTIAL_BATCH: String(this.o.reportBatchItemFailures ?? true),
    };
    if (this.o.quarantinePrefix) environment.QUARANTINE_PREFIX = this.o.quarantinePrefix;
    if (this.o.faults) environment.HARNESS_FAULTS = JSON.stringify(this.o.faults);
    this.spec.functions.push({
      id,
      code: 'data-processor',
      timeoutSeconds: this.o.functionTimeoutSeconds,
      environment,
      ...(extra.async ? { async: extra.async } : {}),
    });
  }

  map(fn: string, queue: string, overrides: Partial<MappingSpec> = {}) {
    const fifo = this.spec.queues.find((q) => q.id === queue)?.fifo;
    this.spec.mappings.push({
      function: fn,
      queue,
      batchSize: this.o.batchSize,
      ...(fifo ? {} : { maximumBatchingWindowSeconds: this.o.batchWindowSeconds }),
      reportBatchItemFailures: this.o.reportBatchItemFailures ?? true,
      ...overrides,
    });
  }

  /** One notification per suffix under the data prefix (S3 rejects overlapping ones; different suffixes never overlap). */
  notify(target: NotificationTarget) {
    const events = ['s3:ObjectCreated:*', ...(this.o.deleteEvents === false ? [] : ['s3:ObjectRemoved:*'])];
    const bucket = this.spec.buckets[0]!;
    const list: NotificationSpec[] = this.o.suffixes.map((suffix) => ({
      target,
      events,
      prefix: this.o.dataPrefix ?? DEFAULT_DATA_PREFIX,
      suffix,
    }));
    bucket.notifications = [...(bucket.notifications ?? []), ...list];
  }

  /** A plain queue subscribed (enveloped) to a topic, which scenarios drain to see what was published. */
  probe(topic: string) {
    const queue = `probe-${topic}`;
    this.queue({ id: queue });
    this.spec.subscriptions.push({ topic, queue, raw: false });
    this.spec.probes[topic] = queue;
  }

  /** The alert topic and its probe, and — unless turned off — the error handler reading every DLQ. */
  errorPath() {
    this.topic('alerts');
    this.probe('alerts');
    this.spec.alertTopic = 'alerts';
    if (this.o.errorHandler === false) return;
    this.spec.functions.push({
      id: 'error-handler',
      code: 'error-handler',
      timeoutSeconds: this.o.functionTimeoutSeconds,
      environment: { ALERT_TOPIC_ARN: { topicArn: 'alerts' }, PARTIAL_BATCH: 'true' },
    });
    // The options' batch settings are for the processors; the error handler keeps its own.
    for (const dlq of this.dlqs) this.map('error-handler', dlq, { batchSize: 10, reportBatchItemFailures: true });
    this.redriveConsumedDlqs();
  }

  /**
   * The DLQs are the error handler's source queues, so they get a DLQ of their own like any other: a message the
   * handler keeps failing on moves there after maxReceiveCount receives instead of coming back until it expires.
   * A FIFO DLQ needs a FIFO one.
   */
  private redriveConsumedDlqs() {
    for (const fifo of [false, true]) {
      const sources = this.spec.queues.filter((q) => this.dlqs.includes(q.id) && Boolean(q.fifo) === fifo);
      if (!sources.length) continue;
      const last = fifo ? 'error-handler-fifo-dlq' : 'error-handler-dlq';
      // The end of the line: kept as long as SQS keeps anything, read by nobody (not one of `dlqs`).
      this.queue({ id: last, fifo, messageRetentionSeconds: MAX_RETENTION_SECONDS });
      for (const q of sources) q.deadLetter = { queue: last, maxReceiveCount: this.o.maxReceiveCount };
    }
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
