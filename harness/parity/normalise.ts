import { HOPS, type HopName, type Json, type JsonObject, type Observations } from './hops';

/**
 * Makes records from two backends comparable, the way LocalStack's snapshot tests do: values that differ
 * run to run by nature are replaced by placeholders, everything else is kept.
 *
 * - ids (messageId, requestId, versionId, sequencer, principalId, x-amz-id-2, UUIDs …) become `<kind:N>`,
 *   numbered by first appearance within a hop, so "the same id twice" and "two different ids" stay
 *   distinguishable (LocalStack's constant `sequencer` shows up as one `<sequencer:1>` on every record);
 *   an id is also replaced wherever it appears inside a string (`s3://…?versionId=…`, report keys);
 * - times (eventTime, Timestamp, ISO 8601 strings) become `<time>`;
 * - the scenario's resource prefix becomes `<prefix>`, the account id `<account>`, an endpoint's scheme and
 *   host `<endpoint>` — so ARNs and queue URLs compare by their shape and the resource they name;
 * - contents (keys, sizes, ETags, row counts, event names, error texts) are kept: the same seed writes
 *   the same bytes on every backend.
 *
 * Records of a hop are sorted by their normalised text and duplicates are folded into one record with a
 * count (delivery is at-least-once on every backend; how often is not a parity question).
 */

export interface NormaliseContext {
  /** The scenario's resource prefix, e.g. `seh-csv-report-1a2b3c`. */
  prefix?: string;
  /** The account id the backend reported (000000000000 on emulators). */
  accountId?: string;
}

export interface NormalisedRecord {
  /** What the record is about (hop-specific, normalised): how records of two backends are paired. */
  match: string;
  record: JsonObject;
  /** How many raw records normalised to this one. */
  count: number;
}

export type NormalisedHops = Record<HopName, NormalisedRecord[]>;

