import { FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { DeleteMessageBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { isAwsError } from '../../deploy-scripts/aws-errors';
import type { AwsClients } from '../../deploy-scripts/clients';
import type { Resources } from '../../deploy-scripts/pipeline';
import type { AlertMessage } from '../../handlers/error-handler/alert';
import { REPORT_PREFIX } from '../../handlers/shared/report-key';
import type { BackendConnection } from '../backends/types';

/**
 * Reading what the pipeline did, through the same SDK calls on every backend:
 *   reports     ListObjectsV2 + GetObject under reports/
 *   probes      SQS queues subscribed to each topic (or targets of an EventBridge rule); drained into memory (so
 *               each message is seen once, by us)
 *   DLQs        when the error handler consumes them: the alerts it published (one per dead-lettered
 *               message, naming the DLQ); otherwise ReceiveMessage with VisibilityTimeout 0, which leaves
 *               the messages in place
 *   logs        FilterLogEvents on /aws/lambda/<function>
 */

export interface ReportObject {
  /** The report's own key, e.g. `reports/data/a.csv.json`. */
  reportKey: string;
  /** The bucket the report is in. */
  reportBucket: string;
  /** The report object's ETag (changes when the report is rewritten with other content). */
  reportEtag: string;
  /** The report body (see handlers/data-processor: bucket, key, versionId, size, etag, format, rows, columns, status). */
  [field: string]: any;
}

export interface ProbeMessage {
  topic: string;
  messageId: string;
  subject?: string;
  /** The published message text. */
  message: string;
  /** The message parsed as JSON, when it is JSON. */
  json?: any;
  /** String message attributes. */
  attributes: Record<string, string>;
}

export interface Alert extends ProbeMessage {
  json: AlertMessage;
}

export interface DlqMessage {
  /** Logical id of the DLQ. */
  queue: string;
  messageId: string;
  /** The message body, when read from the queue itself (error handler off). */
  body?: string;
  /** The alert the error handler published for it (error handler on). */
  alert?: AlertMessage;
  messageAttributes?: Record<string, string>;
}

export interface LogEvent {
  timestamp: number;
  message: string;
}

export class Observer {
  private readonly reportCache = new Map<string, ReportObject>();
  private readonly probeMessages = new Map<string, ProbeMessage[]>();
  private readonly dlqSeen = new Map<string, Map<string, DlqMessage>>();

  constructor(
    private readonly clients: AwsClients,
    readonly resources: Resources,
    private readonly backend: BackendConnection,
  ) {}

  bucketName(id = 'data'): string {
    const b = this.resources.buckets[id];
    if (!b) throw new Error(`no bucket "${id}" in this pipeline (have: ${Object.keys(this.resources.buckets).join(', ')})`);
    return b.name;
  }

  functionName(id: string): string {
    const f = this.resources.functions[id];
    if (!f) throw new Error(`no function "${id}" in this pipeline (have: ${Object.keys(this.resources.functions).join(', ')})`);
    return f.name;
  }

  // ── reports ──────────────────────────────────────────────────────────────────────────────────────
  /** Every report in a bucket (default the source bucket), by report key. */
  async reports(bucketId = 'data'): Promise<Map<string, ReportObject>> {
    const bucket = this.bucketName(bucketId);
    const out = new Map<string, ReportObject>();
    let ContinuationToken: string | undefined;
    do {
      const page = await this.clients.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: REPORT_PREFIX, ContinuationToken }));
      for (const o of page.Contents ?? []) {
        const cacheKey = `${bucket}/${o.Key}@${o.ETag}`;
        let report = this.reportCache.get(cacheKey);
        if (!report) {
          const got = await this.clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: o.Key }));
          const text = (await got.Body?.transformToString('utf8')) ?? '';
          let body: Record<string, unknown>;
          try {
            body = JSON.parse(text);
          } catch {
            body = { unparsable: text.slice(0, 200) };
          }
          report = { ...body, reportKey: o.Key!, reportBucket: bucket, reportEtag: String(got.ETag ?? o.ETag ?? '').replace(/"/g, '') };
          this.reportCache.set(cacheKey, report);
        }
        out.set(o.Key!, report);
      }
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
    return out;
  }

  // ── probes (SNS deliveries) ──────────────────────────────────────────────────────────────────────
  /** Everything delivered to a topic's probe so far (drains the probe queue first). */
  async deliveries(topicId: string): Promise<ProbeMessage[]> {
    const queueId = this.resources.probes[topicId];
    if (!queueId) throw new Error(`topic "${topicId}" has no probe queue (probed topics: ${Object.keys(this.resources.probes).join(', ') || 'none'})`);
    const url = this.resources.queues[queueId]!.url;
    const seen = this.probeMessages.get(topicId) ?? [];
    this.probeMessages.set(topicId, seen);
    // Held: between the receive and its delete the emulator is idle, and virtual time could jump past the
    // received message's visibility timeout, handing it out again (a hop a replay would not see again).
    await withTimeHeld(this.backend, () => this.drain(topicId, url, seen));
    // SNS → SQS is at-least-once: a redelivered copy has the same SNS MessageId.
    return dedupe(seen, (m) => m.messageId);
  }

  private async drain(topicId: string, url: string, seen: ProbeMessage[]): Promise<void> {
    for (;;) {
      const out = await this.clients.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, MessageAttributeNames: ['All'] }),
      );
      const messages = out.Messages ?? [];
      if (!messages.length) break;
      for (const m of messages) seen.push(parseProbeMessage(topicId, m.Body ?? '', m.MessageId ?? ''));
      await this.clients.sqs.send(
        new DeleteMessageBatchCommand({ QueueUrl: url, Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }),
      );
      if (messages.length < 10) break;
    }
  }

  async alerts(): Promise<Alert[]> {
    if (!this.resources.alertTopic) return [];
    const all = await this.deliveries(this.resources.alertTopic);
    return all.filter((m): m is Alert => typeof m.json === 'object' && m.json !== null && 'messageId' in m.json);
  }

  // ── DLQs ─────────────────────────────────────────────────────────────────────────────────────────
  dlqIds(): string[] {
    return Object.keys(this.resources.queues).filter((id) => id.endsWith('-dlq'));
  }

  /** Whether the error handler reads this DLQ (then its messages are known by the alerts). */
  consumedByErrorHandler(dlqId: string): boolean {
    return this.resources.mappings.some((m) => m.queue === dlqId && m.function === 'error-handler');
  }

  /** Messages that reached a DLQ (default: all DLQs). */
  async dlqMessages(dlqId?: string): Promise<DlqMessage[]> {
    const ids = dlqId ? [dlqId] : this.dlqIds();
    const out: DlqMessage[] = [];
    for (const id of ids) {
      const q = this.resources.queues[id];
      if (!q) throw new Error(`no queue "${id}" in this pipeline (DLQs: ${this.dlqIds().join(', ')})`);
      if (this.consumedByErrorHandler(id)) {
        for (const a of await this.alerts()) {
          if (a.json.sourceQueue === q.arn) out.push({ queue: id, messageId: a.json.messageId, alert: a.json });
        }
        continue;
      }
      const seen = this.dlqSeen.get(id) ?? new Map<string, DlqMessage>();
      this.dlqSeen.set(id, seen);
      // Looking leaves them in place; a few receives, because SQS may answer with a subset.
      for (let round = 0; round < 3; round++) {
        const got = await this.clients.sqs.send(
          new ReceiveMessageCommand({ QueueUrl: q.url, MaxNumberOfMessages: 10, VisibilityTimeout: 0, WaitTimeSeconds: 0, MessageAttributeNames: ['All'] }),
        );
        const messages = got.Messages ?? [];
        for (const m of messages) {
          seen.set(m.MessageId!, {
            queue: id,
            messageId: m.MessageId!,
            body: m.Body ?? '',
            messageAttributes: Object.fromEntries(Object.entries(m.MessageAttributes ?? {}).map(([k, v]) => [k, v.StringValue ?? ''])),
          });
        }
        if (messages.length === 0) break;
      }
      out.push(...seen.values());
    }
    return out;
  }

  /** Approximate counts, for failure descriptions. */
  async queueDepth(queueId: string): Promise<string> {
    const q = this.resources.queues[queueId]!;
    try {
      const a = (
        await this.clients.sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl: q.url,
            AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
          }),
        )
      ).Attributes ?? {};
      return `${a.ApproximateNumberOfMessages ?? '?'} visible, ${a.ApproximateNumberOfMessagesNotVisible ?? '?'} in flight, ${a.ApproximateNumberOfMessagesDelayed ?? '0'} delayed`;
    } catch (e) {
      return `unknown (${(e as Error).message})`;
    }
  }

  /** Raw queue contents from the emulator's inspection endpoint (capability `peek`), for descriptions. */
  async peek(queueId: string): Promise<unknown[] | undefined> {
    if (!this.backend.capabilities.peek || !this.backend.endpoint) return undefined;
    try {
      const res = await fetch(`${this.backend.endpoint}/_harness/queues/peek?queue=${encodeURIComponent(this.resources.queues[queueId]!.url)}`);
      if (!res.ok) return undefined;
      return ((await res.json()) as { messages?: unknown[] }).messages;
    } catch {
      return undefined;
    }
  }

  // ── logs ─────────────────────────────────────────────────────────────────────────────────────────
  /** Every log event of a function so far, oldest first ([] before its first invocation). */
  async logEvents(functionId: string, filterPattern?: string): Promise<LogEvent[]> {
    const logGroupName = this.resources.functions[functionId]?.logGroup;
    if (!logGroupName) throw new Error(`no function "${functionId}" in this pipeline (have: ${Object.keys(this.resources.functions).join(', ')})`);
    const events: LogEvent[] = [];
    let nextToken: string | undefined;
    try {
      do {
        const page = await this.clients.logs.send(new FilterLogEventsCommand({ logGroupName, nextToken, ...(filterPattern ? { filterPattern } : {}) }));
        for (const e of page.events ?? []) events.push({ timestamp: e.timestamp ?? 0, message: (e.message ?? '').replace(/\n$/, '') });
        nextToken = page.nextToken;
      } while (nextToken);
    } catch (e) {
      if (isAwsError(e, 'ResourceNotFoundException')) return [];
      throw e;
    }
    return events.sort((a, b) => a.timestamp - b.timestamp);
  }

  /** Invocations so far: Lambda's START lines. */
  async invocations(functionId: string): Promise<number> {
    return (await this.logEvents(functionId)).filter((e) => e.message.startsWith('START RequestId:')).length;
  }

  /** The function's own structured log entries (the handlers log one JSON object per line). */
  async logEntries(functionId: string): Promise<Record<string, any>[]> {
    const out: Record<string, any>[] = [];
    for (const e of await this.logEvents(functionId)) {
      const json = jsonInLine(e.message);
      if (json) out.push(json);
    }
    return out;
  }
}

