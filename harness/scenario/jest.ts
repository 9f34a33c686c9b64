import path from 'node:path';
import { createBackend } from '../backends';
import { detectContainerRuntimeSync } from '../backends/detect';
import { DEFAULT_EMBEDDED_TIME, timeFromEnv } from '../backends/embedded';
import type { BackendConnection, BackendName, Capabilities, RuntimeStatus } from '../backends/types';
import { resolveSeed } from '../random';
import { runScenario, skipReason } from './runner';
import type { ScenarioDefinition, ScenarioResult } from './types';

/**
 * Jest glue. Tests that need a container runtime go in `describeIfContainerRuntime`: without one they are
 * skipped — shown as skipped, with the reason printed — never failed and never silently passed.
 */
export function describeIfContainerRuntime(name: string, fn: () => void, detect: () => RuntimeStatus = detectContainerRuntimeSync): void {
  const status = detect();
  if (status.available) {
    describe(name, fn);
  } else {
    console.log(`skipping "${name}": ${status.reason}`);
    describe.skip(name, fn);
  }
}

/** What each backend can do, known before it starts (jest decides skips while collecting tests). */
export const EXPECTED_CAPABILITIES: Record<BackendName, Capabilities> = {
  embedded: { faults: true, virtualTime: (timeFromEnv(process.env.HARNESS_TIME) ?? DEFAULT_EMBEDDED_TIME) === 'virtual', peek: true, reset: true, lambdaExecution: true },
  localstack: { faults: false, virtualTime: false, peek: false, reset: false, lambdaExecution: true },
  endpoint: { faults: false, virtualTime: false, peek: false, reset: false, lambdaExecution: true },
};

/** The seed for this jest run: HARNESS_SEED, else a fresh one, printed so a failure can be replayed. */
export function jestSeed(): number {
  const seed = resolveSeed(undefined);
  console.log(`scenario seed ${seed} (replay with HARNESS_SEED=${seed})`);
  return seed;
}

/**
 * One jest test per scenario on one backend, started once for the block. A scenario whose needs the
 * backend cannot meet is a skipped test (reason printed).
 *
 * Scenarios are isolated by their resource prefixes, so several can share the backend at once:
 * `concurrency` (env HARNESS_SCENARIO_CONCURRENCY, default 3) runs that many ahead of jest's own
 * sequential order, and each test waits for its scenario's result. (With 1, each test runs its own
 * scenario when jest reaches it, so `-t` filters run only what they select.)
 */
export function scenarioTests(
  backendName: BackendName,
  scenarios: ScenarioDefinition[],
  opts: { seed: number; startTimeoutMs?: number; concurrency?: number },
): void {
  let backend: ReturnType<typeof createBackend> | undefined;
  let connection: BackendConnection | undefined;
  const concurrency = opts.concurrency ?? Math.max(1, Number(process.env.HARNESS_SCENARIO_CONCURRENCY ?? 3) || 1);
  beforeAll(async () => {
    backend = createBackend(backendName);
    connection = await backend.start();
  }, opts.startTimeoutMs ?? 180_000);
  afterAll(async () => {
    await pool?.drain();
    await backend?.stop();
  }, 120_000);

  const runnable: ScenarioDefinition[] = [];
  for (const def of scenarios) {
    const reason = skipReason(def, { name: backendName, capabilities: EXPECTED_CAPABILITIES[backendName] });
    if (reason) console.log(`skipping scenario "${def.name}" on ${backendName}: ${reason}`);
    else runnable.push(def);
  }
  const run = (def: ScenarioDefinition) => {
    if (!connection) return Promise.reject(new Error(`backend ${backendName} did not start`));
    return runScenario(def, connection, { seed: opts.seed, keep: process.env.HARNESS_KEEP === '1' });
  };
  const pool = concurrency > 1 ? new AheadPool(runnable, concurrency, run) : undefined;

  for (const def of scenarios) {
    if (!runnable.includes(def)) {
      test.skip(def.name, () => {});
      continue;
    }
    const own = (def.options.timeoutMs ?? 120_000) + 60_000;
    const timeout = pool ? own * Math.ceil(runnable.length / concurrency) : own;
    test(def.name, async () => {
      const result = await (pool ? pool.result(def) : run(def));
      if (result.status === 'skipped') throw new Error(`scenario was expected to run on ${backendName} but was skipped: ${result.reason}`);
      if (result.status === 'failed') throw withReproduce(result, backendName);
    }, timeout);
  }
}

/** The failure, ending with its seed and the commands that run just this scenario again. */
function withReproduce(result: ScenarioResult, backendName: BackendName): Error {
  const error = result.error ?? new Error(`scenario "${result.name}" failed`);
  const quoted = `'${result.name.replace(/'/g, `'\\''`)}'`;
  const file = result.file ? `${path.relative(process.cwd(), result.file)} ` : '';
  const own = result.emulatorFaults ? ` (on its own emulator: faults ${result.emulatorFaults}, emulator seed ${result.emulatorSeed})` : '';
  error.message += `\n\nseed ${result.seed}${own}; reproduce:\n  HARNESS_SEED=${result.seed} HARNESS_SCENARIO_CONCURRENCY=1 npx jest scenarios -t ${quoted}\n  npx s3-event-harness run ${file}--grep ${quoted} --seed ${result.seed} --backend ${backendName}`;
  return error;
}

/** Runs scenarios in order, `limit` at a time, starting when the first result is asked for. */
class AheadPool {
  private readonly results = new Map<ScenarioDefinition, Promise<ScenarioResult>>();
  private readonly resolvers = new Map<ScenarioDefinition, (r: Promise<ScenarioResult>) => void>();
  private started?: Promise<void>;

  constructor(
    private readonly defs: ScenarioDefinition[],
    private readonly limit: number,
    private readonly run: (def: ScenarioDefinition) => Promise<ScenarioResult>,
  ) {
    for (const def of defs) this.results.set(def, new Promise((resolve) => this.resolvers.set(def, resolve)));
  }

  result(def: ScenarioDefinition): Promise<ScenarioResult> {
    this.started ??= this.start();
    return this.results.get(def)!;
  }

  async drain(): Promise<void> {
    await this.started;
  }

  private async start(): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < this.defs.length) {
        const def = this.defs[next++]!;
        const p = this.run(def);
        this.resolvers.get(def)!(p);
        await p.catch(() => {});
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.limit, this.defs.length) }, worker));
  }
}
