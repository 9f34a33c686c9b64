import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Capabilities } from '../backends/types';
import { DIVERGENCE_ORDER, type Divergence, type Side } from './compare';
import type { Json } from './hops';
import { flatten } from './normalise';

export const PARITY_REPORT_KIND = 's3-event-harness parity report';
export const PARITY_REPORT_VERSION = 1;

export interface BackendSummary {
  label: string;
  backend: string;
  /** What is behind it (an endpoint answering as LocalStack: `localstack`), as the allowlist sees it. */
  flavour?: string;
  description: string;
  capabilities?: Capabilities;
  /** Set when the backend did not start (every scenario then failed on it). */
  error?: string;
  /** The embedded emulator's hop trace, when --traces was given. */
  trace?: string;
}

export interface ScenarioParity {
  name: string;
  file?: string;
  /** Per backend label. */
  results: Record<string, { status: Side['status']; ms: number; reason?: string; error?: string; prefix?: string; settled?: boolean }>;
  /** Normalised records per backend label and hop (what was compared). */
  observations: Record<string, Side['hops'] | undefined>;
  divergences: Divergence[];
  /** The first divergence the allowlist does not cover (else the first allowed one). */
  firstDivergence: Divergence | null;
  notes: string[];
}

export interface ParityReport {
  kind: typeof PARITY_REPORT_KIND;
  version: number;
  generatedAt: string;
  seed: number;
  /** Every other backend is compared with this one (the first given). */
  baseline: string;
  backends: BackendSummary[];
  allowlist: { source: string; entries: number; used: string[]; unused: string[] };
  summary: { scenarios: number; same: number; allowedOnly: number; divergent: number; skipped: number };
  /** No divergence outside the allowlist, and every backend started. */
  passed: boolean;
  scenarios: ScenarioParity[];
}

/** `parity-report.json` → `parity-report.md`. */
export function markdownPathFor(jsonPath: string): string {
  return jsonPath.replace(/\.json$/i, '') + '.md';
}

