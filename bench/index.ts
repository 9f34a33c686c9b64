/**
 * `npm run bench`: every benchmark in turn, a table of figures against their targets, and the JSON in
 * bench/results/latest.json (machine, figures, the ratio pairs). See bench/README.md for what each measures.
 *
 *   --quick       tiny sizes: proves the benchmarks work (test/bench/bench.test.ts); skips the scenario suite.
 *                 Writes bench/results/latest-quick.json unless --out is given.
 *   --full        the issue's full sizes where the default is smaller (10,000 throughput objects, 4,000 × 5 API
 *                 operations; latency runs the issue's 1,000 objects either way); takes well over 5 minutes here.
 *   --only a,b    run only these sections (cold-start, latency, throughput, api, scale, lambda, suite).
 *   --out FILE    where to write the JSON.
 *   --reserved-concurrency N   throughput only: caps each function at N concurrent executions (a diagnosis of
 *                 where the function processes' CPU goes, not part of the default run).
 *
 * A figure that misses its target is printed and recorded as missed; nothing is retried or re-measured to
 * make it pass. A benchmark that fails reports its error and the run exits non-zero.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { benchApi } from './api';
import { benchColdStart } from './cold-start';
import { benchLambda } from './lambda';
import { benchLatency } from './latency';
import { isMain } from './lib/main';
import { benchPipelineThroughput } from './pipeline-throughput';
import { benchScale } from './scale';
import { benchSuite } from './suite';

export type Target = { op: '<' | '<=' | '>=' | '>'; value: number };

export interface Figure {
  section: string;
  name: string;
  value: number | null;
  unit: string;
  target?: Target;
  met?: boolean;
  /** Why there is no value: skipped (and why), or the benchmark's error. */
  skipped?: string;
  error?: string;
  /** What else to know when reading the figure (sizes, conditions). */
  note?: string;
}

export interface RatioPair {
  name: string;
  a: { label: string; perRound: number[] };
  b: { label: string; perRound: number[] };
  ratios: number[];
  median: number;
  target?: Target;
}

const SECTIONS = ['cold-start', 'latency', 'throughput', 'api', 'scale', 'lambda', 'suite'] as const;
type Section = (typeof SECTIONS)[number];

const meets = (value: number, t: Target): boolean =>
  t.op === '<' ? value < t.value : t.op === '<=' ? value <= t.value : t.op === '>=' ? value >= t.value : value > t.value;

class Results {
  readonly figures: Figure[] = [];
  readonly ratios: RatioPair[] = [];
  readonly details: Record<string, unknown> = {};
  readonly errors: string[] = [];

  add(section: string, name: string, value: number, unit: string, target?: Target, note?: string): void {
    const f: Figure = { section, name, value, unit };
    if (target) {
      f.target = target;
      f.met = Number.isFinite(value) && meets(value, target);
    }
    if (note) f.note = note;
    this.figures.push(f);
  }

  skip(section: string, name: string, unit: string, reason: string): void {
    this.figures.push({ section, name, value: null, unit, skipped: reason });
  }

  fail(section: string, error: unknown): void {
    const message = (error as Error)?.stack ?? String(error);
    this.errors.push(`${section}: ${message}`);
    this.figures.push({ section, name: `${section} (failed)`, value: null, unit: '', error: (error as Error)?.message ?? String(error) });
  }
}

interface RunOptions {
  quick: boolean;
  full: boolean;
  reservedConcurrency?: number;
}

