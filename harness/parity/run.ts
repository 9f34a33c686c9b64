import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { createBackend } from '../backends';
import { endpointBackend } from '../backends/endpoint';
import type { Backend, BackendConnection, BackendName } from '../backends/types';
import type { Io } from '../cli/io';
import { TraceRecorder } from '../report/trace-file';
import { HopHub } from '../scenario/hops';
import { loadScenarioFiles } from '../scenario/registry';
import { runScenario } from '../scenario/runner';
import type { ScenarioDefinition } from '../scenario/types';
import { loadAllowlist, type Allowlist } from './allowlist';
import { compareSides, firstDivergence, flavourOf, type Divergence, type Side } from './compare';
import { HOPS, settledObservations, type Observations } from './hops';
import { normaliseObservations } from './normalise';
import { writeParityReport, renderText, PARITY_REPORT_KIND, PARITY_REPORT_VERSION, type BackendSummary, type ParityReport, type ScenarioParity } from './report';

/** One backend of a parity run: `embedded`, `localstack`, `endpoint` or `endpoint=URL`. */
export interface BackendSpec {
  name: BackendName;
  url?: string;
  /** Unique in the run: the name, or `name#2` for a second one. */
  label: string;
}

export class BackendListError extends Error {
  override name = 'BackendListError';
}

