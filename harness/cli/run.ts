import path from 'node:path';
import { chooseBackend, createBackend, requestedBackend, type BackendConnection } from '../backends';
import { timeFromEnv } from '../backends/embedded';
import { resolveSeed } from '../random';
import { defaultScenarioFiles, loadScenarioFiles } from '../scenario/registry';
import { runScenario } from '../scenario/runner';
import type { ScenarioResult } from '../scenario/types';
import { numberFlag, parseCommand, type CommandSpec } from './args';
import type { Io } from './io';

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
  },
  help: [
    ['files…', 'scenario files to run (default: scenarios/*.scenario.ts)'],
    ['--backend B', 'auto (default; env HARNESS_BACKEND): LocalStack when a container runtime answers, else embedded'],
    ['--endpoint URL', 'with --backend endpoint: a running emulator/LocalStack (env HARNESS_ENDPOINT); "aws" = real AWS'],
    ['--seed N', 'seed for all scenario randomness (env HARNESS_SEED; default: random, printed)'],
    ['--grep TEXT', 'only scenarios whose name contains TEXT'],
    ['--time virtual|X', 'embedded backend: a time scale (default 0.2: AWS durations run 5× faster) or virtual (env HARNESS_TIME)'],
    ['--keep', 'leave each scenario\'s resources in place (env HARNESS_KEEP=1)'],
    ['--allow-aws', 'permit real AWS (with --endpoint aws and --prefix)'],
    ['--prefix P', 'resource name prefix (required on real AWS)'],
    ['--concurrency N', 'scenarios run at once (env HARNESS_SCENARIO_CONCURRENCY; default 3 on embedded, else 1)'],
    ['--verbose, -v', 'print deploy actions and scenario notes as they happen'],
  ],
} as const satisfies CommandSpec;

export async function runCommand(argv: string[], io: Io): Promise<number> {
  const args = parseCommand(argv, spec, io.out);
  if (!args) return 0;
  const v = args.values;
  const seed = resolveSeed(v.seed as string | undefined);
  const files = args.positionals.length ? args.positionals.map((f) => path.resolve(f)) : defaultScenarioFiles();
  let scenarios = loadScenarioFiles(files);
  if (v.grep) scenarios = scenarios.filter((s) => s.name.includes(v.grep as string));
  if (scenarios.length === 0) {
    io.err(`no scenarios to run${v.grep ? ` (--grep ${JSON.stringify(v.grep)})` : ''}`);
    return 1;
  }

  const request = requestedBackend(v.backend as string | undefined);
  const choice = await chooseBackend(request, { source: v.backend ? '--backend' : process.env.HARNESS_BACKEND ? 'HARNESS_BACKEND' : 'requested' });
  io.out(`backend: ${choice.name} — ${choice.reason}`);
  io.out(`seed: ${seed} (replay with --seed ${seed})`);
  const time = timeFromEnv((v.time as string | undefined) ?? process.env.HARNESS_TIME);
  const backend = createBackend(choice.name, {
    ...(time !== undefined ? { embedded: { time } } : {}),
    ...(v.endpoint ? { endpoint: v.endpoint as string } : {}),
    allowAws: Boolean(v['allow-aws']),
    ...(v.prefix ? { prefix: v.prefix as string } : {}),
    log: (m) => io.err(m),
  });
  let connection: BackendConnection;
  try {
    connection = await backend.start();
  } catch (e) {
    io.err(`could not start backend ${choice.name}: ${(e as Error).message}`);
    await backend.stop().catch(() => {});
    return 1;
  }
  io.out(`using ${connection.description}`);
  // Each scenario has its own resource prefix, so several can share the backend.
  const concurrency =
    numberFlag((v.concurrency as string | undefined) ?? process.env.HARNESS_SCENARIO_CONCURRENCY, 'concurrency', (n) => Number.isInteger(n) && n >= 1) ??
    (connection.name === 'embedded' ? 3 : 1);
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
          keep: Boolean(v.keep) || process.env.HARNESS_KEEP === '1',
          ...(v.prefix ? { prefixBase: v.prefix as string } : {}),
          log: v.verbose ? io.out : () => {},
        });
        results[index] = result;
        const tail = result.status === 'skipped' ? ` (${result.reason})` : result.status === 'failed' ? ` — ${firstLine(result.error)}` : '';
        io.out(`${concurrency === 1 ? '  ' : ''}${symbol(result.status)} ${concurrency === 1 ? '' : `${def.name}: `}${result.status} in ${result.ms} ms${tail}`);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, scenarios.length) }, worker));
  } finally {
    await backend.stop().catch((e) => io.err(`stopping ${choice.name}: ${(e as Error).message}`));
  }

  io.out('');
  io.out(resultsTable(results));
  const failed = results.filter((r) => r.status === 'failed');
  for (const r of failed) {
    io.out('');
    io.out(`✗ ${r.name}${r.file ? ` (${path.relative(process.cwd(), r.file)})` : ''}, seed ${r.seed}, prefix ${r.prefix ?? '-'}:`);
    io.out(indent(r.error?.stack ?? String(r.error)));
  }
  const count = (s: string) => results.filter((r) => r.status === s).length;
  io.out('');
  io.out(`${count('passed')} passed, ${count('failed')} failed, ${count('skipped')} skipped (seed ${seed})`);
  return failed.length ? 1 : 0;
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
