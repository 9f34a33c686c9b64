import { randomBytes } from 'node:crypto';
import { createClients } from '../../deploy-scripts/clients';
import { deploy } from '../../deploy-scripts/deploy';
import { MAX_PREFIX_LENGTH } from '../../deploy-scripts/pipeline';
import { teardown } from '../../deploy-scripts/teardown';
import { buildPipeline } from '../../deploy-scripts/topologies';
import type { BackendConnection, Capabilities } from '../backends/types';
import { createRandom } from '../random';
import { ScenarioContext } from './context';
import type { ScenarioDefinition, ScenarioResult } from './types';

export interface RunScenarioOptions {
  seed: number;
  /** Progress lines (deploy actions, scenario notes). */
  log?: (line: string) => void;
  /** Leave the resources in place (HARNESS_KEEP=1) to look at them after a failure. */
  keep?: boolean;
  /** Start of every resource name (default `seh`, or the backend's required prefix on real AWS). */
  prefixBase?: string;
}

/** Why a scenario cannot run on a backend with these capabilities, or undefined when it can. */
export function skipReason(def: ScenarioDefinition, backend: { name: string; capabilities: Capabilities }): string | undefined {
  if (def.options.backends && !def.options.backends.includes(backend.name as never)) {
    return `runs only on ${def.options.backends.join(', ')}`;
  }
  const required = ['lambdaExecution' as const, ...(def.options.requires ?? [])];
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

/** Deploys the scenario's pipeline under its own prefix, runs the body, tears the pipeline down. */
export async function runScenario(def: ScenarioDefinition, backend: BackendConnection, opts: RunScenarioOptions): Promise<ScenarioResult> {
  const started = Date.now();
  const base: Omit<ScenarioResult, 'status' | 'ms'> = { name: def.name, ...(def.file ? { file: def.file } : {}), backend: backend.name, seed: opts.seed };
  const reason = skipReason(def, backend);
  if (reason) return { ...base, status: 'skipped', reason, ms: 0 };

  const log = opts.log ?? (() => {});
  const prefix = scenarioPrefix(def.name, opts.prefixBase ?? backend.requiredPrefix ?? 'seh');
  const clients = createClients(backend);
  const { topology, requires: _r, backends: _b, timeoutMs, ...topologyOptions } = def.options;
  let result: ScenarioResult;
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
      log,
    });
    await withDeadline(def.body(s), timeoutMs ?? 4 * backend.timing.withinMs, def.name, () => s.describeState());
    result = { ...base, prefix, status: 'passed', ms: Date.now() - started };
  } catch (e) {
    result = { ...base, prefix, status: 'failed', error: e instanceof Error ? e : new Error(String(e)), ms: Date.now() - started };
  }
  if (opts.keep) {
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
