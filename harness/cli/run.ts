import path from 'node:path';
import { chooseBackend, createBackend, requestedBackend, type BackendConnection } from '../backends';
import { timeFromEnv } from '../backends/embedded';
import { resolveSeed } from '../random';
import { defaultScenarioFiles, loadScenarioFiles } from '../scenario/registry';
import { HopHub } from '../scenario/hops';
import { runScenario } from '../scenario/runner';
import type { ScenarioResult } from '../scenario/types';
import { numberFlag, parseCommand, type CommandSpec } from './args';
import type { Io } from './io';
import { TraceRecorder, type Trace } from '../report/trace-file';

const spec = {
  name: 'run',
  summary: 'Runs scenario files (default: every scenarios/*.scenario.ts) and prints a results table; exits non-zero when one fails.',
  usage: 's3-event-harness run [files…] [--backend auto|embedded|localstack|endpoint] [--seed N]',
  positionals: true,
  options: {
    backend: { type: 'string' },
    endpoint: { type: 'string' },
    seed: { type: 'string' },
    grep: { type: 'string' },
    time: { type: 'string' },
    keep: { type: 'boolean' },
    'allow-aws': { type: 'boolean' },
    prefix: { type: 'string' },
    verbose: { type: 'boolean', short: 'v' },
    concurrency: { type: 'string' },
    faults: { type: 'string' },
    trace: { type: 'string' },
  },
  help: [
    ['files…', 'scenario files to run (default: scenarios/*.scenario.ts)'],
    ['--backend B', 'auto (default; env HARNESS_BACKEND): LocalStack when a container runtime answers, else embedded'],
    ['--endpoint URL', 'with --backend endpoint: a running emulator/LocalStack (env HARNESS_ENDPOINT); "aws" = real AWS'],
    ['--seed N', 'seed for all scenario randomness (env HARNESS_SEED; default: random, printed)'],
    ['--grep TEXT', 'only scenarios whose name contains TEXT'],
    ['--time virtual|X', 'embedded backend: virtual (default) or a time scale, e.g. 0.2: AWS durations run 5× faster (env HARNESS_TIME)'],
    ['--keep', 'leave each scenario\'s resources in place (env HARNESS_KEEP=1)'],
    ['--allow-aws', 'permit real AWS (with --endpoint aws and --prefix)'],
    ['--prefix P', 'resource name prefix (required on real AWS)'],
    ['--concurrency N', 'scenarios run at once (env HARNESS_SCENARIO_CONCURRENCY; default 3 on embedded, else 1)'],
    ['--verbose, -v', 'print deploy actions and scenario notes as they happen'],
    ['--faults SPEC', 'embedded backend: inject faults, e.g. duplicate=0.1,delay=0..60s,fail:processor=2 (see docs/REPRODUCING.md)'],
    ['--trace FILE', 'embedded backend: record every hop as JSON Lines (replay it with `s3-event-harness replay FILE`)'],
  ],
} as const satisfies CommandSpec;

export async function runCommand(argv: string[], io: Io): Promise<number> {
  const args = parseCommand(argv, spec, io.out);
  if (!args) return 0;
  const v = args.values;
  const files = args.positionals.length ? args.positionals.map((f) => path.resolve(f)) : defaultScenarioFiles();
  const { code } = await executeRun(
    {
      files,
      grep: v.grep as string | undefined,
      seed: resolveSeed(v.seed as string | undefined),
      backend: v.backend as string | undefined,
      endpoint: v.endpoint as string | undefined,
      time: timeFromEnv((v.time as string | undefined) ?? process.env.HARNESS_TIME),
      faults: v.faults as string | undefined,
      trace: v.trace as string | undefined,
      keep: Boolean(v.keep) || process.env.HARNESS_KEEP === '1',
      allowAws: Boolean(v['allow-aws']),
      prefix: v.prefix as string | undefined,
      verbose: Boolean(v.verbose),
      concurrency: numberFlag((v.concurrency as string | undefined) ?? process.env.HARNESS_SCENARIO_CONCURRENCY, 'concurrency', (n) => Number.isInteger(n) && n >= 1),
    },
    io,
  );
  return code;
}

export interface RunRequest {
  files: string[];
  grep?: string;
  /** Exact scenario names to run (replay), instead of every scenario in the files. */
  names?: string[];
  seed: number;
  backend?: string;
  endpoint?: string;
  time?: 'virtual' | number;
  faults?: string;
  /** Where to write the trace (JSON Lines). */
  trace?: string;
  keep?: boolean;
  allowAws?: boolean;
  prefix?: string;
  verbose?: boolean;
  concurrency?: number;
}

