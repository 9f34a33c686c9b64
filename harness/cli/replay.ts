import path from 'node:path';
import { readTrace, type Trace } from '../report/trace-file';
import { buildLanes } from '../report/lanes';
import { parseCommand, type CommandSpec } from './args';
import type { Io } from './io';
import { executeRun } from './run';

/**
 * `replay out.jsonl`: runs the traced scenarios again with the trace's seed and faults on virtual time,
 * then compares. "Same" means the same outcome per scenario and, for every object version, the same hops
 * in the same order (names normalised: resource prefixes carry a random suffix, ids differ run to run).
 */
const spec = {
  name: 'replay',
  summary: 'Re-runs a traced run (same scenarios, seed and faults) and checks it takes the same course.',
  usage: 's3-event-harness replay TRACE.jsonl [--trace NEW.jsonl]',
  positionals: true,
  options: { trace: { type: 'string' } },
  help: [
    ['TRACE.jsonl', 'a trace written by `s3-event-harness run --trace`'],
    ['--trace FILE', 'where to write the replay\'s own trace (default: TRACE.replay.jsonl)'],
  ],
} as const satisfies CommandSpec;

export async function replayCommand(argv: string[], io: Io): Promise<number> {
  const args = parseCommand(argv, spec, io.out);
  if (!args) return 0;
  const file = args.positionals[0];
  if (!file) {
    io.err(`replay: name a trace file\nusage: ${spec.usage}`);
    return 2;
  }
  const original = readTrace(file);
  const h = original.header;
  const files = Array.isArray(h.files) ? (h.files as string[]) : undefined;
  const names = Array.isArray(h.scenarios) ? (h.scenarios as string[]) : undefined;
  if (!files || !names || typeof h.seed !== 'number') {
    io.err(`replay: ${file} has no scenarios/files/seed in its header (was it written by \`run --trace\`?)`);
    return 1;
  }
  const out = (args.values.trace as string | undefined) ?? file.replace(/(\.jsonl)?$/, '.replay.jsonl');
  io.out(`replaying ${names.length} scenario(s) with seed ${h.seed}${h.faults ? ` and faults ${h.faults}` : ''}`);
  const { trace } = await executeRun({ files, names, seed: h.seed, faults: typeof h.faults === 'string' ? h.faults : undefined, trace: out, backend: 'embedded' }, io);
  if (!trace) return 1;
  const diff = compareTraces(original, trace);
  if (diff.length === 0) {
    io.out(`replay: same outcome and the same hops for every object version as ${path.basename(file)}`);
    return 0;
  }
  io.out(`replay: the run diverged from ${path.basename(file)}:`);
  for (const d of diff.slice(0, 10)) io.out(`  - ${d}`);
  return 1;
}

/** Resource prefixes end in six random hex digits; version ids and request ids differ between runs. */
const normalise = (s: string) => s.replace(/-[0-9a-f]{6}(?=[-./@#:]|$)/g, '-*').replace(/@[^#/]+$/, '@version');

/** Per lane (object version): the hop types in order. */
export function laneSignatures(trace: Trace): Map<string, string[]> {
  const model = buildLanes(trace, { inferFaults: false });
  const out = new Map<string, string[]>();
  const seen = new Map<string, number>();
  // Hops no object claims (e.g. a batch invocation of several objects) still count, as a sorted multiset.
  const unclaimed = [...model.lanes.filter((l) => l.other), model.other].flatMap((l) => l.hops.map((h) => h.hop.type));
  out.set('(hops of no single object)', unclaimed.sort());
  for (const lane of model.lanes) {
    if (lane.other) continue;
    const base = normalise(lane.id);
    // Versioned lanes of one key: number them in order, as version ids differ between runs.
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    out.set(n > 1 ? `${base}[${n}]` : base, lane.hops.map((h) => h.hop.type));
  }
  return out;
}

/** Differences between two runs, in words; empty when they took the same course. */
export function compareTraces(a: Trace, b: Trace): string[] {
  const diffs: string[] = [];
  const results = (t: Trace) => new Map(((t.outcome?.results as { name: string; status: string }[] | undefined) ?? []).map((r) => [r.name, r.status]));
  const ra = results(a);
  const rb = results(b);
  for (const [name, status] of ra) if (rb.get(name) !== status) diffs.push(`scenario "${name}": ${status} before, ${rb.get(name) ?? 'not run'} now`);
  const la = laneSignatures(a);
  const lb = laneSignatures(b);
  for (const [lane, hops] of la) {
    const other = lb.get(lane);
    if (!other) {
      diffs.push(`${lane}: no such object version in the replay`);
      continue;
    }
    const i = hops.findIndex((t, k) => other[k] !== t);
    if (i >= 0 || other.length !== hops.length) {
      const at = i >= 0 ? i : Math.min(hops.length, other.length);
      diffs.push(`${lane}: hop ${at + 1} was ${hops[at] ?? '(end)'}, now ${other[at] ?? '(end)'}`);
    }
  }
  for (const lane of lb.keys()) if (!la.has(lane)) diffs.push(`${lane}: appears only in the replay`);
  return diffs;
}