async function run(sections: Set<Section>, { quick, full, reservedConcurrency }: RunOptions, log: (s: string) => void): Promise<Results> {
  const R = new Results();
  const step = async (section: Section, title: string, fn: () => Promise<void>) => {
    if (!sections.has(section)) return;
    log(`bench: ${title}…`);
    const t = Date.now();
    try {
      await fn();
    } catch (e) {
      log(`bench: ${title} failed: ${(e as Error)?.stack ?? e}`);
      R.fail(section, e);
    }
    R.details[`${section}.seconds`] = Number(((Date.now() - t) / 1000).toFixed(1));
  };

  await step('cold-start', 'cold start (fresh processes)', async () => {
    const c = await benchColdStart({ quick });
    R.details.coldStart = c;
    const s = '1 cold start';
    const note = `median of ${c.runs.length} fresh process${c.runs.length === 1 ? '' : 'es'}`;
    R.add(s, 'start + deploy fanout + first object processed', c.totalMs, 'ms', { op: '<', value: 1000 }, note);
    R.add(s, 'emulator start', c.emulatorStartMs, 'ms');
    R.add(s, 'deploy (fanout, harness deploy())', c.deployMs, 'ms', undefined, `${Math.round(c.deployRequests)} requests, in flight ${Math.round(c.deployRequestMs)} ms; rest: deploy() waiting`);
    R.add(s, 'first object → 3 reports', c.firstObjectMs, 'ms');
    const e = c.emptyBuildCache;
    R.add(s, 'same, empty handler build cache', e.totalMs, 'ms', undefined, `1 process; deploy ${Math.round(e.deployMs)} ms (esbuild + zip included)`);
  });

  await step('latency', 'end-to-end latency', async () => {
    const l = await benchLatency({ quick });
    R.details.latency = l;
    for (const [topology, f] of Object.entries(l)) {
      const s = `2 latency ${topology}`;
      // The targets are for direct, queue and fanout; eventbridge (added later) is measured alongside.
      const targeted = topology !== 'eventbridge';
      const note = `${f.objects} objects, sequential${targeted ? '' : '; no target set'}`;
      R.add(s, 'PutObject → report p50', f.p50Ms, 'ms', targeted ? { op: '<=', value: 15 } : undefined, note);
      R.add(s, 'PutObject → report p95', f.p95Ms, 'ms');
      R.add(s, 'PutObject → report p99', f.p99Ms, 'ms', targeted ? { op: '<=', value: 50 } : undefined);
    }
  });

  await step('throughput', 'end-to-end throughput (fanout vs SDK floor)', async () => {
    const t = await benchPipelineThroughput({ quick, ...(full ? { objects: 10_000, rounds: 5 } : {}), ...(reservedConcurrency !== undefined ? { reservedConcurrency } : {}) });
    R.details.throughput = t;
    const s = '3 throughput fanout';
    const target: Target = { op: '>=', value: 0.7 };
    const capped = t.reservedConcurrency !== undefined ? `; reserved concurrency ${t.reservedConcurrency} per function` : '';
    R.add(s, 'objects/s fully processed', t.pipelinePerSec, 'obj/s', undefined, `${t.objects} objects, ${t.rounds} rounds, concurrency 32${capped}`);
    R.add(s, 'SDK floor (same 7 calls/object)', t.floorPerSec, 'obj/s');
    R.add(s, 'ratio to floor (median round)', t.ratio, '×', target);
    const { pipeline, floorMs } = t.cpuPerObject;
    if (pipeline.functionsMs !== undefined) {
      R.add(s, 'CPU per object, pipeline', Number((pipeline.emulatorProcessMs + pipeline.functionsMs).toFixed(2)), 'ms', undefined, `emulator process ${pipeline.emulatorProcessMs} ms (with the uploading client), ${t.functionProcesses} function processes ${pipeline.functionsMs} ms`);
    } else {
      R.add(s, 'CPU per object, emulator process', pipeline.emulatorProcessMs, 'ms', undefined, 'function processes not measured (no /proc)');
    }
    R.add(s, 'CPU per object, floor', floorMs, 'ms', undefined, 'SDK client and floor server, one process');
    R.ratios.push({
      name: 'fanout pipeline vs SDK floor (objects/s)',
      a: { label: 'pipeline', perRound: t.pipelineRounds },
      b: { label: 'floor', perRound: t.floorRounds },
      ratios: t.roundRatios,
      median: t.ratio,
      target,
    });
  });

  await step('api', 'API throughput (vs floor, vs s3rver)', async () => {
    const a = await benchApi({ quick, ...(full ? { total: 4000, rounds: 5 } : {}) });
    R.details.api = a;
    const s = '4 API (conc. 32)';
    const target: Target = { op: '>=', value: 0.8 };
    for (const [name, f] of Object.entries(a.figures)) {
      R.add(s, `${name} ops/s`, f.emulatorPerSec, 'ops/s');
      R.add(s, `${name} ratio to floor`, f.ratio, '×', target);
      R.ratios.push({ name: `${name} (ops/s)`, a: { label: 'emulator', perRound: f.emulatorRounds }, b: { label: 'floor', perRound: f.floorRounds }, ratios: f.rounds, median: f.ratio, target });
    }
    const s3rverTarget: Target = { op: '>=', value: 2 };
    for (const [name, f] of Object.entries(a.s3rver)) {
      const op = name.replace(/ 1 KiB$/, '');
      R.add(s, `${op} vs s3rver`, f.ratio, '×', s3rverTarget, `${f.emulatorPerSec} vs ${f.s3rverPerSec} ops/s`);
      R.ratios.push({ name: `${name}, emulator vs s3rver (ops/s)`, a: { label: 'emulator', perRound: f.emulatorRounds }, b: { label: 's3rver', perRound: f.s3rverRounds }, ratios: f.rounds, median: f.ratio, target: s3rverTarget });
    }
  });

  await step('scale', 'scale (emulator in a child process)', async () => {
    const sc = await benchScale({ quick });
    R.details.scale = sc;
    const s = '5 scale';
    const k = (n: number) => (n >= 1000 ? `${n / 1000}k` : String(n));
    R.add(s, `RSS holding ${sc.objectCount.toLocaleString('en-US')} objects of 1 KiB`, sc.rssForObjectsMb, 'MB', quick ? undefined : { op: '<', value: 400 }, `fresh emulator: ${sc.baselineRssMb} MB`);
    for (const p of sc.objects) R.add(s, `ListObjectsV2 page at ${k(p.size)} objects`, p.ms, 'ms');
    R.add(s, `list page ${k(sc.objects.at(-1)!.size)} ÷ ${k(sc.objects[0]!.size)} (flat)`, sc.listFlatness, '×', { op: '<=', value: 2 });
    for (const p of sc.messages) R.add(s, `ReceiveMessage at ${k(p.size)} messages`, p.ms, 'ms');
    R.add(s, `receive ${k(sc.messages.at(-1)!.size)} ÷ ${k(sc.messages[0]!.size)} (flat)`, sc.receiveFlatness, '×', { op: '<=', value: 2 });
    R.add(s, `RSS with ${k(sc.objectCount)} objects + ${k(sc.messages.at(-1)!.size)} messages`, sc.messages.at(-1)!.rssMb, 'MB');
  });

  await step('lambda', 'Lambda', async () => {
    const l = await benchLambda({ quick });
    R.details.lambda = l;
    const s = '6 lambda';
    R.add(s, 'warm Invoke p50', l.warmInvoke.p50Ms, 'ms', undefined, `${l.warmInvoke.invokes} invokes`);
    R.add(s, 'warm Invoke p99', l.warmInvoke.p99Ms, 'ms');
    R.add(s, 'cold start (new environment) median', l.coldStart.medianMs, 'ms', undefined, `${l.coldStart.runs} runs, max ${l.coldStart.maxMs} ms`);
    R.add(s, 'S3 → SQS → Lambda, batch 10', l.s3SqsLambda.perSec, 'msg/s', undefined, `${l.s3SqsLambda.messages} messages`);
  });

  if (sections.has('suite')) {
    if (quick) {
      R.skip('7 suite', 'scenario suite wall time (npx jest scenarios)', 's', 'skipped in --quick');
      log('bench: scenario suite skipped (--quick)');
    } else {
      await step('suite', 'scenario suite (npx jest scenarios)', async () => {
        const st = await benchSuite();
        R.details.suite = st;
        R.add('7 suite', 'scenario suite wall time (npx jest scenarios)', st.seconds, 's', undefined, st.passed ? st.summary : `FAILED: ${st.summary}`);
        if (!st.passed) R.errors.push(`suite: scenario suite failed (${st.summary})`);
      });
    }
  }
  return R;
}

