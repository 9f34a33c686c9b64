import { gzipSync } from 'node:zlib';
import type { Timer } from '../core/clock';
import { AwsError } from '../core/errors';
import { parseArn } from '../core/ids';
import type { Origin } from '../core/delivery';
import type { ServiceDeps } from '../core/service';
import type { CompiledPattern } from './filter-pattern';
import { compilePattern } from './metric-filters';

/**
 * Subscription filters: events arriving in a log group (PutLogEvents, or a function's output through `logs.put`)
 * that match a filter's pattern are batched per log stream and delivered to the filter's destination as AWS
 * delivers them to Lambda: `{"awslogs":{"data":"<base64 of gzip of the DATA_MESSAGE JSON>"}}`, an asynchronous
 * invocation through the delivery bus.
 *
 * Destinations: Lambda functions are delivered to. Kinesis data streams, Firehose delivery streams and CloudWatch
 * Logs destinations (`arn:aws:logs:…:destination:…`) are accepted and stored (Describe shows them) but nothing is
 * delivered to them: the emulator has no Kinesis or Firehose (a Logs destination must have been stored by PutDestination).
 */
export interface SubscriptionFilter {
  filterName: string;
  logGroupName: string;
  filterPattern: string;
  destinationArn: string;
  roleArn?: string;
  distribution: 'ByLogStream' | 'Random';
  applyOnTransformedLogs: boolean;
  fieldSelectionCriteria?: string;
  emitSystemFields?: string[];
  creationTime: number;
  /** The account that owns the group (the payload's `owner`) and its region. */
  owner: string;
  region: string;
  match: CompiledPattern;
}

/** An event as stored by the provider, with the global arrival order its id is made from. */
export interface IngestedEvent {
  timestamp: number;
  message: string;
  seq: number;
}

/** How an event reached the group: a client's PutLogEvents, or a function's own output (`logs.put`). */
export type EventSource = 'client' | 'function';

/** Each log group can have up to two subscription filters (the AWS quota, not adjustable). */
export const MAX_SUBSCRIPTION_FILTERS = 2;
/** How long matching events wait for more to join their batch, in emulated time (AWS: "near real time"). */
export const BATCH_DELAY_MS = 1_000;
/** A batch is sent at once when it reaches PutLogEvents' own batch limits: 10,000 events or 1 MiB (26 bytes an event). */
const MAX_BATCH_EVENTS = 10_000;
const MAX_BATCH_BYTES = 1_048_576;
/** Lambda's asynchronous payload limit: a batch whose encoded event is larger is split in two. */
const MAX_PAYLOAD_BYTES = 1_048_576;
/**
 * Loop guard (the emulator's, not AWS's): a function subscribed to its own log group with a pattern its own output
 * matches is invoked forever on AWS (Lambda's recursive loop detection does not cover CloudWatch Logs). The emulator
 * delivers those events too, but after this many deliveries in a row fed only by the destination function's own
 * output it stops delivering that output (hop `logs.subscription.loop`), so the emulator does not spin.
 */
export const SELF_FEED_LIMIT = 16;

const LAMBDA_PERMISSION = 'Could not execute the lambda function. Make sure you have given CloudWatch Logs permission to execute your function.';
const NAME = /^[^:*]{1,512}$/;

/** AWS log event ids are 56-digit decimal strings; the emulator's count in arrival order (shared with FilterLogEvents). */
export const eventId = (seq: number): string => String(seq).padStart(56, '0');

/** The function a Lambda ARN names (`arn:aws:lambda:<region>:<account>:function:<name>[:qualifier]`). */
const functionNameOf = (arn: string): string | undefined => parseArn(arn)?.resource.split(':')[1];

type DestinationKind = 'lambda' | 'kinesis' | 'firehose' | 'logs';

function destinationKind(arn: string): DestinationKind | undefined {
  const a = parseArn(arn);
  if (!a) return undefined;
  if (a.service === 'lambda' && a.resource.startsWith('function:')) return 'lambda';
  if (a.service === 'kinesis' && a.resource.startsWith('stream/')) return 'kinesis';
  if (a.service === 'firehose' && a.resource.startsWith('deliverystream/')) return 'firehose';
  if (a.service === 'logs' && a.resource.startsWith('destination:')) return 'logs';
  return undefined;
}

