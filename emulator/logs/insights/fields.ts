/**
 * The fields Logs Insights sees in an event: the system fields (@timestamp, @message, @logStream, @log,
 * @ingestionTime), the fields of the first JSON object in the message, flattened (`a.b.c`, arrays `a.0`), and the
 * fields of Lambda's own lines (START/END/REPORT, and the request id of a function's text-format lines).
 */

/** A point in time (shown as `2026-12-07 17:49:01.123`, compared and binned as epoch ms). */
export class Time {
  constructor(readonly ms: number) {}
}
export type Value = string | number | boolean | Time | null;
export type Row = Map<string, Value>;

/** An event of one of the queried groups, with where it lives (for @ptr). */
export interface SourceEvent {
  group: string;
  stream: string;
  timestamp: number;
  ingestionTime: number;
  message: string;
  seq: number;
}

/** `2026-12-07 17:49:01.123`, in UTC, as Logs Insights shows times. */
export const formatTime = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');

export function formatValue(v: Value): string | undefined {
  if (v === null) return undefined;
  if (v instanceof Time) return formatTime(v.ms);
  return String(v);
}

/** Logs Insights extracts at most 200 fields from a JSON event. */
const MAX_JSON_FIELDS = 200;

function flatten(value: unknown, prefix: string, into: Row): void {
  if (into.size >= MAX_JSON_FIELDS + 5) return;
  if (value === null || value === undefined) return;
  if (typeof value === 'object') {
    for (const [k, v] of Object.entries(value as object)) flatten(v, prefix ? `${prefix}.${k}` : k, into);
    return;
  }
  // A JSON field whose name starts with @ is shown with a second @, so it never hides a system field.
  into.set(prefix.startsWith('@') ? `@${prefix}` : prefix, value as Value);
}

/** The first JSON object in the message: the whole message, or what follows a prefix such as Lambda's. */
function jsonOf(message: string): object | undefined {
  const from = message.indexOf('{');
  const to = message.lastIndexOf('}');
  if (from < 0 || to < from) return undefined;
  try {
    const v = JSON.parse(message.slice(from, to + 1));
    return v && typeof v === 'object' && !Array.isArray(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

const UUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
const LAMBDA_CONTROL = new RegExp(`^(START|END|REPORT) RequestId: (${UUID})`);
const LAMBDA_TEXT_LINE = new RegExp(`^\\S+\\t(${UUID})\\t`);
/** REPORT line items → the field and its scale (memory is reported in bytes, as Logs Insights does: MB × 10^6). */
const REPORT_ITEMS: [RegExp, string, number][] = [
  [/\tDuration: ([\d.]+) ms/, '@duration', 1],
  [/Billed Duration: ([\d.]+) ms/, '@billedDuration', 1],
  [/Memory Size: ([\d.]+) MB/, '@memorySize', 1e6],
  [/Max Memory Used: ([\d.]+) MB/, '@maxMemoryUsed', 1e6],
  [/Init Duration: ([\d.]+) ms/, '@initDuration', 1],
];

function lambdaFields(message: string, into: Row): void {
  const control = LAMBDA_CONTROL.exec(message);
  if (control) {
    into.set('@type', control[1]!);
    into.set('@requestId', control[2]!);
    if (control[1] !== 'REPORT') return;
    const line = message.replace(/ +\t/g, '\t');
    for (const [re, name, scale] of REPORT_ITEMS) {
      const m = re.exec(line);
      if (m) into.set(name, Number(m[1]) * scale);
    }
    const trace = /XRAY TraceId: (\S+)/.exec(line);
    if (trace) into.set('@xrayTraceId', trace[1]!);
    const segment = /SegmentId: (\S+)/.exec(line);
    if (segment) into.set('@xraySegmentId', segment[1]!);
    return;
  }
  const text = LAMBDA_TEXT_LINE.exec(message);
  if (text) into.set('@requestId', text[1]!);
}

/** The row an event starts as, before any command. `accountId` makes @log (`123456789012:/aws/lambda/x`). */
export function eventRow(e: SourceEvent, accountId: string): Row {
  const row: Row = new Map<string, Value>([
    ['@timestamp', new Time(e.timestamp)],
    ['@message', e.message],
    ['@logStream', e.stream],
    ['@log', `${accountId}:${e.group}`],
    ['@ingestionTime', new Time(e.ingestionTime)],
  ]);
  lambdaFields(e.message, row);
  const json = jsonOf(e.message);
  if (json) {
    const fields: Row = new Map();
    flatten(json, '', fields);
    let n = 0;
    for (const [k, v] of fields) {
      if (n++ >= MAX_JSON_FIELDS) break;
      if (!row.has(k)) row.set(k, v);
    }
  }
  return row;
}

/** @ptr: an opaque pointer to the event (GetLogRecord reads it back). */
export const pointerOf = (e: SourceEvent): string => Buffer.from(JSON.stringify([e.group, e.stream, e.seq])).toString('base64');

export function parsePointer(ptr: string): { group: string; stream: string; seq: number } | undefined {
  try {
    const v = JSON.parse(Buffer.from(ptr, 'base64').toString('utf8'));
    if (Array.isArray(v) && typeof v[0] === 'string' && typeof v[1] === 'string' && Number.isInteger(v[2])) return { group: v[0], stream: v[1], seq: v[2] };
  } catch {
    /* not one of ours */
  }
  return undefined;
}