/** Keys whose values are ids, and the placeholder kind each becomes. */
const ID_KEYS: Record<string, string> = {
  messageId: 'messageId',
  MessageId: 'messageId',
  requestId: 'requestId',
  RequestId: 'requestId',
  RequestID: 'requestId',
  'x-amz-request-id': 'requestId',
  'x-amz-id-2': 'hostId',
  HostId: 'hostId',
  versionId: 'versionId',
  VersionId: 'versionId',
  sequencer: 'sequencer',
  principalId: 'principalId',
  sourceIPAddress: 'ip',
  receiptHandle: 'receiptHandle',
  ReceiptHandle: 'receiptHandle',
  uuid: 'uuid',
  UUID: 'uuid',
};
const TIME_KEY = /(^|[a-z])(time|Time|Timestamp|timestamp)$|At$/;
const ISO_TIME = /\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?/g;
const UUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi;
const URL_ORIGIN = /\bhttps?:\/\/[^\s/"'<>]+/g;
const ACCOUNT = /(?<![\w-])\d{12}(?![\w-])/g;

/** One numbering of ids per hop: the same value always gets the same placeholder. */
class Placeholders {
  private readonly byValue = new Map<string, string>();
  private readonly perKind = new Map<string, number>();
  constructor(private readonly numbered: boolean) {}
  for(kind: string, value: string): string {
    if (!this.numbered) return `<${kind}>`;
    const key = `${kind}\u0000${value}`;
    let label = this.byValue.get(key);
    if (!label) {
      const n = (this.perKind.get(kind) ?? 0) + 1;
      this.perKind.set(kind, n);
      label = `<${kind}:${n}>`;
      this.byValue.set(key, label);
    }
    return label;
  }
}

/** Id values found under id keys anywhere in a set of records (to replace them inside strings too). */
function collectIds(value: Json, into: Map<string, string>, key?: string): void {
  if (Array.isArray(value)) {
    for (const v of value) collectIds(v, into, key);
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) collectIds(v, into, k);
  } else if (typeof value === 'string') {
    if (key && ID_KEYS[key] && value.length >= 6 && value !== 'null') into.set(value, ID_KEYS[key]!);
    // Ids inside strings with no key of their own: `s3://bucket/key?versionId=…` (the processor's log lines).
    for (const m of value.matchAll(/[?&]versionId=([^&\s"]+)/g)) {
      const id = safeDecode(m[1]!);
      if (id.length >= 6 && id !== 'null') into.set(id, 'versionId');
    }
  }
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

class Scrubber {
  /** Longest first, so an id that contains another is replaced whole. */
  private readonly ids: [string, string][];
  constructor(
    private readonly ctx: NormaliseContext,
    ids: Map<string, string>,
    private readonly placeholders: Placeholders,
  ) {
    this.ids = [...ids.entries()].sort((a, b) => b[0].length - a[0].length);
  }

  value(v: Json, key?: string): Json {
    if (Array.isArray(v)) return v.map((x) => this.value(x, key));
    if (v !== null && typeof v === 'object') {
      const out: JsonObject = {};
      for (const k of Object.keys(v).sort()) out[k] = this.value(v[k]!, k);
      return out;
    }
    if (key && TIME_KEY.test(key) && (typeof v === 'string' || typeof v === 'number')) return '<time>';
    if (typeof v !== 'string') return v;
    if (key && ID_KEYS[key] && v !== 'null') return this.placeholders.for(ID_KEYS[key]!, v);
    return this.text(v);
  }

  text(s: string): string {
    let out = s;
    for (const [id, kind] of this.ids) {
      if (!out.includes(id) && !out.includes(encodeURIComponent(id))) continue;
      const label = this.placeholders.for(kind, id);
      out = out.split(id).join(label).split(encodeURIComponent(id)).join(label);
    }
    // Whole names only: a short prefix must not eat into other words.
    if (this.ctx.prefix) out = out.replace(new RegExp(`(?<![A-Za-z0-9])${escapeRegExp(this.ctx.prefix)}(?![A-Za-z0-9])`, 'g'), '<prefix>');
    if (this.ctx.accountId && /^\d{12}$/.test(this.ctx.accountId)) out = out.split(this.ctx.accountId).join('<account>');
    return out
      .replace(URL_ORIGIN, '<endpoint>')
      .replace(ISO_TIME, '<time>')
      .replace(UUID, (u) => this.placeholders.for('uuid', u.toLowerCase()))
      .replace(ACCOUNT, '<account>');
  }
}

/** What a record is about, per hop (computed on the normalised record). */
export function matchKey(hop: HopName, r: JsonObject): string {
  const s = (v: Json | undefined) => (v === undefined || v === null ? '-' : typeof v === 'string' ? v : JSON.stringify(v));
  const get = (path: string): Json | undefined => path.split('.').reduce<Json | undefined>((v, k) => (v && typeof v === 'object' && !Array.isArray(v) ? v[k] : undefined), r);
  switch (hop) {
    case 'notification':
      return r.Event !== undefined ? `${s(r.via)} ${s(r.Event)}` : `${s(r.via)} ${s(r.eventName)} ${s(get('s3.bucket.name'))}/${s(get('s3.object.key'))}`;
    case 'delivery':
      return `${s(r.topic)} ${s(r.subject)}`;
    case 'invocation':
      return `${s(r.function)} ${s(r.msg ?? r.level)} ${s(r.object ?? r.messageId)}`;
    case 'report':
      return `${s(r.reportIn)} ${s(r.reportKey)}`;
    case 'dlq':
      return `${s(r.queue)} ${s(r.object ?? get('body.Records.0.s3.object.key') ?? r.messageId)}`;
    case 'alert':
      return `${s(get('message.key'))} ${s(r.subject)}`;
  }
}

const canonical = (v: Json) => JSON.stringify(v);

/** Normalises one backend's observations of one scenario. */
export function normaliseObservations(obs: Observations, ctx: NormaliseContext): NormalisedHops {
  const out = {} as NormalisedHops;
  for (const hop of HOPS) out[hop] = normaliseHop(hop, obs.hops[hop], ctx);
  return out;
}

export function normaliseHop(hop: HopName, records: JsonObject[], ctx: NormaliseContext): NormalisedRecord[] {
  const ids = new Map<string, string>();
  for (const r of records) collectIds(r, ids);
  // Pass 1, placeholders unnumbered: the order and the folding of duplicates, independent of id values.
  const rough = new Scrubber(ctx, ids, new Placeholders(false));
  const folded = new Map<string, { raw: JsonObject; count: number }>();
  for (const r of records) {
    const key = canonical(rough.value(r));
    const f = folded.get(key);
    if (f) f.count++;
    else folded.set(key, { raw: r, count: 1 });
  }
  // Pass 2, numbered in that order.
  const exact = new Scrubber(ctx, ids, new Placeholders(true));
  return [...folded.entries()]
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([, f]) => {
      const record = exact.value(f.raw) as JsonObject;
      return { match: matchKey(hop, record), record, count: f.count };
    });
}

/** Every leaf of a record as `path → value` (arrays by index: `Records.0.s3.object.key`); empty objects/arrays are leaves. */
export function flatten(value: Json, prefix = '', into = new Map<string, Json>()): Map<string, Json> {
  if (value !== null && typeof value === 'object') {
    const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
    if (entries.length === 0) into.set(prefix, value);
    for (const [k, v] of entries) flatten(v, prefix ? `${prefix}.${k}` : k, into);
  } else {
    into.set(prefix, value);
  }
  return into;
}