/**
 * Runs `work` with the embedded emulator's virtual clock held (counted as activity, so time cannot jump):
 * what it does happens at one emulated instant. On other backends (or scaled time) it just runs `work`.
 */
export async function withTimeHeld<T>(backend: BackendConnection, work: () => Promise<T>): Promise<T> {
  const bus = backend.capabilities.virtualTime ? backend.emulator?.bus : undefined;
  if (!bus) return work();
  let release!: () => void;
  void bus.track(new Promise<void>((resolve) => (release = resolve)));
  try {
    return await work();
  } finally {
    release();
  }
}

function parseProbeMessage(topic: string, body: string, sqsMessageId: string): ProbeMessage {
  let envelope: any;
  try {
    envelope = JSON.parse(body);
  } catch {
    envelope = undefined;
  }
  const isEnvelope = envelope && typeof envelope === 'object' && typeof envelope.Message === 'string' && typeof envelope.Type === 'string';
  const message = isEnvelope ? envelope.Message : body;
  let json: unknown;
  try {
    json = JSON.parse(message);
  } catch {
    json = undefined;
  }
  const attributes: Record<string, string> = {};
  if (isEnvelope && envelope.MessageAttributes) {
    for (const [k, v] of Object.entries(envelope.MessageAttributes as Record<string, { Value?: string }>)) attributes[k] = String(v?.Value ?? '');
  }
  return {
    topic,
    // An SNS delivery is known by its MessageId, an EventBridge event by its id (each the same on a redelivery).
    messageId: isEnvelope && envelope.MessageId ? envelope.MessageId : isEventBridgeEvent(json) ? json.id : sqsMessageId,
    ...(isEnvelope && envelope.Subject ? { subject: envelope.Subject } : {}),
    message,
    ...(json !== undefined ? { json } : {}),
    attributes,
  };
}

const isEventBridgeEvent = (v: any): v is { id: string } => Boolean(v) && typeof v === 'object' && typeof v.id === 'string' && typeof v['detail-type'] === 'string';

/** Lambda prefixes console.log lines with `<time>\t<request id>\tINFO\t`; the JSON follows. */
export function jsonInLine(line: string): Record<string, any> | undefined {
  const start = line.indexOf('{');
  if (start < 0) return undefined;
  try {
    const v = JSON.parse(line.slice(start));
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

function dedupe<T>(items: T[], key: (t: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((t) => {
    const k = key(t);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
