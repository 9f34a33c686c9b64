import { readFileSync, writeFileSync } from 'node:fs';
import type { Hop, HopListener } from '../../emulator/core/delivery';

/**
 * The trace file: JSON Lines. A header line, one line per hop (in `seq` order), and optionally an outcome
 * line last. It is what a failed run leaves behind, so reading it is strict about shape (a clear error with
 * the line number) but open about fields: every hop type carries its own.
 */

export const TRACE_VERSION = 1;

export interface TraceHeader {
  kind: 'header';
  version: number;
  seed?: number;
  /** The fault spec, as given on the CLI (`duplicate=0.1,fail:processor=2`). */
  faults?: string;
  scenario?: string;
  backend?: string;
  /** ISO 8601, real time. */
  startedAt?: string;
  [field: string]: unknown;
}

export interface TraceHop {
  kind: 'hop';
  /** Position in the run, from 0: the order hops were recorded in (virtual times can tie). */
  seq: number;
  type: string;
  /** Virtual (emulated) epoch milliseconds. */
  time: number;
  /** Real epoch milliseconds. */
  wallTime: number;
  [field: string]: unknown;
}

export interface TraceOutcome {
  kind: 'outcome';
  passed: boolean;
  reports?: unknown[];
  dlq?: unknown[];
  [field: string]: unknown;
}

export type TraceLine = TraceHeader | TraceHop | TraceOutcome;

export interface Trace {
  header: TraceHeader;
  hops: TraceHop[];
  outcome?: TraceOutcome;
}

/** What callers pass to write a header: `kind` and `version` are filled in. */
export type HeaderInput = Omit<TraceHeader, 'kind' | 'version'> & { version?: number };
export type OutcomeInput = Omit<TraceOutcome, 'kind'>;

export class TraceFormatError extends Error {
  constructor(
    readonly source: string,
    readonly line: number,
    readonly detail: string,
  ) {
    super(`${source}:${line}: ${detail}`);
    this.name = 'TraceFormatError';
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const preview = (text: string) => (text.length > 80 ? `${text.slice(0, 77)}...` : text);

/** Parses trace text. `source` names it in errors (a path, or `<trace>`). */
export function parseTrace(text: string, source = '<trace>'): Trace {
  let header: TraceHeader | undefined;
  let outcome: TraceOutcome | undefined;
  let outcomeLine = 0;
  const hops: TraceHop[] = [];
  const seenSeq = new Map<number, number>();
  const lines = text.split(/\r?\n/);

  lines.forEach((raw, index) => {
    const n = index + 1;
    if (raw.trim() === '') return;
    const fail = (detail: string): never => {
      throw new TraceFormatError(source, n, detail);
    };
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (err) {
      fail(`not valid JSON (${(err as Error).message}): ${preview(raw)}`);
    }
    if (!isObject(value)) return fail(`expected a JSON object, got ${preview(raw)}`);
    if (outcome) fail(`nothing may follow the outcome line (line ${outcomeLine})`);
    if (!header && value.kind !== 'header') fail(`the first line must be the header ({"kind":"header","version":${TRACE_VERSION},…}), got kind ${JSON.stringify(value.kind)}`);

    switch (value.kind) {
      case 'header': {
        if (header) fail('a second header line');
        if (value.version !== TRACE_VERSION) fail(`unsupported trace version ${JSON.stringify(value.version)} (this reader knows ${TRACE_VERSION})`);
        for (const [field, type] of [['seed', 'number'], ['faults', 'string'], ['scenario', 'string'], ['backend', 'string'], ['startedAt', 'string']] as const) {
          if (value[field] !== undefined && typeof value[field] !== type) fail(`header field "${field}" must be a ${type}, got ${JSON.stringify(value[field])}`);
        }
        header = value as TraceHeader;
        return;
      }
      case 'hop': {
        if (!Number.isInteger(value.seq) || (value.seq as number) < 0) fail(`hop "seq" must be a non-negative integer, got ${JSON.stringify(value.seq)}`);
        if (typeof value.type !== 'string' || value.type === '') fail(`hop "type" must be a non-empty string, got ${JSON.stringify(value.type)}`);
        if (typeof value.time !== 'number' || !Number.isFinite(value.time)) fail(`hop "time" (virtual epoch ms) must be a number, got ${JSON.stringify(value.time)}`);
        if (typeof value.wallTime !== 'number' || !Number.isFinite(value.wallTime)) fail(`hop "wallTime" (real epoch ms) must be a number, got ${JSON.stringify(value.wallTime)}`);
        const seq = value.seq as number;
        const earlier = seenSeq.get(seq);
        if (earlier !== undefined) fail(`hop seq ${seq} already appeared on line ${earlier}`);
        seenSeq.set(seq, n);
        hops.push(value as TraceHop);
        return;
      }
      case 'outcome': {
        if (typeof value.passed !== 'boolean') fail(`outcome "passed" must be true or false, got ${JSON.stringify(value.passed)}`);
        for (const field of ['reports', 'dlq']) {
          if (value[field] !== undefined && !Array.isArray(value[field])) fail(`outcome "${field}" must be an array`);
        }
        outcome = value as TraceOutcome;
        outcomeLine = n;
        return;
      }
      default:
        fail(`unknown line kind ${JSON.stringify(value.kind)} (expected "header", "hop" or "outcome")`);
    }
  });

  if (!header) throw new TraceFormatError(source, 1, 'empty trace: no header line');
  // Writers number hops as they come; sort anyway so a trace concatenated out of order still reads right.
  hops.sort((a, b) => a.seq - b.seq);
  return outcome ? { header, hops, outcome } : { header, hops };
}

/** Reads a trace from a file path, or parses it directly when given the text itself (it starts with `{`). */
export function readTrace(pathOrText: string): Trace {
  if (/^\s*\{/.test(pathOrText)) return parseTrace(pathOrText);
  return parseTrace(readFileSync(pathOrText, 'utf8'), pathOrText);
}

/**
 * A JSON-safe copy of a hop's fields: bigints as strings, bytes as their length, errors as their message,
 * cycles cut. Hops are recorded by every service and may carry anything.
 */
function jsonSafe(value: unknown, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'function' || typeof value === 'symbol') return undefined;
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  if (typeof value !== 'object' || value === null) return value;
  if (seen.has(value)) return '[circular]';
  if (value instanceof Error) return value.message;
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return `<${value.byteLength} bytes>`;
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((v) => jsonSafe(v, seen) ?? null);
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const safe = jsonSafe(v, seen);
      if (safe !== undefined) out[k] = safe;
    }
    return out;
  } finally {
    seen.delete(value);
  }
}

