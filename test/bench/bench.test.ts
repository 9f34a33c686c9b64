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

  it('describes the machine and prints the table', () => {
    expect(result.machine).toEqual(expect.objectContaining({ cpuCount: expect.any(Number), totalMemoryMb: expect.any(Number), node: process.version }));
    expect(stdout).toMatch(/\| section +\| figure +\| value +\| target +\| met +\| note +\|/);
    expect(stdout).toMatch(/targets met/);
  });
});
