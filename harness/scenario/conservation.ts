import { matchesPattern } from '../../emulator/core/patterns';
import type { PipelineSpec, Resources, RuleSpec } from '../../deploy-scripts/pipeline';

/**
 * Conservation: every write a scenario made must end somewhere. For each write (and each function that
 * makes reports — a "sink"), the ledger finds one outcome:
 *
 *   processed      a report names that version (unversioned: the report is of the write S3 kept last), or,
 *                  for a delete, the function logged the removal
 *   dead-lettered  an alert or DLQ message of that sink names the object (version)
 *   filtered       no notification (prefix, suffix, event type) or subscription filter lets it through
 *   coalesced      an unversioned write another write of the same key superseded: S3 may send one event for
 *                  both, and only the last one has to show (never on a versioned bucket)
 *   in-flight      none of these yet; once the scenario stops waiting, a lost event
 *
 * and it finds duplicated side effects: more than one report object for one version (a handler that is not
 * idempotent), or a versioned report rewritten with other content. Identical rewrites of one report (an
 * at-least-once delivery handled idempotently) are listed as `rewrites`, not failures.
 *
 * This file is the bookkeeping only (no AWS): `account()` over what was written and what was observed.
 */

export type Outcome = 'processed' | 'dead-lettered' | 'filtered' | 'coalesced' | 'in-flight';
export const OUTCOMES: readonly Outcome[] = ['processed', 'dead-lettered', 'filtered', 'coalesced', 'in-flight'];

export interface LedgerWrite {
  /** The order S3 answered the scenario's writes in, from 1. */
  seq: number;
  op: 'put' | 'delete';
  /** Bucket name. */
  bucket: string;
  key: string;
  /** The version id S3 returned (a delete marker's for a versioned delete); null in an unversioned bucket. */
  versionId: string | null;
  /** Without quotes; puts only. */
  etag?: string;
  /** The S3 event it causes, without `s3:` (ObjectCreated:Put, ObjectRemoved:DeleteMarkerCreated…). */
  eventName: string;
  /** Which scenario call made it (upload, multipart, delete…), for messages. */
  via: string;
}

/** One way a bucket's events reach a sink: an S3 notification's filter, and maybe a subscription filter after it. */
export interface Route {
  /** S3 event types, e.g. `s3:ObjectCreated:*`. */
  events: string[];
  prefix?: string;
  suffix?: string;
  /** A filter further along (an SNS subscription's filter policy): false drops the event. */
  accepts?: (eventName: string) => boolean;
  /** Says how, for messages: `queue events`, `topic events → queue archive`. */
  via: string;
}

/** A function that writes reports: where, how the events reach it, and which DLQs catch its failures. */
export interface Sink {
  /** The function's logical id. */
  id: string;
  /** Name of the bucket its reports go to. */
  reportBucket: string;
  /** Bucket name → the routes its events take to this function. */
  routes: Record<string, Route[]>;
  /** Logical ids of the DLQs its failures end in. */
  dlqs: string[];
}

/** An object (version) as a report, alert, DLQ message or log line names it. */
export interface NamedObject {
  bucket: string;
  key: string;
  versionId: string | null;
}

export interface ObservedReport extends NamedObject {
  reportKey: string;
  /** The source object's etag the report was made from. */
  etag: string | null;
}

/** What one sink did, as observed. */
export interface SinkObservation {
  /** Every report object in the sink's report bucket. */
  reports: ObservedReport[];
  /** Objects named by alerts / DLQ messages of the sink's DLQs (one entry per message). */
  deadLetters: NamedObject[];
  /** Objects whose ObjectRemoved event the function logged. */
  removals: NamedObject[];
  /**
   * Report key → how often it was written (and the written etags, when known): from the embedded emulator's
   * trace hops, or from the versions of a versioned report bucket. Absent when it cannot be counted.
   */
  reportWrites?: Map<string, { writes: number; etags?: string[] }>;
}

export interface LedgerInput {
  writes: LedgerWrite[];
  /** Bucket name → whether versioning is on. */
  versioned: Record<string, boolean>;
  sinks: Sink[];
  /** Sink id → what it did. */
  observations: Record<string, SinkObservation>;
  /** For keys of unversioned buckets: the object's etag now (HEAD), or null when it does not exist. Key: `bucket/key`. */
  current: Map<string, string | null>;
}