/** A hop as a trace line: `kind` and `seq` first; a hop's own `kind`/`seq` fields are kept as `_kind`/`_seq`. */
export function toTraceHop(hop: Hop | TraceHop, seq: number): TraceHop {
  const { kind, seq: ownSeq, type, time, wallTime, ...fields } = jsonSafe(hop) as Record<string, unknown>;
  const isTraceHop = kind === 'hop' && typeof ownSeq === 'number';
  return {
    kind: 'hop',
    seq: isTraceHop ? (ownSeq as number) : seq,
    type: String(type),
    time: Number(time),
    wallTime: Number(wallTime),
    ...(kind !== undefined && !isTraceHop ? { _kind: kind } : {}),
    ...(ownSeq !== undefined && !isTraceHop ? { _seq: ownSeq } : {}),
    ...fields,
  };
}

/** A header line: `kind` and `version` first, so the file says what it is on its first characters. */
export function makeHeader(input: HeaderInput = {}): TraceHeader {
  const { version, ...fields } = input;
  return { kind: 'header', version: version ?? TRACE_VERSION, ...fields } as TraceHeader;
}

/** The trace as JSON Lines text (ends with a newline). */
export function formatTrace(header: HeaderInput | TraceHeader, hops: readonly (Hop | TraceHop)[], outcome?: OutcomeInput | TraceOutcome): string {
  const { kind: _k, ...headerFields } = header as TraceHeader;
  const lines: unknown[] = [makeHeader(jsonSafe(headerFields) as HeaderInput)];
  hops.forEach((hop, i) => lines.push(toTraceHop(hop, i)));
  if (outcome) {
    const { kind: _o, ...outcomeFields } = outcome as TraceOutcome;
    lines.push({ kind: 'outcome', ...(jsonSafe(outcomeFields) as object) });
  }
  return lines.map((l) => JSON.stringify(l)).join('\n') + '\n';
}

/** Writes a trace file. Hops without a `seq` are numbered by their position. */
export function writeTrace(path: string, header: HeaderInput | TraceHeader, hops: readonly (Hop | TraceHop)[], outcome?: OutcomeInput | TraceOutcome): void {
  writeFileSync(path, formatTrace(header, hops, outcome));
}

/** Anything hops can be heard from: the delivery bus (`DeliveryBus.onHop`). */
export interface HopSource {
  onHop(listener: HopListener): () => void;
}

/**
 * Listens to a bus and keeps every hop, numbered in arrival order. One recorder per run:
 * `const rec = new TraceRecorder({ seed, faults, scenario, backend }).attach(bus)`, then
 * `rec.write(path, outcome)` when the run ends.
 */
export class TraceRecorder {
  readonly header: TraceHeader;
  private readonly recorded: TraceHop[] = [];
  private unsubscribe: (() => void) | undefined;

  constructor(header: HeaderInput = {}) {
    const { startedAt, ...rest } = header;
    this.header = makeHeader({ ...rest, startedAt: startedAt ?? new Date().toISOString() });
  }

  attach(source: HopSource): this {
    if (this.unsubscribe) throw new Error('TraceRecorder is already attached to a bus; detach() first');
    this.unsubscribe = source.onHop((hop) => {
      this.recorded.push(toTraceHop(hop, this.recorded.length));
    });
    return this;
  }

  /** Stops listening; the hops recorded so far are kept. */
  detach(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  get hops(): readonly TraceHop[] {
    return this.recorded;
  }

  toTrace(outcome?: OutcomeInput): Trace {
    const hops = [...this.recorded];
    return outcome ? { header: this.header, hops, outcome: { ...outcome, kind: 'outcome' } as TraceOutcome } : { header: this.header, hops };
  }

  write(path: string, outcome?: OutcomeInput): void {
    writeTrace(path, this.header, this.recorded, outcome);
  }
}
