import { allowedBy, type Allowlist } from './allowlist';
import { HOPS, type DivergenceHop, type HopName, type Json, type JsonObject } from './hops';
import { flatten, type NormalisedHops, type NormalisedRecord } from './normalise';

/** One backend's side of a scenario, as compared. */
export interface Side {
  /** Backend name (embedded | localstack | endpoint). */
  backend: string;
  /** How the report names it (unique within a run): `embedded`, `endpoint`, `endpoint#2`. */
  label: string;
  /** What is behind it, for the allowlist: an endpoint that answers as LocalStack is `localstack` (see `flavourOf`). */
  flavour?: string;
  status: 'passed' | 'failed' | 'skipped';
  /** First line of the failure. */
  error?: string;
  hops?: NormalisedHops;
  unobservable?: Partial<Record<HopName, string>>;
}

export interface FieldDifference {
  path: string;
  /** `undefined` in JSON output means the field is absent on that side. */
  left?: Json;
  right?: Json;
  /** Allowlist entries that cover it. */
  allowedBy?: string[];
}

export interface Divergence {
  scenario: string;
  hop: DivergenceHop;
  /** fields: a record on both sides with different fields; missing: a record on one side only; status: passed vs failed. */
  kind: 'fields' | 'missing' | 'status';
  /** The backends' labels: [baseline, other]. */
  between: [string, string];
  /** What the record is about (normalised), e.g. `processor processed s3://<prefix>-data/data/a.csv`. */
  match?: string;
  /** The two records (or outcomes) side by side; null where one side has none. */
  left: Json;
  right: Json;
  differences: FieldDifference[];
  /** Covered by the allowlist (every difference, or the whole divergence). */
  allowed: boolean;
  allowedBy: string[];
}

/** What runs behind a backend: the endpoint backend says so in its description (harness/backends/endpoint.ts). */
export function flavourOf(backend: string, description: string): string {
  if (backend !== 'endpoint') return backend;
  if (/^LocalStack\b/.test(description)) return 'localstack';
  if (/^s3-event-harness emulator\b/.test(description)) return 'embedded';
  if (/^real AWS\b/.test(description)) return 'aws';
  return 'endpoint';
}

/** Where hops are compared in order; `outcome` last. */
export const DIVERGENCE_ORDER: DivergenceHop[] = [...HOPS, 'outcome'];

/**
 * Compares one scenario on two backends: per hop, records are paired by their match key (identical records
 * first, then in order); a pair with different fields is a `fields` divergence, an unpaired record a
 * `missing` one; a passed/failed difference is an `outcome` divergence. Skipped sides are not compared.
 */
export function compareSides(scenario: string, a: Side, b: Side, allowlist: Allowlist): { divergences: Divergence[]; notes: string[] } {
  const notes: string[] = [];
  const divergences: Divergence[] = [];
  if (a.status === 'skipped' || b.status === 'skipped') return { divergences, notes: [`not compared: skipped on ${[a, b].filter((s) => s.status === 'skipped').map((s) => s.label).join(' and ')}`] };
  const backends = [a, b].flatMap((s) => [s.backend, s.label, ...(s.flavour ? [s.flavour] : [])]);
  const judge = (d: Omit<Divergence, 'allowed' | 'allowedBy'>): Divergence => {
    if (d.kind === 'fields') {
      const ids = new Set<string>();
      for (const f of d.differences) {
        const by = allowedBy(allowlist, { scenario, hop: d.hop, kind: 'fields', backends, ...(d.match ? { match: d.match } : {}), path: f.path }).map((e) => e.id);
        if (by.length) f.allowedBy = by;
        by.forEach((id) => ids.add(id));
      }
      return { ...d, allowed: d.differences.every((f) => f.allowedBy?.length), allowedBy: [...ids] };
    }
    const by = allowedBy(allowlist, { scenario, hop: d.hop, kind: d.kind, backends, ...(d.match ? { match: d.match } : {}) }).map((e) => e.id);
    return { ...d, allowed: by.length > 0, allowedBy: by };
  };

  for (const hop of HOPS) {
    const why = a.unobservable?.[hop] ?? b.unobservable?.[hop];
    if (why) {
      notes.push(`${hop}: not compared (could not be read: ${why})`);
      continue;
    }
    for (const d of compareHop(a.hops?.[hop] ?? [], b.hops?.[hop] ?? [])) divergences.push(judge({ scenario, hop, between: [a.label, b.label], ...d }));
  }
  if (a.status !== b.status) {
    divergences.push(
      judge({
        scenario,
        hop: 'outcome',
        kind: 'status',
        between: [a.label, b.label],
        left: { status: a.status, ...(a.error ? { error: a.error } : {}) },
        right: { status: b.status, ...(b.error ? { error: b.error } : {}) },
        differences: [{ path: 'status', left: a.status, right: b.status }],
      }),
    );
  }
  return { divergences, notes };
}

type HopDivergence = Pick<Divergence, 'kind' | 'match' | 'left' | 'right' | 'differences'>;

export function compareHop(left: NormalisedRecord[], right: NormalisedRecord[]): HopDivergence[] {
  const out: HopDivergence[] = [];
  const group = (list: NormalisedRecord[]) => {
    const m = new Map<string, NormalisedRecord[]>();
    for (const r of list) m.set(r.match, [...(m.get(r.match) ?? []), r]);
    return m;
  };
  const gl = group(left);
  const gr = group(right);
  const matches = [...new Set([...gl.keys(), ...gr.keys()])];
  for (const match of matches) {
    const ls = [...(gl.get(match) ?? [])];
    const rs = [...(gr.get(match) ?? [])];
    // Identical records pair first, so one differing record among equals is reported alone.
    for (let i = ls.length - 1; i >= 0; i--) {
      const j = rs.findIndex((r) => same(r.record, ls[i]!.record));
      if (j >= 0) {
        ls.splice(i, 1);
        rs.splice(j, 1);
      }
    }
    const n = Math.max(ls.length, rs.length);
    for (let i = 0; i < n; i++) {
      const l = ls[i];
      const r = rs[i];
      if (l && r) out.push({ kind: 'fields', match, left: l.record, right: r.record, differences: diffRecords(l.record, r.record) });
      else out.push({ kind: 'missing', match, left: l?.record ?? null, right: r?.record ?? null, differences: [] });
    }
  }
  return out;
}

/** Field-level differences between two records, by flattened path (a field absent on one side is a difference). */
export function diffRecords(a: JsonObject, b: JsonObject): FieldDifference[] {
  const fa = flatten(a);
  const fb = flatten(b);
  const paths = [...new Set([...fa.keys(), ...fb.keys()])].sort();
  const out: FieldDifference[] = [];
  for (const path of paths) {
    const x = fa.get(path);
    const y = fb.get(path);
    if (fa.has(path) && fb.has(path) && same(x!, y!)) continue;
    out.push({ path, ...(fa.has(path) ? { left: x } : {}), ...(fb.has(path) ? { right: y } : {}) });
  }
  return out;
}

const same = (x: Json, y: Json) => JSON.stringify(x) === JSON.stringify(y);

/** The first divergence in hop order that the allowlist does not cover, else the first allowed one. */
export function firstDivergence(list: Divergence[]): Divergence | undefined {
  const order = (d: Divergence) => DIVERGENCE_ORDER.indexOf(d.hop);
  const sorted = [...list].sort((x, y) => order(x) - order(y));
  return sorted.find((d) => !d.allowed) ?? sorted[0];
}