export interface SinkOutcome {
  sink: string;
  outcome: Outcome;
  /** Why: the report key, the DLQ, the write that superseded it… */
  detail: string;
}

export interface LedgerEntry {
  write: LedgerWrite;
  /** One per sink. */
  outcomes: SinkOutcome[];
  /** The write's outcome overall: in-flight if any sink's is, else filtered if all are, else coalesced, dead-lettered, processed. */
  outcome: Outcome;
}

export interface DuplicateSideEffect {
  sink: string;
  /** `bucket/key@version` (or `bucket/key` unversioned). */
  object: string;
  /** The write it belongs to, when the scenario made it. */
  write?: LedgerWrite;
  /** The report objects (or report versions) involved. */
  reports: string[];
  reason: string;
}

export interface Rewrite {
  sink: string;
  reportKey: string;
  writes: number;
}

export interface Ledger {
  entries: LedgerEntry[];
  /** Entries still without an outcome (lost, once waiting is over). */
  inFlight: LedgerEntry[];
  duplicates: DuplicateSideEffect[];
  /** Reports written more than once with the same key (idempotent rewrites: information, not failures). */
  rewrites: Rewrite[];
  /** False when report writes could not be counted for some sink (no trace, unversioned report bucket). */
  rewritesCounted: boolean;
  counts: Record<Outcome, number>;
}

// ── routes from the pipeline ───────────────────────────────────────────────────────────────────────

/**
 * The sinks of a deployed pipeline (every data-processor function) and how each bucket's events reach them:
 * S3 → function, S3 → queue → function (event source mapping), S3 → topic → queue (subscription, with its
 * filter policy) → function.
 */
export function sinksOf(spec: PipelineSpec, resources: Resources): Sink[] {
  const bucketName = (id: string) => resources.buckets[id]?.name ?? id;
  const mappedFunctions = (queue: string) => spec.mappings.filter((m) => m.queue === queue).map((m) => m.function);
  const sinks: Sink[] = [];
  for (const fn of spec.functions) {
    if (fn.code !== 'data-processor') continue;
    const reportEnv = fn.environment?.REPORT_BUCKET;
    const reportBucketId = reportEnv && typeof reportEnv === 'object' && 'bucketName' in reportEnv ? reportEnv.bucketName : spec.sourceBucket;
    const routes: Record<string, Route[]> = {};
    for (const bucket of spec.buckets) {
      for (const n of bucket.notifications ?? []) {
        const base = { events: n.events, ...(n.prefix !== undefined ? { prefix: n.prefix } : {}), ...(n.suffix !== undefined ? { suffix: n.suffix } : {}) };
        const add = (route: Route) => (routes[bucketName(bucket.id)] ??= []).push(route);
        const t = n.target;
        if ('function' in t) {
          if (t.function === fn.id) add({ ...base, via: `function ${fn.id}` });
        } else if ('queue' in t) {
          if (mappedFunctions(t.queue).includes(fn.id)) add({ ...base, via: `queue ${t.queue}` });
        } else {
          for (const sub of spec.subscriptions.filter((x) => x.topic === t.topic && mappedFunctions(x.queue).includes(fn.id))) {
            const accepts = sub.filterPolicy ? subscriptionFilter(sub.filterPolicy, sub.filterPolicyScope) : undefined;
            add({ ...base, ...(accepts ? { accepts } : {}), via: `topic ${t.topic} → queue ${sub.queue}` });
          }
        }
      }
    }
    // S3 → EventBridge → a rule whose target is this function, or a queue it reads.
    const ruleReaches = (rule: RuleSpec) => ('function' in rule.target ? rule.target.function === fn.id : mappedFunctions(rule.target.queue).includes(fn.id));
    for (const rule of spec.rules ?? []) {
      if (!ruleReaches(rule)) continue;
      const e = rule.events;
      const events = [...(e.created ? ['s3:ObjectCreated:*'] : []), ...(e.deleted ? ['s3:ObjectRemoved:*'] : [])];
      for (const suffix of e.suffixes?.length ? e.suffixes : [undefined]) {
        (routes[bucketName(e.bucket)] ??= []).push({
          events,
          ...(e.prefix !== undefined ? { prefix: e.prefix } : {}),
          ...(suffix !== undefined ? { suffix } : {}),
          via: 'function' in rule.target ? `rule ${rule.id} → function` : `rule ${rule.id} → queue ${rule.target.queue}`,
        });
      }
    }
    const dlqs = new Set<string>();
    for (const rule of spec.rules ?? []) if (rule.deadLetterQueue && ruleReaches(rule)) dlqs.add(rule.deadLetterQueue);
    for (const m of spec.mappings.filter((x) => x.function === fn.id)) {
      const dlq = spec.queues.find((q) => q.id === m.queue)?.deadLetter?.queue;
      if (dlq) dlqs.add(dlq);
    }
    if (fn.async?.deadLetterQueue) dlqs.add(fn.async.deadLetterQueue);
    // What SNS could not deliver to this function's queue.
    for (const sub of spec.subscriptions) if (sub.deadLetterQueue && mappedFunctions(sub.queue).includes(fn.id)) dlqs.add(sub.deadLetterQueue);
    sinks.push({ id: fn.id, reportBucket: bucketName(reportBucketId), routes, dlqs: [...dlqs] });
  }
  return sinks;
}

