import { existsSync } from 'node:fs';
import path from 'node:path';
import { timeFromEnv } from '../backends/embedded';
import { AllowlistError, DEFAULT_ALLOWLIST } from '../parity/allowlist';
import { BackendListError, executeParity, parseBackendList } from '../parity/run';
import { resolveSeed } from '../random';
import { defaultScenarioFiles } from '../scenario/registry';
import { UsageError, numberFlag, parseCommand, type CommandSpec } from './args';
import type { Io } from './io';

const spec = {
  name: 'parity',
  summary:
    'Runs scenarios on two or more backends with one seed and compares what each observably did, hop by hop (notification, delivery, invocation, report, DLQ, alert), after normalising ids, times, ARNs and prefixes. Writes a JSON report and a markdown summary; exits 1 on a divergence not in the allowlist.',
  usage: 's3-event-harness parity [files|names…] --backends embedded,localstack|endpoint[=URL] [--out parity-report.json]',
  positionals: true,
  options: {
    backends: { type: 'string' },
    out: { type: 'string' },
    allowlist: { type: 'string' },
    traces: { type: 'string' },
    seed: { type: 'string' },
    grep: { type: 'string' },
    endpoint: { type: 'string' },
    'ca-file': { type: 'string' },
    'allow-aws': { type: 'boolean' },
    prefix: { type: 'string' },
    region: { type: 'string' },
    time: { type: 'string' },
    concurrency: { type: 'string' },
    'quiet-ms': { type: 'string' },
    verbose: { type: 'boolean', short: 'v' },
  },
  help: [
    ['files|names…', 'scenario files, or (anything that is not a file) parts of scenario names; default: every scenarios/*.scenario.ts'],
    ['--backends LIST', 'two or more of embedded | localstack | endpoint[=URL], comma-separated; the first is the baseline (env HARNESS_PARITY_BACKENDS)'],
    ['--out FILE', 'JSON report (default parity-report.json); the markdown summary is written next to it (.md)'],
    ['--allowlist FILE', `known, explained differences (default ${DEFAULT_ALLOWLIST}, if present)`],
    ['--traces DIR', 'write the embedded backend\'s hop trace there (JSON Lines; open with `s3-event-harness report`)'],
    ['--seed N', 'one seed for every backend (env HARNESS_SEED; default random, printed)'],
    ['--grep TEXT', 'only scenarios whose name contains TEXT'],
    ['--endpoint URL', 'URL for a bare `endpoint` backend (env HARNESS_ENDPOINT); "aws" = real AWS'],
    ['--ca-file FILE', 'HTTPS endpoint with its own CA (e.g. AWS Emulator\'s ca.pem): trust it for that endpoint only (env HARNESS_CA_FILE)'],
    ['--allow-aws', 'permit real AWS (with endpoint=aws and --prefix)'],
    ['--prefix P', 'resource name prefix (required on real AWS)'],
    ['--region R', 'region of an endpoint backend (default env AWS_REGION, else us-east-1)'],
    ['--time virtual|X', 'embedded backend: time scale (default 0.2) or virtual (env HARNESS_TIME)'],
    ['--concurrency N', 'scenarios at once per backend (default 3 on embedded, else 1)'],
    ['--quiet-ms N', 'how long the pipeline must be quiet before a scenario\'s records are read (default: 10 polls, at least 1000)'],
    ['--verbose, -v', 'print deploy actions and scenario notes'],
  ],
} as const satisfies CommandSpec;

export async function parityCommand(argv: string[], io: Io): Promise<number> {
  const args = parseCommand(argv, spec, io.out);
  if (!args) return 0;
  const v = args.values;
  let backends;
  try {
    backends = parseBackendList((v.backends as string | undefined) ?? process.env.HARNESS_PARITY_BACKENDS);
  } catch (e) {
    if (e instanceof BackendListError) throw new UsageError(`parity: ${e.message}\nusage: ${spec.usage}`);
    throw e;
  }
  const files: string[] = [];
  const filters: string[] = [];
  for (const p of args.positionals) (existsSync(p) ? files : filters).push(p);
  if (v.grep) filters.push(v.grep as string);
  try {
    const { code } = await executeParity(
      {
        files: files.length ? files.map((f) => path.resolve(f)) : defaultScenarioFiles(),
        filters,
        backends,
        seed: resolveSeed(v.seed as string | undefined),
        ...(v.out ? { out: v.out as string } : {}),
        ...(v.allowlist ? { allowlist: v.allowlist as string, allowlistRequired: true } : {}),
        ...(v.traces ? { traces: v.traces as string } : {}),
        ...(v.endpoint ? { endpoint: v.endpoint as string } : {}),
        ...(v['ca-file'] ? { caFile: v['ca-file'] as string } : {}),
        allowAws: Boolean(v['allow-aws']),
        ...(v.prefix ? { prefix: v.prefix as string } : {}),
        ...(v.region ? { region: v.region as string } : {}),
        ...timeOption((v.time as string | undefined) ?? process.env.HARNESS_TIME),
        ...optional('concurrency', numberFlag(v.concurrency as string | undefined, 'concurrency', (n) => Number.isInteger(n) && n >= 1)),
        ...optional('quietMs', numberFlag(v['quiet-ms'] as string | undefined, 'quiet-ms', (n) => Number.isInteger(n) && n >= 0)),
        verbose: Boolean(v.verbose),
      },
      io,
    );
    return code;
  } catch (e) {
    if (e instanceof AllowlistError) {
      io.err(`parity: ${e.message}`);
      return 2;
    }
    throw e;
  }
}

function timeOption(value: string | undefined): { time?: 'virtual' | number } {
  try {
    const time = timeFromEnv(value);
    return time === undefined ? {} : { time };
  } catch (e) {
    throw new UsageError(`parity: --time: ${(e as Error).message}`);
  }
}

const optional = <K extends string, T>(key: K, value: T | undefined): { [P in K]?: T } => (value === undefined ? {} : ({ [key]: value } as { [P in K]?: T }));

export const paritySpec = spec;
