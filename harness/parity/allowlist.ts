import { existsSync, readFileSync } from 'node:fs';
import { HOPS, type DivergenceHop } from './hops';

/**
 * parity-allowlist.json: known, explained differences between backends. A divergence that every entry it
 * needs covers is reported (as allowed, with the entry's reason) but does not fail the run. Each entry must
 * say why the difference is acceptable; keep them narrow (a hop, a field path, a backend).
 *
 * {
 *   "entries": [{
 *     "id": "localstack-constant-sequencer",
 *     "hop": "notification",              one of the hops, "outcome", or "*"
 *     "kind": "fields",                   optional: fields | missing | status
 *     "path": "s3.object.sequencer",      optional (fields): a field path; `*` = one segment, `**` = any
 *     "match": "*",                       optional: a glob on the record's match key (missing records)
 *     "backends": ["localstack"],         optional: applies when either side is one of these: its name, its
 *                                         label, or what is behind it (an endpoint that answers as LocalStack
 *                                         is also "localstack"; real AWS "aws")
 *     "scenarios": ["…"],                 optional: only these scenarios
 *     "reason": "why this is fine",       required
 *     "reference": "URL or file"          optional
 *   }]
 * }
 */
export interface AllowlistEntry {
  id: string;
  hop: DivergenceHop | '*';
  kind?: 'fields' | 'missing' | 'status';
  path?: string;
  match?: string;
  backends?: string[];
  scenarios?: string[];
  reason: string;
  reference?: string;
}

export interface Allowlist {
  source: string;
  entries: AllowlistEntry[];
}

export const DEFAULT_ALLOWLIST = 'parity-allowlist.json';

export class AllowlistError extends Error {
  override name = 'AllowlistError';
}

/** Reads and checks an allowlist; a missing default file is an empty list, a missing named file an error. */
export function loadAllowlist(file: string, opts: { required?: boolean } = {}): Allowlist {
  if (!existsSync(file)) {
    if (opts.required) throw new AllowlistError(`allowlist ${file} does not exist`);
    return { source: `${file} (absent)`, entries: [] };
  }
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new AllowlistError(`${file}: not valid JSON (${(e as Error).message})`);
  }
  return { source: file, entries: checkEntries(data, file) };
}

export function checkEntries(data: unknown, source = '<allowlist>'): AllowlistEntry[] {
  const list = (data as { entries?: unknown })?.entries;
  if (!Array.isArray(list)) throw new AllowlistError(`${source}: expected {"entries": [...]}`);
  const hops: string[] = [...HOPS, 'outcome', '*'];
  const ids = new Set<string>();
  return list.map((raw, i) => {
    const e = raw as Partial<AllowlistEntry>;
    const where = `${source}: entry ${i}${e?.id ? ` (${e.id})` : ''}`;
    if (!e || typeof e !== 'object') throw new AllowlistError(`${where}: not an object`);
    if (typeof e.id !== 'string' || !e.id) throw new AllowlistError(`${where}: needs an "id"`);
    if (ids.has(e.id)) throw new AllowlistError(`${where}: duplicate id`);
    ids.add(e.id);
    if (typeof e.hop !== 'string' || !hops.includes(e.hop)) throw new AllowlistError(`${where}: "hop" must be one of ${hops.join(', ')}`);
    if (typeof e.reason !== 'string' || e.reason.trim().length < 10) throw new AllowlistError(`${where}: needs a "reason" that explains the difference`);
    if (e.kind !== undefined && !['fields', 'missing', 'status'].includes(e.kind)) throw new AllowlistError(`${where}: "kind" must be fields, missing or status`);
    for (const f of ['backends', 'scenarios'] as const) {
      if (e[f] !== undefined && (!Array.isArray(e[f]) || !e[f]!.every((x) => typeof x === 'string'))) throw new AllowlistError(`${where}: "${f}" must be a list of strings`);
    }
    for (const f of ['path', 'match', 'reference'] as const) {
      if (e[f] !== undefined && typeof e[f] !== 'string') throw new AllowlistError(`${where}: "${f}" must be a string`);
    }
    return e as AllowlistEntry;
  });
}

/** What is being judged: one difference of a divergence, or a whole missing record / outcome. */
export interface AllowQuery {
  scenario: string;
  hop: DivergenceHop;
  kind: 'fields' | 'missing' | 'status';
  /** Both sides' backend name and label. */
  backends: string[];
  match?: string;
  path?: string;
}

/** The entries that cover this difference (empty: not allowed). */
export function allowedBy(list: Allowlist, q: AllowQuery): AllowlistEntry[] {
  return list.entries.filter((e) => {
    if (e.hop !== '*' && e.hop !== q.hop) return false;
    if (e.kind && e.kind !== q.kind) return false;
    if (e.scenarios && !e.scenarios.includes(q.scenario)) return false;
    if (e.backends && !e.backends.some((b) => q.backends.includes(b))) return false;
    if (e.path !== undefined && (q.path === undefined || !globMatch(e.path, q.path, '.'))) return false;
    if (e.match !== undefined && (q.match === undefined || !globMatch(e.match, q.match, ' '))) return false;
    return true;
  });
}

/**
 * Segments split on `sep`: `**` matches any number of segments (also none), `*` inside a segment any
 * characters within it (`*` alone: one whole segment). A lone `*` or `**` pattern matches anything.
 */
export function globMatch(pattern: string, value: string, sep: string): boolean {
  if (pattern === '*' || pattern === '**') return true;
  const p = pattern.split(sep);
  const v = value.split(sep);
  const segment = (pat: string, seg: string) =>
    pat.includes('*') ? new RegExp(`^${pat.split('*').map((x) => x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`).test(seg) : pat === seg;
  const go = (i: number, j: number): boolean => {
    if (i === p.length) return j === v.length;
    if (p[i] === '**') return go(i + 1, j) || (j < v.length && go(i, j + 1));
    if (j === v.length) return false;
    return segment(p[i]!, v[j]!) && go(i + 1, j + 1);
  };
  return go(0, 0);
}