interface Batch {
  filter: SubscriptionFilter;
  logStreamName: string;
  events: (IngestedEvent & { extractedFields?: Record<string, string> })[];
  bytes: number;
  /** True while every event in it is the destination function's own output. */
  selfFed: boolean;
  timer?: Timer;
}

export function createSubscriptions(deps: ServiceDeps) {
  const { bus, clock } = deps;
  /** Pending batches, by filter object then log stream. */
  const pending = new Map<SubscriptionFilter, Map<string, Batch>>();
  /** Deliveries in a row fed only by the destination's own output, per filter (see SELF_FEED_LIMIT). */
  const selfFedRuns = new WeakMap<SubscriptionFilter, number>();

  const originFor = (f: SubscriptionFilter): Origin => ({
    principal: 'logs.amazonaws.com',
    sourceArn: `arn:aws:logs:${f.region}:${f.owner}:log-group:${f.logGroupName}:*`,
    sourceAccount: f.owner,
    correlation: { logGroupName: f.logGroupName, filterName: f.filterName },
  });

  /** Checks PutSubscriptionFilter's input, including that the destination exists, and builds the filter. */
  function build(input: any, existing: Map<string, SubscriptionFilter>, ctx: { region: string; accountId: string }): SubscriptionFilter {
    if (!input.filterName || !NAME.test(input.filterName)) {
      throw new AwsError('InvalidParameterException', `1 validation error detected: Value '${input.filterName ?? ''}' at 'filterName' failed to satisfy constraint: Member must satisfy regular expression pattern: [^:*]*`, 400);
    }
    if (input.filterPattern === undefined) throw new AwsError('InvalidParameterException', 'filterPattern is required.', 400);
    if (input.filterPattern.length > 1024) {
      throw new AwsError('InvalidParameterException', "1 validation error detected: Value at 'filterPattern' failed to satisfy constraint: Member must have length less than or equal to 1024", 400);
    }
    if (input.distribution !== undefined && input.distribution !== 'ByLogStream' && input.distribution !== 'Random') {
      throw new AwsError('InvalidParameterException', `1 validation error detected: Value '${input.distribution}' at 'distribution' failed to satisfy constraint: Member must satisfy enum value set: [Random, ByLogStream]`, 400);
    }
    if (!existing.has(input.filterName) && existing.size >= MAX_SUBSCRIPTION_FILTERS) throw new AwsError('LimitExceededException', 'Resource limit exceeded.', 400);
    const match = compilePattern(input.filterPattern);
    const destinationArn: string = input.destinationArn ?? '';
    const kind = destinationKind(destinationArn);
    if (!kind) throw new AwsError('InvalidParameterException', `Invalid destination ARN: ${destinationArn}`, 400);
    const filter: SubscriptionFilter = {
      filterName: input.filterName,
      logGroupName: input.logGroupName,
      filterPattern: input.filterPattern,
      destinationArn,
      roleArn: input.roleArn,
      distribution: input.distribution ?? 'ByLogStream',
      applyOnTransformedLogs: input.applyOnTransformedLogs ?? false,
      fieldSelectionCriteria: input.fieldSelectionCriteria,
      emitSystemFields: input.emitSystemFields,
      creationTime: existing.get(input.filterName)?.creationTime ?? clock.now(),
      owner: ctx.accountId,
      region: ctx.region,
      match,
    };
    if (kind === 'lambda') {
      // AWS tries the function when the filter is put; a missing function fails with this message. (Whether the
      // function's policy lets logs.amazonaws.com invoke it is not checked: the Lambda provider checks policies
      // for S3 only at configuration time.)
      try {
        bus.check(destinationArn, originFor(filter));
      } catch {
        throw new AwsError('InvalidParameterException', LAMBDA_PERMISSION, 400);
      }
    }
    return filter;
  }

  /** Runs arriving events through a group's filters and queues the matches for delivery. */
  function offer(filters: Iterable<SubscriptionFilter>, logGroupName: string, logStreamName: string, events: IngestedEvent[], source: EventSource): void {
    for (const f of filters) {
      // Only Lambda destinations are delivered to (see the file's comment).
      if (destinationKind(f.destinationArn) !== 'lambda') continue;
      const selfFed = source === 'function' && logGroupName === `/aws/lambda/${functionNameOf(f.destinationArn)}`;
      for (const e of events) {
        const m = f.match(e.message);
        if (!m) continue;
        // Space-delimited patterns name fields (`$status`); AWS hands them over without the `$`.
        const named = Object.entries(m.values).filter(([k]) => k.startsWith('$') && !k.startsWith('$.'));
        const extractedFields = named.length ? Object.fromEntries(named.map(([k, v]) => [k.slice(1), v])) : undefined;
        add(f, logStreamName, { ...e, extractedFields }, selfFed);
      }
    }
  }

  function add(f: SubscriptionFilter, logStreamName: string, e: Batch['events'][number], selfFed: boolean): void {
    let byStream = pending.get(f);
    if (!byStream) pending.set(f, (byStream = new Map()));
    let batch = byStream.get(logStreamName);
    const size = Buffer.byteLength(e.message) + 26;
    if (batch && (batch.events.length >= MAX_BATCH_EVENTS || batch.bytes + size > MAX_BATCH_BYTES)) {
      flush(batch);
      batch = undefined;
    }
    if (!batch) {
      const fresh: Batch = { filter: f, logStreamName, events: [], bytes: 0, selfFed: true };
      fresh.timer = clock.setTimer(BATCH_DELAY_MS, () => flush(fresh));
      byStream.set(logStreamName, (batch = fresh));
    }
    batch.events.push(e);
    batch.bytes += size;
    batch.selfFed &&= selfFed;
  }

  function flush(batch: Batch): void {
    batch.timer?.cancel();
    const byStream = pending.get(batch.filter);
    if (byStream?.get(batch.logStreamName) === batch) byStream.delete(batch.logStreamName);
    if (byStream?.size === 0) pending.delete(batch.filter);
    const f = batch.filter;
    const run = batch.selfFed ? (selfFedRuns.get(f) ?? 0) + 1 : 0;
    selfFedRuns.set(f, run);
    const hop = { logGroupName: f.logGroupName, logStreamName: batch.logStreamName, filterName: f.filterName, destination: f.destinationArn, events: batch.events.length };
    if (run > SELF_FEED_LIMIT) {
      bus.record({ type: 'logs.subscription.loop', ...hop, deliveriesInARow: run - 1 });
      return;
    }
    send(f, batch.logStreamName, batch.events, hop);
  }

  function send(f: SubscriptionFilter, logStreamName: string, events: Batch['events'], hop: Record<string, unknown>): void {
    const data = {
      messageType: 'DATA_MESSAGE',
      owner: f.owner,
      logGroup: f.logGroupName,
      logStream: logStreamName,
      subscriptionFilters: [f.filterName],
      logEvents: events.map((e) => ({ id: eventId(e.seq), timestamp: e.timestamp, message: e.message, ...(e.extractedFields ? { extractedFields: e.extractedFields } : {}) })),
    };
    const payload = JSON.stringify({ awslogs: { data: gzipSync(JSON.stringify(data)).toString('base64') } });
    if (Buffer.byteLength(payload) > MAX_PAYLOAD_BYTES && events.length > 1) {
      const half = Math.ceil(events.length / 2);
      send(f, logStreamName, events.slice(0, half), hop);
      send(f, logStreamName, events.slice(half), hop);
      return;
    }
    bus.record({ type: 'logs.subscription.deliver', ...hop, events: events.length });
    bus.dispatch(f.destinationArn, { kind: 'lambda', payload }, originFor(f), {
      // Lambda's own asynchronous retries and DLQ apply once it has the event; a refusal here (the function was
      // deleted) is not retried, as AWS does not retry ResourceNotFoundException.
      onFailure: (err) => bus.record({ type: 'logs.subscription.failed', ...hop, error: String((err as Error)?.message ?? err) }),
    });
  }

  /** Drops a filter's pending batches (the filter or its group was deleted). */
  function forget(f: SubscriptionFilter): void {
    for (const b of pending.get(f)?.values() ?? []) b.timer?.cancel();
    pending.delete(f);
  }

  function clear(): void {
    for (const f of [...pending.keys()]) forget(f);
  }

  return { build, offer, forget, reset: clear, close: clear };
}

export const subscriptionFilterView = ({ match: _m, owner: _o, region: _r, ...view }: SubscriptionFilter) => view;
