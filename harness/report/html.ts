import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildLanes, type HopCategory, type HopFlag, type Lane, type LaneFlags, type LaneOptions, type LinkReason } from './lanes';
import type { Trace } from './trace-file';

/**
 * The timeline page: one self-contained HTML file (inline CSS and JS, no external assets) that draws a lane
 * per object version from the trace data embedded as JSON. The page's CSP allows only its own inline
 * script and style (by hash), so even a key that slipped through as markup could not run.
 */

export interface TimelineHop {
  seq: number;
  type: string;
  time: number;
  wallTime: number;
  category: HopCategory;
  flags: HopFlag[];
  linkedBy: LinkReason;
  /** The hop's own fields (bucket, key, messageId, error…). */
  fields: Record<string, unknown>;
}

export interface TimelineLane {
  id: string;
  other: boolean;
  label: string;
  bucket?: string;
  key?: string;
  versionId?: string;
  writeIndex?: number;
  /** How many unversioned lanes (writes) this key has. */
  writes: number;
  flags: LaneFlags;
  hops: TimelineHop[];
}

/** What the page's script draws (embedded as JSON). */
export interface TimelineData {
  header: Trace['header'];
  outcome?: Trace['outcome'];
  /** Earliest and latest virtual time of any hop. */
  start: number;
  end: number;
  lanes: TimelineLane[];
}

export interface TimelineOptions extends LaneOptions {
  /** The page title (default: "Trace timeline — <scenario>"). */
  title?: string;
}