export function writeParityReport(report: ParityReport, jsonPath: string): { json: string; markdown: string } {
  const markdown = markdownPathFor(jsonPath);
  mkdirSync(path.dirname(path.resolve(jsonPath)), { recursive: true });
  writeFileSync(jsonPath, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(markdown, renderMarkdown(report));
  return { json: jsonPath, markdown };
}

const icon = (status: string) => (status === 'passed' ? '✓' : status === 'failed' ? '✗' : '○');

export function verdict(s: ScenarioParity): string {
  const fatal = s.divergences.filter((d) => !d.allowed);
  if (fatal.length) return `DIVERGES at ${fatal.map((d) => d.hop).sort((a, b) => DIVERGENCE_ORDER.indexOf(a) - DIVERGENCE_ORDER.indexOf(b))[0]}`;
  if (s.divergences.length) return `same (${s.divergences.length} allowed)`;
  if (Object.values(s.results).some((r) => r.status === 'skipped')) return 'not compared (skipped)';
  return 'same';
}

/** The readable summary: a table per scenario and backend, then the first divergence of each, side by side. */
export function renderMarkdown(r: ParityReport): string {
  const labels = r.backends.map((b) => b.label);
  const lines: string[] = [
    '# Backend parity report',
    '',
    `${r.passed ? '**PASSED**' : '**FAILED**'} — ${r.summary.scenarios} scenarios: ${r.summary.same} the same, ${r.summary.allowedOnly} with allowed differences only, ${r.summary.divergent} diverging, ${r.summary.skipped} not compared. Seed ${r.seed}; baseline ${r.baseline}; generated ${r.generatedAt}.`,
    '',
    '| backend | what | capabilities |',
    '| --- | --- | --- |',
    ...r.backends.map((b) => `| ${b.label} | ${cell(b.error ? `did not start: ${b.error}` : b.description)} | ${b.capabilities ? Object.entries(b.capabilities).filter(([, v]) => v).map(([k]) => k).join(', ') : '-'} |`),
    '',
    `Allowlist: ${r.allowlist.source} (${r.allowlist.entries} ${r.allowlist.entries === 1 ? 'entry' : 'entries'}; used: ${r.allowlist.used.join(', ') || 'none'}${r.allowlist.unused.length ? `; unused: ${r.allowlist.unused.join(', ')}` : ''}).`,
    '',
    `| scenario | ${labels.join(' | ')} | parity |`,
    `| --- | ${labels.map(() => '---').join(' | ')} | --- |`,
    ...r.scenarios.map((s) => `| ${cell(s.name)} | ${labels.map((l) => resultCell(s.results[l])).join(' | ')} | ${verdict(s)} |`),
  ];
  for (const s of r.scenarios) {
    if (!s.divergences.length && !s.notes.length) continue;
    lines.push('', `## ${s.name}`);
    if (s.notes.length) lines.push('', ...s.notes.map((n) => `- note: ${n}`));
    const first = s.firstDivergence;
    if (first) {
      lines.push('', `First divergence: **${first.hop}**${first.allowed ? ' (allowed)' : ''} — ${describe(first)}`, '');
      lines.push(...sideBySide(first));
    }
    const rest = s.divergences.filter((d) => d !== first);
    if (rest.length) {
      lines.push('', `Other divergences (${rest.length}):`, '');
      for (const d of rest.slice(0, 20)) lines.push(`- ${d.allowed ? 'allowed' : '**not allowed**'}: ${d.hop} — ${describe(d)}`);
      if (rest.length > 20) lines.push(`- … ${rest.length - 20} more in the JSON report`);
    }
  }
  lines.push('', `Hops, in pipeline order: ${DIVERGENCE_ORDER.join(' → ')} (see docs/BACKENDS.md, "Parity").`, '');
  return lines.join('\n');
}

/** One line about a divergence. */
export function describe(d: Divergence): string {
  const [a, b] = d.between;
  const where = d.match ? `\`${d.match}\`` : '';
  switch (d.kind) {
    case 'status':
      return `${a} ${(d.left as { status: string }).status}, ${b} ${(d.right as { status: string }).status}`;
    case 'missing':
      return `${where} only on ${d.left ? a : b}${d.allowedBy.length ? ` [${d.allowedBy.join(', ')}]` : ''}`;
    case 'fields':
      return `${where}: ${d.differences.map((f) => `${f.path}${f.allowedBy ? ` [${f.allowedBy.join(', ')}]` : ''}`).join(', ')} differ`;
  }
}

/** Both records as a table, field by field; differing fields marked. */
export function sideBySide(d: Divergence): string[] {
  const [a, b] = d.between;
  const fa = d.left === null ? new Map<string, Json>() : flatten(d.left);
  const fb = d.right === null ? new Map<string, Json>() : flatten(d.right);
  const differing = new Map(d.differences.map((f) => [f.path, f]));
  const paths = [...new Set([...fa.keys(), ...fb.keys()])].sort();
  const show = (m: Map<string, Json>, p: string) => (m.has(p) ? `\`${short(JSON.stringify(m.get(p)))}\`` : '*(absent)*');
  return [
    `| field | ${a} | ${b} | |`,
    '| --- | --- | --- | --- |',
    ...paths.map((p) => {
      const f = differing.get(p);
      const mark = !f ? '' : f.allowedBy ? `≠ allowed (${f.allowedBy.join(', ')})` : '≠';
      return `| ${cell(p)} | ${cell(show(fa, p))} | ${cell(show(fb, p))} | ${mark} |`;
    }),
  ];
}

/** A few lines for the terminal. */
export function renderText(r: ParityReport): string {
  const labels = r.backends.map((b) => b.label);
  const rows = [['scenario', ...labels, 'parity'], ...r.scenarios.map((s) => [s.name, ...labels.map((l) => resultCell(s.results[l])), verdict(s)])];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const line = (row: string[]) => row.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  const out = [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)];
  for (const s of r.scenarios) {
    const d = s.firstDivergence;
    if (!d || d.allowed) continue;
    out.push('', `✗ ${s.name}: first divergence at ${d.hop} — ${describe(d)}`);
    out.push(...sideBySide(d).map((l) => `  ${l}`));
  }
  for (const b of r.backends) if (b.error) out.push('', `✗ backend ${b.label} did not start: ${b.error}`);
  out.push('', `${r.passed ? 'parity: no divergence outside the allowlist' : 'parity: divergences outside the allowlist'} (${r.summary.same} same, ${r.summary.allowedOnly} allowed only, ${r.summary.divergent} diverging, ${r.summary.skipped} not compared)`);
  return out.join('\n');
}

function resultCell(res: ScenarioParity['results'][string] | undefined): string {
  if (!res) return '-';
  return `${icon(res.status)} ${res.status}${res.status === 'skipped' && res.reason ? ` (${res.reason})` : ''}`;
}

const short = (s: string | undefined) => (s === undefined ? 'undefined' : s.length > 120 ? `${s.slice(0, 117)}…` : s);
const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