/** Runs scenarios on one backend and prints the table; returns the exit code, the results and the trace. */
export async function executeRun(req: RunRequest, io: Io): Promise<{ code: number; results: ScenarioResult[]; trace?: Trace }> {
  const { seed } = req;
  let scenarios = loadScenarioFiles(req.files);
  if (req.grep) scenarios = scenarios.filter((s) => s.name.includes(req.grep!));
  if (req.names) scenarios = scenarios.filter((s) => req.names!.includes(s.name));
  if (scenarios.length === 0) {
    io.err(`no scenarios to run${req.grep ? ` (--grep ${JSON.stringify(req.grep)})` : ''}`);
    return { code: 1, results: [] };
  }

  const request = requestedBackend(req.backend);
  const choice = await chooseBackend(request, { source: req.backend ? '--backend' : process.env.HARNESS_BACKEND ? 'HARNESS_BACKEND' : 'requested' });
  io.out(`backend: ${choice.name} — ${choice.reason}`);
  io.out(`seed: ${seed} (replay with --seed ${seed})`);
  if ((req.faults || req.trace) && choice.name !== 'embedded') {
    io.err(`--faults and --trace need the embedded backend; ${choice.name} does not support them (handler faults through HARNESS_FAULTS still work there)`);
    return { code: 2, results: [] };
  }
  // A trace is replayable only on virtual time and one scenario at a time (no interleaving between scenarios).
  const time = req.trace ? 'virtual' : req.time;
  const backend = createBackend(choice.name, {
    embedded: { ...(time !== undefined ? { time } : {}), ...(req.faults ? { faults: req.faults } : {}), seed },
    ...(req.endpoint ? { endpoint: req.endpoint } : {}),
    allowAws: Boolean(req.allowAws),
    ...(req.prefix ? { prefix: req.prefix } : {}),
    log: (m) => io.err(m),
  });
  let connection: BackendConnection;
  try {
    connection = await backend.start();
  } catch (e) {
    io.err(`could not start backend ${choice.name}: ${(e as Error).message}`);
    await backend.stop().catch(() => {});
    return { code: 1, results: [] };
  }
  io.out(`using ${connection.description}`);
  // Scenarios with emulatorFaults run on emulators of their own: their hops join the trace through the hub.
  const hub = req.trace ? new HopHub() : undefined;
  hub?.add(connection.emulator!.bus);
  const recorder = hub
    ? new TraceRecorder({ seed, faults: req.faults, backend: choice.name, scenario: scenarios.map((d) => d.name).join(' | '), scenarios: scenarios.map((d) => d.name), files: req.files, time: 'virtual' }).attach(hub)
    : undefined;
  // Each scenario has its own resource prefix, so several can share the backend.
  const concurrency = recorder ? 1 : (req.concurrency ?? (connection.name === 'embedded' ? 3 : 1));
  const results: ScenarioResult[] = new Array(scenarios.length);
  try {
    let next = 0;
    const worker = async () => {
      while (next < scenarios.length) {
        const index = next++;
        const def = scenarios[index]!;
        if (concurrency === 1) io.out(`▶ ${def.name}`);
        const result = await runScenario(def, connection, {
          seed,
          keep: Boolean(req.keep),
          ...(req.prefix ? { prefixBase: req.prefix } : {}),
          log: req.verbose ? io.out : () => {},
          ...(hub ? { onEmulator: (emu) => void hub.add(emu.bus) } : {}),
        });
        results[index] = result;
        const tail = result.status === 'skipped' ? ` (${result.reason})` : result.status === 'failed' ? ` — ${firstLine(result.error)}` : '';
        io.out(`${concurrency === 1 ? '  ' : ''}${symbol(result.status)} ${concurrency === 1 ? '' : `${def.name}: `}${result.status} in ${result.ms} ms${tail}`);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, scenarios.length) }, worker));
  } finally {
    recorder?.detach();
    await backend.stop().catch((e) => io.err(`stopping ${choice.name}: ${(e as Error).message}`));
  }

  io.out('');
  io.out(resultsTable(results));
  const failed = results.filter((r) => r.status === 'failed');
  for (const r of failed) {
    io.out('');
    io.out(`✗ ${r.name}${r.file ? ` (${path.relative(process.cwd(), r.file)})` : ''}, seed ${r.seed}, prefix ${r.prefix ?? '-'}:`);
    io.out(indent(r.error?.stack ?? String(r.error)));
    io.out(`  reproduce: ${reproduceCommand(r, req)}`);
  }
  const count = (s: string) => results.filter((r) => r.status === s).length;
  io.out('');
  io.out(`${count('passed')} passed, ${count('failed')} failed, ${count('skipped')} skipped (seed ${seed})`);
  let trace: Trace | undefined;
  if (recorder && req.trace) {
    const outcome = { passed: failed.length === 0, results: results.map((r) => ({ name: r.name, status: r.status })) };
    recorder.write(req.trace, outcome);
    trace = recorder.toTrace(outcome);
    io.out(`trace: ${recorder.hops.length} hops written to ${req.trace} (replay: s3-event-harness replay ${req.trace}; timeline: s3-event-harness report ${req.trace})`);
  }
  return { code: failed.length ? 1 : 0, results, trace };
}

/** The command line that runs just this scenario again with the same seed and faults. */
function reproduceCommand(r: ScenarioResult, req: RunRequest): string {
  const quote = (s: string) => (/^[\w./:=,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  const parts = ['npx s3-event-harness run'];
  if (r.file) parts.push(quote(path.relative(process.cwd(), r.file)));
  parts.push('--grep', quote(r.name), '--seed', String(r.seed));
  if (req.faults) parts.push('--faults', quote(req.faults));
  if (req.backend) parts.push('--backend', req.backend);
  if (req.time !== undefined) parts.push('--time', String(req.time));
  // The scenario's own faults come with it (its emulatorFaults option); say which ones and the seed they got.
  if (r.emulatorFaults) parts.push(`  # its own emulator: faults ${r.emulatorFaults}, emulator seed ${r.emulatorSeed} (from --seed ${r.seed})`);
  return parts.join(' ');
}

export function resultsTable(results: ScenarioResult[]): string {
  const rows = [['scenario', 'backend', 'status', 'ms'], ...results.map((r) => [r.name, r.backend, r.status, String(r.ms)])];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const line = (row: string[]) => row.map((cell, i) => (i === 3 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ');
  return [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

const symbol = (s: string) => (s === 'passed' ? '✓' : s === 'failed' ? '✗' : '○');
const firstLine = (e: Error | undefined) => (e?.message ?? '').split('\n')[0];
const indent = (text: string) => text.split('\n').map((l) => `    ${l}`).join('\n');

export const runSpec = spec;