/** An SNS filter policy applied to an S3 event (which has a body and no message attributes). */
function subscriptionFilter(policy: Record<string, unknown>, scope: 'MessageAttributes' | 'MessageBody' | undefined): (eventName: string) => boolean {
  if (Object.keys(policy).length === 0) return () => true;
  if (scope !== 'MessageBody') return () => false;
  return (eventName) => matchesPattern(policy, { Records: [{ eventSource: 'aws:s3', eventName }] }, { mode: 'sns-body' });
}

/** Whether an S3 notification's event list covers an event (`s3:ObjectCreated:*` covers `ObjectCreated:Put`). */
export function eventMatches(events: string[], eventName: string): boolean {
  const full = `s3:${eventName}`;
  return events.some((e) => e === full || (e.endsWith(':*') && full.startsWith(e.slice(0, -1))));
}

export function routeFor(sink: Sink, write: Pick<LedgerWrite, 'bucket' | 'key' | 'eventName'>): Route | undefined {
  return (sink.routes[write.bucket] ?? []).find(
    (r) =>
      (r.prefix === undefined || write.key.startsWith(r.prefix)) &&
      (r.suffix === undefined || write.key.endsWith(r.suffix)) &&
      eventMatches(r.events, write.eventName) &&
      (r.accepts?.(write.eventName) ?? true),
  );
}

// ── the accounting ─────────────────────────────────────────────────────────────────────────────────

export const objectId = (o: { bucket: string; key: string; versionId?: string | null }): string =>
  o.versionId ? `${o.bucket}/${o.key}@${o.versionId}` : `${o.bucket}/${o.key}`;

export function describeWrite(w: LedgerWrite): string {
  return `#${w.seq} ${w.op} ${objectId(w)}${w.etag && !w.versionId ? ` (etag ${w.etag})` : ''}`;
}

