import { randomBytes } from 'node:crypto';
import { createClients } from '../../deploy-scripts/clients';
import { deploy } from '../../deploy-scripts/deploy';
import { MAX_PREFIX_LENGTH } from '../../deploy-scripts/pipeline';
import { teardown } from '../../deploy-scripts/teardown';
import { buildPipeline } from '../../deploy-scripts/topologies';
import type { RunningEmulator } from '../../emulator';
import { parseFaults } from '../../emulator/core/faults';
import { embeddedBackend } from '../backends/embedded';
import type { Backend, BackendConnection, Capabilities } from '../backends/types';
import { createRandom, hash32 } from '../random';
import { ScenarioContext } from './context';
import { recordHops } from './hops';
import type { ScenarioDefinition, ScenarioResult } from './types';

export interface RunScenarioOptions {
  seed: number;
  /** Progress lines (deploy actions, scenario notes). */
  log?: (line: string) => void;
  /** Leave the resources in place (HARNESS_KEEP=1) to look at them after a failure. */
  keep?: boolean;
  /** Start of every resource name (default `seh`, or the backend's required prefix on real AWS). */
  prefixBase?: string;
  /** Called with the emulator a scenario with `emulatorFaults` starts for itself (e.g. to trace its hops too). */
  onEmulator?: (emulator: RunningEmulator) => void;
}

/**
 * The seed of a scenario's own emulator: the run's seed mixed with the scenario's name, so `--seed N` with
 * `--grep` reproduces the same faults. Not the run's seed itself: the emulator seeds its id generator
 * process-wide, and two emulators started with one seed in one process would hand out the same ids again.
 */
export function emulatorSeed(seed: number, scenarioName: string): number {
  return (seed ^ hash32(`emulator:${scenarioName}`)) >>> 0;
}

/** Why a scenario cannot run on a backend with these capabilities, or undefined when it can. */
export function skipReason(def: ScenarioDefinition, backend: { name: string; capabilities: Capabilities }): string | undefined {
  if (def.options.backends && !def.options.backends.includes(backend.name as never)) {
    return `runs only on ${def.options.backends.join(', ')}`;
  }
  const required = ['lambdaExecution' as const, ...(def.options.emulatorFaults ? ['faults' as const] : []), ...(def.options.requires ?? [])];
  const missing = required.filter((c) => !backend.capabilities[c]);
  return missing.length ? `backend ${backend.name} lacks ${missing.join(', ')}` : undefined;
}

/**
 * A resource prefix unique to one run of one scenario: `<base>-<slug of the name>-<6 hex>`. The suffix is
 * not from the seed: it only keeps parallel runs (jest workers, two CI jobs on one account) apart.
 */
export function scenarioPrefix(name: string, base = 'seh'): string {
  const suffix = randomBytes(3).toString('hex');
  const room = MAX_PREFIX_LENGTH - base.length - suffix.length - 2;
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, Math.max(0, Math.min(room, 16)))
    .replace(/-+$/, '');
  return [base, slug, suffix].filter(Boolean).join('-');
}

/**
 * Deploys the scenario's pipeline under its own prefix, runs the body, tears the pipeline down. A scenario
 * with `emulatorFaults` gets an embedded emulator of its own (those faults, virtual time, `emulatorSeed`),
 * stopped afterwards instead of torn down.
 */
export async function runScenario(def: ScenarioDefinition, shared: BackendConnection, opts: RunScenarioOptions): Promise<ScenarioResult> {
  const started = Date.now();
  const { topology, requires: _r, backends: _b, timeoutMs, emulatorFaults, ...topologyOptions } = def.options;
  const own = emulatorFaults ? { emulatorFaults, emulatorSeed: emulatorSeed(opts.seed, def.name) } : {};
  const base: Omit<ScenarioResult, 'status' | 'ms'> = { name: def.name, ...(def.file ? { file: def.file } : {}), backend: shared.name, seed: opts.seed, ...own };
  const reason = skipReason(def, shared);
  if (reason) return { ...base, status: 'skipped', reason, ms: 0 };

  const log = opts.log ?? (() => {});
  let ownBackend: Backend | undefined;
  let backend = shared;
  if (emulatorFaults) {
    try {
      parseFaults(emulatorFaults); // a typo fails here, with the fault parser's message
      ownBackend = embeddedBackend({ time: 'virtual', faults: emulatorFaults, seed: own.emulatorSeed });
      backend = await ownBackend.start();
      opts.onEmulator?.(backend.emulator!);
      log(`  [${def.name}] own emulator: ${backend.description}`);
    } catch (e) {
      await ownBackend?.stop().catch(() => {});
      return { ...base, status: 'failed', error: e instanceof Error ? e : new Error(String(e)), ms: Date.now() - started };
    }
  }
  const prefix = scenarioPrefix(def.name, opts.prefixBase ?? backend.requiredPrefix ?? 'seh');
  const clients = createClients(backend);
  let result: ScenarioResult;
  // The scenario's trace hops (embedded backend), from before the deploy: S3's test events, early invocations.
  const bus = backend.emulator?.bus;
  const hops = bus ? recordHops(bus, ownBackend ? undefined : { prefix }) : undefined;
  try {
    const pipeline = buildPipeline(topology, {
      visibilityTimeoutSeconds: backend.timing.visibilityTimeoutSeconds,
      functionTimeoutSeconds: backend.timing.functionTimeoutSeconds,
      ...topologyOptions,
      prefix,
    });
    const resources = await deploy(clients, pipeline, { log: (line) => log(`  [${def.name}] ${line}`) });
    const s = new ScenarioContext({
      name: def.name,
      seed: opts.seed,
      random: createRandom(opts.seed).derive(def.name),
      backend,
      clients,
      resources,
      pipeline,
      ownEmulator: Boolean(ownBackend),
      ...(hops ? { hops } : {}),
      log,
    });
    if (!(await s.settle())) log(`  [${def.name}] the pipeline was still busy after deploy; starting anyway`);
    await withDeadline(def.body(s), timeoutMs ?? 4 * backend.timing.withinMs, def.name, () => s.describeState());
    result = { ...base, prefix, status: 'passed', ms: Date.now() - started };
  } catch (e) {
    result = { ...base, prefix, status: 'failed', error: e instanceof Error ? e : new Error(String(e)), ms: Date.now() - started };
  }
  hops?.stop();
  if (ownBackend) {
    // The emulator goes away with everything in it: nothing to tear down (and nothing --keep could keep).
    if (opts.keep) log(`  [${def.name}] ran on its own emulator, which is stopped now: --keep cannot keep its resources`);
  } else if (opts.keep) {
    log(`  [${def.name}] kept resources with prefix ${prefix} (tear down: s3-event-harness teardown --prefix ${prefix} …)`);
  } else {
    try {
      const report = await teardown(clients, prefix);
      if (report.errors.length) log(`  [${def.name}] teardown left: ${report.errors.join('; ')}`);
    } catch (e) {
      log(`  [${def.name}] teardown failed: ${(e as Error).message}`);
    }
  }
  clients.destroy();
  await ownBackend?.stop().catch((e) => log(`  [${def.name}] stopping its emulator: ${(e as Error).message}`));
  return result;
}

async function withDeadline<T>(work: Promise<T>, ms: number, name: string, describe: () => Promise<string>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      describe().then(
        (state) => reject(new Error(`scenario "${name}" did not finish within ${ms} ms\n${state}`)),
        () => reject(new Error(`scenario "${name}" did not finish within ${ms} ms`)),
      );
    }, ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
