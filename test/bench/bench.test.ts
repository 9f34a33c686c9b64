import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

// Proves every benchmark runs end to end (`npm run bench -- --quick`: tiny sizes, no scenario suite).
// No timing assertions: speed targets are judged by `npm run bench` itself, never by a test.
const ROOT = path.resolve(__dirname, '../..');

interface Figure {
  section: string;
  name: string;
  value: number | null;
  unit: string;
  target?: unknown;
  met?: boolean;
  skipped?: string;
  error?: string;
}

describe('npm run bench -- --quick', () => {
  let dir: string;
  let result: { mode: string; figures: Figure[]; ratios: { name: string; ratios: number[]; a: { perRound: number[] }; b: { perRound: number[] } }[]; errors: string[]; machine: Record<string, unknown> };
  let stdout = '';

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'bench-test-'));
    const out = path.join(dir, 'quick.json');
    const run = await promisify(execFile)(process.execPath, [path.join(ROOT, 'bin/run-ts.js'), path.join(ROOT, 'bench/index.ts'), '--quick', '--out', out], {
      cwd: ROOT,
      timeout: 280_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    stdout = run.stdout;
    result = JSON.parse(readFileSync(out, 'utf8'));
  }, 300_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('reports no benchmark errors', () => {
    expect(result.errors).toEqual([]);
    expect(result.figures.filter((f) => f.error)).toEqual([]);
    expect(result.mode).toBe('quick');
  });

  it('has every figure of every section as a finite number > 0', () => {
    const sections = new Set(result.figures.map((f) => f.section.split(' ')[0]));
    expect([...sections].sort()).toEqual(['1', '2', '3', '4', '5', '6', '7']);
    const measured = result.figures.filter((f) => !f.skipped);
    expect(measured.length).toBeGreaterThan(30);
    const bad = measured.filter((f) => typeof f.value !== 'number' || !Number.isFinite(f.value) || f.value <= 0);
    expect(bad).toEqual([]);
  });

  it('skips only the scenario suite, and says so', () => {
    expect(result.figures.filter((f) => f.skipped).map((f) => [f.section, f.skipped])).toEqual([['7 suite', 'skipped in --quick']]);
  });

  it('records both sides of every ratio, round by round', () => {
    expect(result.ratios.map((r) => r.name)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/fanout pipeline vs SDK floor/),
        expect.stringMatching(/PutObject.*vs s3rver/),
        expect.stringMatching(/GetObject.*vs s3rver/),
        expect.stringMatching(/SQS/),
      ]),
    );
    for (const r of result.ratios) {
      expect(r.a.perRound.length).toBe(r.ratios.length);
      expect(r.b.perRound.length).toBe(r.ratios.length);
      for (const x of [...r.a.perRound, ...r.b.perRound, ...r.ratios]) expect(Number.isFinite(x) && x > 0).toBe(true);
    }
  });

  it('counts the function processes the throughput pipeline used', () => {
    const t = (result as unknown as { details: { throughput: { functionProcesses?: number } } }).details.throughput;
    // Three data processors, each with at least one environment (Linux: read from /proc).
    if (process.platform === 'linux') expect(t.functionProcesses).toBeGreaterThanOrEqual(3);
    else expect(t.functionProcesses).toBeUndefined();
  });

  it('describes the machine and prints the table', () => {
    expect(result.machine).toEqual(expect.objectContaining({ cpuCount: expect.any(Number), totalMemoryMb: expect.any(Number), node: process.version }));
    expect(stdout).toMatch(/\| section +\| figure +\| value +\| target +\| met +\| note +\|/);
    expect(stdout).toMatch(/targets met/);
  });
});

describe('npm run bench -- --only throughput --reserved-concurrency', () => {
  const bench = (args: string[]) =>
    promisify(execFile)(process.execPath, [path.join(ROOT, 'bin/run-ts.js'), path.join(ROOT, 'bench/index.ts'), ...args], { cwd: ROOT, timeout: 120_000 });

  it('caps every function at N environments and says so', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-test-'));
    try {
      const out = path.join(dir, 'capped.json');
      const run = await bench(['--quick', '--only', 'throughput', '--reserved-concurrency', '1', '--out', out]);
      const result = JSON.parse(readFileSync(out, 'utf8'));
      expect(result.errors).toEqual([]);
      const t = result.details.throughput;
      expect(t.reservedConcurrency).toBe(1);
      // Three data processors, one environment each (uncapped, the same run starts several per function).
      if (process.platform === 'linux') expect(t.functionProcesses).toBe(3);
      expect(run.stdout).toMatch(/reserved concurrency 1 per function/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 150_000);

  it('refuses a value that is not a whole number of at least 1, or a run without the throughput section', async () => {
    await expect(bench(['--quick', '--only', 'throughput', '--reserved-concurrency', '0'])).rejects.toThrow(/--reserved-concurrency wants a whole number of at least 1, not "0"/);
    await expect(bench(['--quick', '--only', 'api', '--reserved-concurrency', '1'])).rejects.toThrow(/--reserved-concurrency applies to the throughput section only/);
  });
});