export function account(input: LedgerInput): Ledger {
  const entries: LedgerEntry[] = input.writes.map((write) => ({ write, outcomes: [], outcome: 'in-flight' }));
  const duplicates: DuplicateSideEffect[] = [];
  const rewrites: Rewrite[] = [];
  let rewritesCounted = true;

  for (const sink of input.sinks) {
    const seen = input.observations[sink.id] ?? { reports: [], deadLetters: [], removals: [] };
    const reportsOf = groupBy(seen.reports, (r) => objectId(r));
    const deadOf = groupBy(seen.deadLetters, (o) => objectId(o));
    const deadKeys = new Set(seen.deadLetters.map((o) => `${o.bucket}/${o.key}`));
    const removed = new Set(seen.removals.map((o) => objectId(o)));

    // Unversioned keys: which routed write is the one S3 kept (or the delete that removed it).
    const routed = entries.filter((e) => routeFor(sink, e.write));
    const finalOf = new Map<string, LedgerEntry>();
    for (const [object, group] of groupBy(routed.filter((e) => !isVersioned(input, e.write)), (e) => `${e.write.bucket}/${e.write.key}`)) {
      finalOf.set(object, finalWrite(group, input.current.get(object)));
    }

    for (const entry of entries) {
      const w = entry.write;
      const route = routeFor(sink, w);
      let result: SinkOutcome;
      if (!route) {
        result = { sink: sink.id, outcome: 'filtered', detail: filteredWhy(sink, w) };
      } else if (isVersioned(input, w)) {
        const id = objectId(w);
        const report = reportsOf.get(id)?.[0];
        if (w.op === 'put' && report) result = { sink: sink.id, outcome: 'processed', detail: report.reportKey };
        else if (w.op === 'delete' && removed.has(id)) result = { sink: sink.id, outcome: 'processed', detail: 'removal logged' };
        else if (deadOf.has(id)) result = { sink: sink.id, outcome: 'dead-lettered', detail: `in ${sink.dlqs.join('/')}` };
        else result = { sink: sink.id, outcome: 'in-flight', detail: w.op === 'put' ? 'no report, no dead letter' : 'no removal logged, no dead letter' };
      } else {
        const object = `${w.bucket}/${w.key}`;
        const final = finalOf.get(object)!;
        const ownReport = w.op === 'put' ? reportsOf.get(object)?.find((r) => r.etag === w.etag) : undefined;
        if (final !== entry && ownReport) {
          // Superseded, but its report is still the one there (e.g. the key was deleted after it).
          result = { sink: sink.id, outcome: 'processed', detail: ownReport.reportKey };
        } else if (final !== entry) {
          result = { sink: sink.id, outcome: 'coalesced', detail: `superseded by #${final.write.seq}` };
        } else if (w.op === 'put' && reportsOf.get(object)?.some((r) => r.etag === w.etag)) {
          result = { sink: sink.id, outcome: 'processed', detail: reportsOf.get(object)!.find((r) => r.etag === w.etag)!.reportKey };
        } else if (w.op === 'delete' && removed.has(object)) {
          result = { sink: sink.id, outcome: 'processed', detail: 'removal logged' };
        } else if (deadKeys.has(object)) {
          result = { sink: sink.id, outcome: 'dead-lettered', detail: `in ${sink.dlqs.join('/')}` };
        } else {
          const stale = reportsOf.get(object)?.[0];
          result = {
            sink: sink.id,
            outcome: 'in-flight',
            detail: w.op === 'put' ? (stale ? `the report is of etag ${stale.etag}, not this write's` : 'no report, no dead letter') : 'no removal logged, no dead letter',
          };
        }
      }
      entry.outcomes.push(result);
    }

    // Duplicated side effects: several report objects for one version.
    for (const [id, reports] of reportsOf) {
      if (reports.length < 2) continue;
      duplicates.push({
        sink: sink.id,
        object: id,
        ...writeFor(entries, id),
        reports: reports.map((r) => r.reportKey).sort(),
        reason: `${reports.length} report objects for one ${id.includes('@') ? 'version' : 'object'}`,
      });
    }
    if (!seen.reportWrites) {
      rewritesCounted = false;
      continue;
    }
    const reportKeyToObject = new Map(seen.reports.map((r) => [r.reportKey, r]));
    for (const [reportKey, { writes, etags }] of seen.reportWrites) {
      if (writes < 2) continue;
      rewrites.push({ sink: sink.id, reportKey, writes });
      // A versioned object's report is about one immutable version: rewritten with other bytes, it is not idempotent.
      const about = reportKeyToObject.get(reportKey);
      if (about?.versionId && etags && new Set(etags).size > 1) {
        duplicates.push({
          sink: sink.id,
          object: objectId(about),
          ...writeFor(entries, objectId(about)),
          reports: [`${reportKey} (${writes} writes, ${new Set(etags).size} different contents)`],
          reason: 'the report of one version was rewritten with different content',
        });
      }
    }
  }

  for (const entry of entries) entry.outcome = overall(entry.outcomes);
  const counts = Object.fromEntries(OUTCOMES.map((o) => [o, entries.filter((e) => e.outcome === o).length])) as Record<Outcome, number>;
  return { entries, inFlight: entries.filter((e) => e.outcome === 'in-flight'), duplicates, rewrites, rewritesCounted, counts };
}

function isVersioned(input: LedgerInput, w: LedgerWrite): boolean {
  return Boolean(input.versioned[w.bucket]) && w.versionId !== null && w.versionId !== 'null';
}

