import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultHtmlPath, reportCommand, writeReport } from '../../harness/report';

const SAMPLE = join(__dirname, '../fixtures/traces/sample.jsonl');

function capture() {
  const out = { stdout: '', stderr: '' };
  return { out, io: { out: (line: string) => void (out.stdout += `${line}\n`), err: (line: string) => void (out.stderr += `${line}\n`) } };
}

describe('report command', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'report-cli-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('prints help with --help and exits 0', async () => {
    const { out, io } = capture();
    expect(await reportCommand(['--help'], io)).toBe(0);
    expect(out.stdout).toMatch(/^usage: s3-event-harness report <trace\.jsonl> \[--out file\.html\] \[--mermaid KEY\]/);
  });

  it.each([
    [[], /name the trace file/],
    [['a.jsonl', 'b.jsonl'], /one trace file at a time \(got 2\)/],
    [['a.jsonl', '--bogus'], /Unknown option '--bogus'/],
    [['a.jsonl', '--out'], /--out/],
  ])('exits 2 with usage for %j', async (argv, message) => {
    const { out, io } = capture();
    expect(await reportCommand(argv, io)).toBe(2);
    expect(out.stderr).toMatch(message);
    expect(out.stderr).toContain('usage:');
  });

  it('writes the HTML next to the trace by default', async () => {
    const trace = join(dir, 'run.jsonl');
    copyFileSync(SAMPLE, trace);
    const { out, io } = capture();
    expect(await reportCommand([trace], io)).toBe(0);
    expect(out.stdout).toBe(`wrote ${join(dir, 'run.html')} (4 object lanes, 48 hops)\n`);
    expect(readFileSync(join(dir, 'run.html'), 'utf8')).toContain('<script id="trace-data" type="application/json">');
  });

  it('writes to --out, creating its folder', async () => {
    const target = join(dir, 'nested', 'deeper', 'timeline.html');
    const { io } = capture();
    expect(await reportCommand([SAMPLE, '--out', target], io)).toBe(0);
    expect(existsSync(target)).toBe(true);
  });

  it('prints only the Mermaid diagram on stdout with --mermaid, and writes no HTML unless --out is given', async () => {
    const trace = join(dir, 'run.jsonl');
    copyFileSync(SAMPLE, trace);
    const { out, io } = capture();
    expect(await reportCommand([trace, '--mermaid', 'incoming/orders-1.csv'], io)).toBe(0);
    expect(out.stdout.startsWith('sequenceDiagram\n')).toBe(true);
    expect(out.stderr).toBe('');
    expect(existsSync(join(dir, 'run.html'))).toBe(false);

    const both = capture();
    expect(await reportCommand([trace, '-m', 'daily report.csv', '-o', join(dir, 'x.html')], both.io)).toBe(0);
    expect(both.out.stdout.startsWith('sequenceDiagram\n')).toBe(true);
    expect(both.out.stderr).toMatch(/^wrote .*x\.html/);
    expect(existsSync(join(dir, 'x.html'))).toBe(true);
  });

  it('exits 1 naming the problem: a bad line, a missing file, an unknown key', async () => {
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, '{"kind":"header","version":1}\n{"kind":"hop","seq":0}\n');
    const a = capture();
    expect(await reportCommand([bad], a.io)).toBe(1);
    expect(a.out.stderr).toContain(`report: ${bad}:2: hop "type" must be a non-empty string`);

    const b = capture();
    expect(await reportCommand([join(dir, 'missing.jsonl')], b.io)).toBe(1);
    expect(b.out.stderr).toMatch(/ENOENT/);

    const c = capture();
    expect(await reportCommand([SAMPLE, '--mermaid', 'nope'], c.io)).toBe(1);
    expect(c.out.stderr).toMatch(/no object with key "nope"/);
  });
});

describe('writeReport', () => {
  it('returns what it wrote', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'report-'));
    try {
      const written = await writeReport(SAMPLE, join(dir, 't.html'), { title: 'custom <title>' });
      expect(written).toEqual({ outPath: join(dir, 't.html'), lanes: 4, hops: 48 });
      expect(readFileSync(written.outPath, 'utf8')).toContain('<title>custom &lt;title&gt;</title>');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('derives the default HTML path from the trace path', () => {
    expect(defaultHtmlPath('out/run.jsonl')).toBe('out/run.html');
    expect(defaultHtmlPath('out/run.json')).toBe('out/run.html');
    expect(defaultHtmlPath('trace')).toBe('trace.html');
  });
});