const fmt = (v: number | null, unit: string): string => {
  if (v === null) return '—';
  const digits = Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 10 ? 1 : 2;
  return `${v.toFixed(digits)} ${unit}`.trim();
};

export function formatTable(figures: Figure[]): string {
  const rows = figures.map((f) => [
    f.section,
    f.name,
    f.error ? `ERROR: ${f.error.split('\n')[0]!.slice(0, 60)}` : f.skipped ? `(${f.skipped})` : fmt(f.value, f.unit),
    f.target ? `${f.target.op} ${f.target.value} ${f.unit}`.trim() : '—',
    f.target ? (f.met ? 'yes' : 'NO') : '—',
    f.note ?? '',
  ]);
  const head = ['section', 'figure', 'value', 'target', 'met', 'note'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      full: { type: 'boolean', default: false },
      only: { type: 'string' },
      out: { type: 'string' },
      'reserved-concurrency': { type: 'string' },
    },
  });
  const reserved = values['reserved-concurrency'];
  const reservedConcurrency = reserved === undefined ? undefined : Number(reserved);
  if (reservedConcurrency !== undefined && !(Number.isInteger(reservedConcurrency) && reservedConcurrency >= 1)) {
    throw new Error(`--reserved-concurrency wants a whole number of at least 1, not "${reserved}"`);
  }
  const quick = Boolean(values.quick);
  const full = Boolean(values.full) && !quick;
  const sections = new Set<Section>((values.only ? values.only.split(',') : SECTIONS).map((s) => s.trim()) as Section[]);
  for (const s of sections) if (!SECTIONS.includes(s)) throw new Error(`unknown section "${s}" (one of ${SECTIONS.join(', ')})`);
  if (reservedConcurrency !== undefined && !sections.has('throughput')) throw new Error('--reserved-concurrency applies to the throughput section only: add it to --only');
  const out = path.resolve(values.out ?? path.join(__dirname, 'results', quick ? 'latest-quick.json' : 'latest.json'));
  const log = (s: string) => process.stderr.write(`${s}\n`);

  const cpus = os.cpus();
  const machine = {
    cpuModel: cpus[0]?.model ?? 'unknown',
    cpuCount: cpus.length,
    totalMemoryMb: Math.round(os.totalmem() / 1e6),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    loadAverageAtStart: os.loadavg().map((x) => Number(x.toFixed(2))),
  };
  const started = new Date();
  const t0 = Date.now();
  const R = await run(sections, { quick, full, reservedConcurrency }, log);
  const seconds = Number(((Date.now() - t0) / 1000).toFixed(1));
  const result = {
    date: started.toISOString(),
    mode: quick ? 'quick' : full ? 'full' : 'default',
    sections: [...sections],
    machine: { ...machine, loadAverageAtEnd: os.loadavg().map((x) => Number(x.toFixed(2))) },
    totalSeconds: seconds,
    figures: R.figures,
    ratios: R.ratios,
    details: R.details,
    errors: R.errors,
  };
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);

  const missed = R.figures.filter((f) => f.target && !f.met).length;
  const withTarget = R.figures.filter((f) => f.target).length;
  process.stdout.write(`\n${formatTable(R.figures)}\n\n`);
  process.stdout.write(
    `${withTarget - missed}/${withTarget} targets met; ${R.errors.length} errors. ${result.mode} run, ${seconds} s, ` +
      `${machine.cpuCount}× ${machine.cpuModel}, ${machine.totalMemoryMb} MB, Node ${machine.node}, ` +
      `load average ${machine.loadAverageAtStart[0]} → ${result.machine.loadAverageAtEnd[0]}. JSON: ${path.relative(process.cwd(), out)}\n`,
  );
  process.exitCode = R.errors.length ? 1 : 0;
}

if (isMain(__filename)) {
  main().catch((e) => {
    process.stderr.write(`${(e as Error)?.stack ?? e}\n`);
    process.exitCode = 1;
  });
}
