import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { escapeHtml, jsonForScript, readTrace, renderTimeline, timelineData, type Trace } from '../../harness/report';

const SAMPLE = join(__dirname, '../fixtures/traces/sample.jsonl');
const KEY_B = 'incoming/<script>window.__pwned=1;</script> "Q4 #1".csv';

const scripts = (html: string) => [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)].map((m) => ({ attrs: m[1]!, body: m[2]! }));

describe('renderTimeline (the page as text)', () => {
  let trace: Trace;
  let html: string;
  beforeAll(() => {
    trace = readTrace(SAMPLE);
    html = renderTimeline(trace);
  });

  it('is self-contained: no external scripts, styles, images or URLs', () => {
    expect(html).not.toMatch(/\b(src|href)\s*=/i);
    expect(html).not.toMatch(/url\(/i);
    expect(html).not.toMatch(/https?:\/\//i);
    expect(html).not.toMatch(/<link\b/i);
    expect(html.startsWith('<!doctype html>')).toBe(true);
  });

  it('has exactly two scripts, the data and the drawing code, however hostile the keys', () => {
    expect(html.split('</script>')).toHaveLength(3);
    const [data, code] = scripts(html);
    expect(data!.attrs).toBe(' id="trace-data" type="application/json"');
    expect(code!.attrs).toBe('');
    expect(data!.body).not.toMatch(/[<>&]/);
    // The embedded data is exactly what the lanes module computed, hostile key included.
    const parsed = JSON.parse(data!.body);
    expect(parsed).toEqual(JSON.parse(JSON.stringify(timelineData(trace))));
    expect(parsed.lanes.map((l: { key?: string }) => l.key)).toContain(KEY_B);
  });

  it('allows only its own inline script and style, by hash', () => {
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)![1]!.replace(/&#39;/g, "'");
    const code = scripts(html)[1]!.body;
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)![1]!;
    const hash = (text: string) => createHash('sha256').update(text, 'utf8').digest('base64');
    expect(csp).toContain(`script-src 'sha256-${hash(code)}'`);
    expect(csp).toContain(`style-src 'sha256-${hash(style)}'`);
    expect(csp).toContain("default-src 'none'");
  });

  it('shows the header facts, escaped', () => {
    const hostile = renderTimeline({ ...trace, header: { ...trace.header, scenario: '<img src=x onerror=alert(1)>', faults: 'a"b' } });
    expect(hostile).toContain('<dd>&lt;img src=x onerror=alert(1)&gt;</dd>');
    expect(hostile).toContain('<dd>a&quot;b</dd>');
    expect(hostile).not.toContain('<img');
    for (const fact of ['scenario', 'seed', 'faults', 'backend', 'startedAt', 'outcome']) expect(html).toContain(`data-fact="${fact}"`);
    expect(html).toContain('<dd>duplicate=0.1,fail:processor=0.5,coalesce-unversioned=1s</dd>');
    expect(html).toContain('<dd class="outcome-failed">failed</dd>');
  });

  it('renders a trace with no hops', () => {
    const empty = renderTimeline({ header: { kind: 'header', version: 1 }, hops: [] });
    const data = JSON.parse(scripts(empty)[0]!.body);
    expect(data).toMatchObject({ lanes: [], start: 0, end: 0 });
  });
});

describe('escaping helpers', () => {
  it('escapeHtml escapes the five characters', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });

  it('jsonForScript keeps the value but not the markup', () => {
    const value = { k: '</script><!-- & \u2028\u2029' };
    const text = jsonForScript(value);
    expect(text).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.parse(text)).toEqual(value);
  });
});