/** Of one unversioned key's writes (in seq order): the one whose result is there now. */
function finalWrite(group: LedgerEntry[], current: string | null | undefined): LedgerEntry {
  const last = <T>(xs: T[]) => xs[xs.length - 1];
  if (current === null) return last(group.filter((e) => e.write.op === 'delete')) ?? last(group)!;
  if (typeof current === 'string') return last(group.filter((e) => e.write.op === 'put' && e.write.etag === current)) ?? last(group)!;
  return last(group)!;
}

function filteredWhy(sink: Sink, w: LedgerWrite): string {
  const routes = sink.routes[w.bucket] ?? [];
  if (routes.length === 0) return `no notification from ${w.bucket} reaches ${sink.id}`;
  const s3Passes = routes.filter(
    (r) => (r.prefix === undefined || w.key.startsWith(r.prefix)) && (r.suffix === undefined || w.key.endsWith(r.suffix)) && eventMatches(r.events, w.eventName),
  );
  if (s3Passes.length) return `${w.eventName} dropped by the filter on ${s3Passes.map((r) => r.via).join(', ')}`;
  return `no notification matches ${w.key} / ${w.eventName}`;
}

function writeFor(entries: LedgerEntry[], id: string): { write?: LedgerWrite } {
  const write = [...entries].reverse().find((e) => objectId(e.write) === id)?.write;
  return write ? { write } : {};
}

function overall(outcomes: SinkOutcome[]): Outcome {
  const has = (o: Outcome) => outcomes.some((x) => x.outcome === o);
  if (has('in-flight')) return 'in-flight';
  if (outcomes.every((x) => x.outcome === 'filtered')) return 'filtered';
  if (has('coalesced')) return 'coalesced';
  if (has('dead-lettered')) return 'dead-lettered';
  return 'processed';
}

function groupBy<T>(items: T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}

// ── words ──────────────────────────────────────────────────────────────────────────────────────────

export function summarizeLedger(ledger: Ledger): string {
  const parts = OUTCOMES.filter((o) => ledger.counts[o] > 0 || o === 'processed').map((o) => `${ledger.counts[o]} ${o}`);
  return `${ledger.entries.length} writes: ${parts.join(', ')}; ${ledger.duplicates.length} duplicated side effects`;
}

/** The whole ledger, one line per write and sink, then duplicates and rewrites. */
export function formatLedger(ledger: Ledger): string {
  const lines = [`conservation: ${summarizeLedger(ledger)}`];
  for (const e of ledger.entries) {
    const per = e.outcomes.map((o) => (e.outcomes.length > 1 ? `${o.sink}: ${o.outcome} (${o.detail})` : `${o.outcome} (${o.detail})`));
    lines.push(`  ${describeWrite(e.write)} → ${per.join('; ')}`);
  }
  if (ledger.duplicates.length) {
    lines.push('duplicated side effects:');
    for (const d of ledger.duplicates) lines.push(`  ${d.object} (${d.sink}${d.write ? `, write #${d.write.seq}` : ''}): ${d.reason}: ${d.reports.join(', ')}`);
  }
  if (ledger.rewrites.length) {
    lines.push('idempotent rewrites (same report key written again):');
    for (const r of ledger.rewrites) lines.push(`  ${r.reportKey} (${r.sink}): written ${r.writes}×`);
  } else if (!ledger.rewritesCounted) {
    lines.push('report writes not counted (no trace and an unversioned report bucket)');
  }
  return lines.join('\n');
}

/** The failure message: lost events (writes with no outcome) and duplicated side effects, then the ledger. */
export function conservationProblems(ledger: Ledger): string | undefined {
  const problems: string[] = [];
  if (ledger.inFlight.length) {
    problems.push(`lost events (${ledger.inFlight.length} writes with no outcome):`);
    for (const e of ledger.inFlight) {
      const missing = e.outcomes.filter((o) => o.outcome === 'in-flight').map((o) => `${o.sink}: ${o.detail}`);
      problems.push(`  ${describeWrite(e.write)} — ${missing.join('; ')}`);
    }
  }
  if (ledger.duplicates.length) {
    problems.push(`duplicated side effects (${ledger.duplicates.length}):`);
    for (const d of ledger.duplicates) problems.push(`  ${d.object} (${d.sink}): ${d.reason}: ${d.reports.join(', ')}`);
  }
  return problems.length ? `${problems.join('\n')}\n${formatLedger(ledger)}` : undefined;
}