const ASSETS = join(__dirname, 'assets');
let assets: { css: string; js: string } | undefined;
const loadAssets = () => (assets ??= { css: readFileSync(join(ASSETS, 'timeline.css'), 'utf8'), js: readFileSync(join(ASSETS, 'timeline.js'), 'utf8') });

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: unknown): string {
  return String(text).replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/** JSON that is safe inside a <script> element: no `</script>`, no `<!--`, no line separators. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

export function timelineData(trace: Trace, options: LaneOptions = {}): TimelineData {
  const model = buildLanes(trace, options);
  const writes = new Map<string, number>();
  for (const lane of model.lanes) {
    if (lane.versionId === undefined) writes.set(`${lane.bucket}\u0000${lane.key}`, (writes.get(`${lane.bucket}\u0000${lane.key}`) ?? 0) + 1);
  }
  const toLane = (lane: Lane): TimelineLane => ({
    id: lane.id,
    other: lane.other,
    label: lane.label,
    ...(lane.other ? {} : { bucket: lane.bucket, key: lane.key }),
    ...(lane.versionId !== undefined ? { versionId: lane.versionId } : {}),
    ...(lane.writeIndex !== undefined ? { writeIndex: lane.writeIndex } : {}),
    writes: writes.get(`${lane.bucket}\u0000${lane.key}`) ?? 0,
    flags: lane.flags,
    hops: lane.hops.map(({ hop, category, flags, linkedBy }) => {
      const { kind: _kind, seq, type, time, wallTime, ...fields } = hop;
      return { seq, type, time, wallTime, category, flags, linkedBy, fields };
    }),
  });
  const lanes = model.lanes.map(toLane);
  if (model.other.hops.length > 0) lanes.push(toLane(model.other));
  // A loop, not Math.min(...times): a long run has more hops than a call takes arguments.
  let start = Infinity;
  let end = -Infinity;
  for (const { time } of trace.hops) {
    if (time < start) start = time;
    if (time > end) end = time;
  }
  return {
    header: trace.header,
    ...(trace.outcome ? { outcome: trace.outcome } : {}),
    start: trace.hops.length ? start : 0,
    end: trace.hops.length ? end : 0,
    lanes,
  };
}

const LEGEND: { label: string; classes: string }[] = [
  { label: 'S3', classes: 'cat-s3' },
  { label: 'notification', classes: 'cat-notification' },
  { label: 'SQS', classes: 'cat-sqs' },
  { label: 'SNS', classes: 'cat-sns' },
  { label: 'Lambda', classes: 'cat-lambda' },
  { label: 'EventBridge', classes: 'cat-events' },
  { label: 'delivery', classes: 'cat-delivery' },
  { label: 'CloudWatch', classes: 'cat-cloudwatch' },
  { label: 'fault (injected)', classes: 'cat-fault' },
  { label: 'error', classes: 'cat-lambda error' },
  { label: 'retry', classes: 'cat-sqs retry' },
  { label: 'duplicate', classes: 'cat-sqs duplicate' },
  { label: 'DLQ', classes: 'cat-sqs dlq' },
  { label: 'coalesced', classes: 'cat-fault coalesced' },
  { label: 'delay', classes: 'cat-fault delay' },
  { label: 'placed by proximity', classes: 'cat-fault inferred' },
  { label: 'other', classes: 'cat-other' },
];

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

function headerFacts(data: TimelineData): string {
  const { header, outcome } = data;
  const facts: [string, string, string?][] = [];
  const known = ['scenario', 'seed', 'faults', 'backend', 'startedAt'];
  for (const field of known) if (header[field] !== undefined) facts.push([field, String(header[field])]);
  for (const [field, value] of Object.entries(header)) {
    if (field === 'kind' || field === 'version' || known.includes(field)) continue;
    facts.push([field, typeof value === 'string' ? value : JSON.stringify(value)]);
  }
  if (outcome) facts.push(['outcome', outcome.passed ? 'passed' : 'failed', outcome.passed ? 'outcome-passed' : 'outcome-failed']);
  const hops = data.lanes.reduce((n, l) => n + l.hops.length, 0);
  facts.push(['hops', String(hops)]);
  facts.push(['object lanes', String(data.lanes.filter((l) => !l.other).length)]);
  return facts
    .map(([name, value, cls]) => `<div data-fact="${escapeHtml(name)}"><dt>${escapeHtml(name)}</dt><dd${cls ? ` class="${cls}"` : ''}>${escapeHtml(value)}</dd></div>`)
    .join('');
}

export function renderTimeline(trace: Trace, options: TimelineOptions = {}): string {
  const { css, js } = loadAssets();
  const data = timelineData(trace, options);
  const title = options.title ?? `Trace timeline — ${trace.header.scenario ?? 'trace'}`;
  const csp = `default-src 'none'; script-src ${sha256(js)}; style-src ${sha256(css)}; img-src data:; base-uri 'none'; form-action 'none'`;
  const legend = LEGEND.map((l) => `<span class="legend-item"><span class="hop ${l.classes}"></span>${escapeHtml(l.label)}</span>`).join('');
  const outcome = trace.outcome
    ? `<details class="outcome"><summary>outcome: ${trace.outcome.passed ? 'passed' : 'failed'} — ${trace.outcome.reports?.length ?? 0} report(s), ${trace.outcome.dlq?.length ?? 0} DLQ message(s)</summary><pre>${escapeHtml(JSON.stringify(trace.outcome, null, 2))}</pre></details>`
    : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${css}</style>
</head>
<body>
<header class="trace-header">
<h1>${escapeHtml(title)}</h1>
<dl class="facts">${headerFacts(data)}</dl>
</header>
<div class="controls">
<label>filter by key <input id="filter" type="search" placeholder="substring of the object key" autocomplete="off"></label>
<label>time scale <select id="scale"><option value="compressed" selected>compressed gaps</option><option value="linear">linear</option></select></label>
<label>zoom <input id="zoom" type="range" min="0.25" max="8" step="0.05" value="1"></label>
<span id="lane-count"></span>
</div>
<div class="legend">${legend}</div>
<noscript><p>This timeline is drawn by JavaScript; the raw trace data is in the page source (script#trace-data).</p></noscript>
<div class="scroller"><div id="timeline" class="timeline"></div></div>
<section id="details"><h2 id="details-title">click a mark for its details</h2><pre id="details-body"></pre></section>
${outcome}
<script id="trace-data" type="application/json">${jsonForScript(data)}</script>
<script>${js}</script>
</body>
</html>
`;
}