/** `embedded,localstack`, `embedded,endpoint=http://127.0.0.1:4566`: two or more. */
export function parseBackendList(text: string | undefined): BackendSpec[] {
  const items = (text ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const specs: BackendSpec[] = [];
  const seen = new Map<string, number>();
  for (const item of items) {
    const eq = item.indexOf('=');
    const name = (eq < 0 ? item : item.slice(0, eq)).toLowerCase();
    const url = eq < 0 ? undefined : item.slice(eq + 1);
    if (name !== 'embedded' && name !== 'localstack' && name !== 'endpoint') throw new BackendListError(`unknown backend "${name}" in --backends (embedded, localstack, endpoint[=URL])`);
    if (url !== undefined && name !== 'endpoint') throw new BackendListError(`only endpoint takes a URL (got ${item})`);
    if (url === '') throw new BackendListError(`endpoint= needs a URL (got ${item})`);
    const n = (seen.get(name) ?? 0) + 1;
    seen.set(name, n);
    specs.push({ name, ...(url ? { url } : {}), label: n > 1 ? `${name}#${n}` : name });
  }
  if (specs.length < 2) throw new BackendListError(`--backends needs two or more backends to compare, e.g. embedded,localstack (got ${JSON.stringify(text ?? '')})`);
  return specs;
}

export interface ParityRequest {
  files: string[];
  /** Only scenarios whose name contains one of these. */
  filters?: string[];
  backends: BackendSpec[];
  seed: number;
  /** JSON report path (the markdown summary goes next to it, .md). Default parity-report.json. */
  out?: string;
  /** Default parity-allowlist.json (absent: empty); a path given explicitly must exist. */
  allowlist?: string;
  allowlistRequired?: boolean;
  /** Directory for the embedded backend's hop trace (JSON Lines). */
  traces?: string;
  /** For a bare `endpoint`: its URL (else HARNESS_ENDPOINT); CA file for HTTPS; real-AWS guard. */
  endpoint?: string;
  caFile?: string;
  allowAws?: boolean;
  prefix?: string;
  region?: string;
  /** Embedded backend's time (scale or virtual). */
  time?: 'virtual' | number;
  /** Scenarios at once per backend (default 3 on embedded, 1 elsewhere). */
  concurrency?: number;
  /** How long the pipeline must be quiet before a scenario's records are read (default from the backend's poll interval). */
  quietMs?: number;
  verbose?: boolean;
}

interface Captured {
  observations: Observations & { settled: boolean };
  prefix: string;
  accountId: string;
}

interface BackendRun {
  summary: BackendSummary;
  sides: Map<ScenarioDefinition, Side & { ms: number; reason?: string; prefix?: string; settled?: boolean }>;
}

/**
 * Runs every scenario on every backend (backends side by side, same seed), reads what each run observably
 * did (hops.ts), normalises it (normalise.ts), compares each backend with the first (compare.ts), writes the
 * JSON and markdown report, and exits non-zero on a divergence the allowlist does not cover.
 */
export async function executeParity(req: ParityRequest, io: Io): Promise<{ code: number; report?: ParityReport }> {
  let scenarios = loadScenarioFiles(req.files);
  if (req.filters?.length) scenarios = scenarios.filter((s) => req.filters!.some((f) => s.name.includes(f)));
  if (scenarios.length === 0) {
    io.err(`parity: no scenarios to run${req.filters?.length ? ` (matching ${req.filters.map((f) => JSON.stringify(f)).join(', ')})` : ''}`);
    return { code: 1 };
  }
  const allowlist: Allowlist = loadAllowlist(req.allowlist ?? 'parity-allowlist.json', { required: Boolean(req.allowlistRequired) });
  io.out(`parity: ${scenarios.length} scenario(s) on ${req.backends.map((b) => b.label).join(', ')}; seed ${req.seed}; allowlist ${allowlist.source} (${allowlist.entries.length} ${allowlist.entries.length === 1 ? 'entry' : 'entries'})`);

  const runs = await Promise.all(req.backends.map((spec) => runBackend(spec, scenarios, req, io)));
  const [base, ...others] = runs;
  const used = new Set<string>();
  const results: ScenarioParity[] = scenarios.map((def) => {
    const sides = runs.map((r) => r.sides.get(def)!);
    const divergences: Divergence[] = [];
    const notes: string[] = [];
    for (const other of others) {
      const c = compareSides(def.name, base!.sides.get(def)!, other.sides.get(def)!, allowlist);
      divergences.push(...c.divergences);
      notes.push(...c.notes.map((n) => (others.length > 1 ? `${other.summary.label}: ${n}` : n)));
    }
    for (const s of sides) if (s.settled === false) notes.push(`${s.label}: the pipeline was still changing when its records were read`);
    for (const d of divergences) d.allowedBy.forEach((id) => used.add(id));
    return {
      name: def.name,
      ...(def.file ? { file: path.relative(process.cwd(), def.file) } : {}),
      results: Object.fromEntries(
        sides.map((s) => [s.label, { status: s.status, ms: s.ms, ...(s.reason ? { reason: s.reason } : {}), ...(s.error ? { error: s.error } : {}), ...(s.prefix ? { prefix: s.prefix } : {}), ...(s.settled !== undefined ? { settled: s.settled } : {}) }]),
      ),
      observations: Object.fromEntries(sides.map((s) => [s.label, s.hops])),
      divergences,
      firstDivergence: firstDivergence(divergences) ?? null,
      notes,
    };
  });

  const count = (p: (s: ScenarioParity) => boolean) => results.filter(p).length;
  const fatal = (s: ScenarioParity) => s.divergences.some((d) => !d.allowed);
  const skipped = (s: ScenarioParity) => Object.values(s.results).some((r) => r.status === 'skipped');
  const backendFailed = runs.some((r) => r.summary.error);
  const report: ParityReport = {
    kind: PARITY_REPORT_KIND,
    version: PARITY_REPORT_VERSION,
    generatedAt: new Date().toISOString(),
    seed: req.seed,
    baseline: base!.summary.label,
    backends: runs.map((r) => r.summary),
    allowlist: { source: allowlist.source, entries: allowlist.entries.length, used: [...used], unused: allowlist.entries.map((e) => e.id).filter((id) => !used.has(id)) },
    summary: {
      scenarios: results.length,
      same: count((s) => !skipped(s) && s.divergences.length === 0),
      allowedOnly: count((s) => !skipped(s) && s.divergences.length > 0 && !fatal(s)),
      divergent: count(fatal),
      skipped: count((s) => skipped(s) && !fatal(s)),
    },
    passed: !backendFailed && !results.some(fatal),
    scenarios: results,
  };
  const written = writeParityReport(report, req.out ?? 'parity-report.json');
  io.out('');
  io.out(renderText(report));
  io.out(`report: ${written.json} and ${written.markdown}`);
  const failedEverywhere = results.filter((s) => Object.values(s.results).every((r) => r.status === 'failed'));
  if (failedEverywhere.length) io.err(`note: ${failedEverywhere.length} scenario(s) failed on every backend (the same way is not a parity divergence): ${failedEverywhere.map((s) => s.name).join(', ')}`);
  return { code: report.passed ? 0 : 1, report };
}

function makeBackend(spec: BackendSpec, req: ParityRequest, io: Io): Backend {
  if (spec.name === 'endpoint') {
    const url = spec.url ?? req.endpoint;
    return endpointBackend({
      ...(url !== undefined ? { url } : {}),
      allowAws: Boolean(req.allowAws),
      ...(req.prefix ? { prefix: req.prefix } : {}),
      ...(req.region ? { region: req.region } : {}),
      ...(req.caFile ? { caFile: req.caFile } : {}),
    });
  }
  return createBackend(spec.name, {
    embedded: { ...(req.time !== undefined ? { time: req.time } : {}), seed: req.seed },
    log: (m) => io.err(`[${spec.label}] ${m}`),
  });
}

async function runBackend(spec: BackendSpec, scenarios: ScenarioDefinition[], req: ParityRequest, io: Io): Promise<BackendRun> {
  const sides: BackendRun['sides'] = new Map();
  const backend = makeBackend(spec, req, io);
  let connection: BackendConnection;
  try {
    connection = await backend.start();
  } catch (e) {
    const error = firstLine((e as Error).message);
    io.err(`[${spec.label}] could not start: ${error}`);
    await backend.stop().catch(() => {});
    for (const def of scenarios) sides.set(def, { backend: spec.name, label: spec.label, status: 'failed', error: `backend did not start: ${error}`, ms: 0 });
    return { summary: { label: spec.label, backend: spec.name, description: '', error }, sides };
  }
  io.out(`[${spec.label}] ${connection.description}`);
  const summary: BackendSummary = { label: spec.label, backend: spec.name, flavour: flavourOf(spec.name, connection.description), description: connection.description, capabilities: connection.capabilities };
  // The embedded backend's hops (and those of emulators scenarios with emulatorFaults start for themselves), as an artifact.
  const hub = req.traces && connection.emulator ? new HopHub() : undefined;
  if (hub) hub.add(connection.emulator!.bus);
  const recorder = hub ? new TraceRecorder({ seed: req.seed, backend: spec.name, purpose: 'parity', scenarios: scenarios.map((d) => d.name), files: req.files }).attach(hub) : undefined;
  const quietMs = req.quietMs ?? Math.max(1_000, 10 * connection.timing.pollMs);
  const settle = { quietMs, timeoutMs: Math.max(10_000, 6 * quietMs), intervalMs: Math.max(100, connection.timing.pollMs) };
  const concurrency = req.concurrency ?? (connection.name === 'embedded' ? 3 : 1);
  try {
    let next = 0;
    const worker = async () => {
      while (next < scenarios.length) {
        const def = scenarios[next++]!;
        let captured: Captured | undefined;
        // The body runs as written; afterwards (passed or failed), once the pipeline is quiet, its records are read.
        const observed: ScenarioDefinition = {
          ...def,
          body: async (s) => {
            let failure: unknown;
            try {
              await def.body(s);
            } catch (e) {
              failure = e;
            }
            try {
              captured = { observations: await settledObservations(s, settle), prefix: s.resources.prefix, accountId: s.resources.accountId };
            } catch (e) {
              io.err(`[${spec.label}] ${def.name}: could not read its records: ${(e as Error).message}`);
            }
            if (failure !== undefined) throw failure;
          },
        };
        const result = await runScenario(observed, connection, {
          seed: req.seed,
          log: req.verbose ? (l) => io.out(`[${spec.label}] ${l}`) : () => {},
          ...(hub ? { onEmulator: (emu) => void hub.add(emu.bus) } : {}),
        });
        const side: Side & { ms: number; reason?: string; prefix?: string; settled?: boolean } = {
          backend: spec.name,
          label: spec.label,
          flavour: flavourOf(spec.name, connection.description),
          status: result.status,
          ms: result.ms,
          ...(result.reason ? { reason: result.reason } : {}),
          ...(result.error ? { error: firstLine(result.error.message) } : {}),
          ...(result.prefix ? { prefix: result.prefix } : {}),
        };
        if (captured) {
          side.hops = normaliseObservations(captured.observations, { prefix: captured.prefix, accountId: captured.accountId });
          side.unobservable = captured.observations.unobservable;
          side.settled = captured.observations.settled;
        } else if (result.status !== 'skipped') {
          side.unobservable = Object.fromEntries(HOPS.map((h) => [h, 'the scenario ended before its records could be read']));
        }
        sides.set(def, side);
        const tail = result.status === 'skipped' ? ` (${result.reason})` : result.status === 'failed' ? ` — ${side.error}` : '';
        io.out(`[${spec.label}] ${result.status === 'passed' ? '✓' : result.status === 'failed' ? '✗' : '○'} ${def.name}: ${result.status} in ${result.ms} ms${tail}`);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, scenarios.length) }, worker));
  } finally {
    recorder?.detach();
    if (recorder && req.traces) {
      mkdirSync(req.traces, { recursive: true });
      const file = path.join(req.traces, `${spec.label.replace(/[^\w.-]+/g, '_')}.jsonl`);
      recorder.write(file, { passed: [...sides.values()].every((s) => s.status !== 'failed'), results: scenarios.map((d) => ({ name: d.name, status: sides.get(d)?.status ?? 'not run' })) });
      summary.trace = file;
    }
    await backend.stop().catch((e) => io.err(`[${spec.label}] stopping: ${(e as Error).message}`));
  }
  return { summary, sides };
}

const firstLine = (s: string) => s.split('\n')[0] ?? '';
