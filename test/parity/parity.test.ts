import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../harness/cli/main';
import { executeRun } from '../../harness/cli/run';
import type { Io } from '../../harness/cli/io';
import { readTrace } from '../../harness/report/trace-file';
import { executeParity, type ParityReport } from '../../harness/parity';
import { startServed, type Served } from './serve';

/**
 * The parity run for real, without Docker: the embedded backend against the endpoint backend pointed at a
 * `serve`d emulator in a child process — so the endpoint path (identification, SDK over HTTP) and the whole
 * parity machinery (observation, normalisation, comparison, allowlist, report) run as they would against
 * LocalStack.
 */
const ROOT = path.resolve(__dirname, '..', '..');
const SCENARIOS = ['reports.scenario.ts', 'delivery.scenario.ts'].map((f) => path.join(ROOT, 'scenarios', f));
const FIXTURE = path.join(__dirname, 'fixtures', 'parity.scenario.ts');
const FAST = ['csv report', 'json report', 'fan-out to three queues'];
const INJECTED = 'parity fixture: rows differ by backend';
const NEEDS_FAULTS = 'parity fixture: needs service faults';

function captureIo(): Io & { text: () => string } {
  let text = '';
  return { out: (l) => (text += `${l}\n`), err: (l) => (text += `${l}\n`), text: () => text };
}

async function cli(...argv: string[]): Promise<{ code: number | undefined; out: string }> {
  const io = captureIo();
  const saved = process.exitCode;
  await main(argv, io);
  const code = process.exitCode as number | undefined;
  process.exitCode = saved;
  return { code, out: io.text() };
}

let served: Served;
const dir = mkdtempSync(path.join(os.tmpdir(), 'seh-parity-'));

beforeAll(async () => {
  served = await startServed(['--time-scale', '0.2']);
}, 90_000);
afterAll(async () => {
  await served?.stop();
}, 30_000);

describe('parity: embedded vs the endpoint backend on a served emulator', () => {
  let report: ParityReport;
  let out: string;
  const jsonPath = path.join(dir, 'parity-report.json');

  beforeAll(async () => {
    // The injected difference is allowlisted here; the next test runs it without an allowlist.
    const allowlist = path.join(dir, 'allowlist.json');
    writeFileSync(
      allowlist,
      JSON.stringify({ entries: [{ id: 'injected', hop: '*', kind: 'fields', scenarios: [INJECTED], reason: 'the fixture writes one row more off the embedded backend, on purpose' }] }),
    );
    const res = await cli('parity', ...SCENARIOS, FIXTURE, ...FAST, INJECTED, NEEDS_FAULTS, '--backends', `embedded,endpoint=${served.url}`, '--seed', '42', '--out', jsonPath, '--allowlist', allowlist, '--traces', path.join(dir, 'traces'));
    out = res.out;
    expect({ code: res.code, out }).toEqual({ code: 0, out: expect.any(String) });
    report = JSON.parse(readFileSync(jsonPath, 'utf8')) as ParityReport;
  }, 240_000);

  it('runs each scenario on both backends, both pass, and the real scenarios do not diverge', () => {
    expect(report.passed).toBe(true);
    expect(report.backends.map((b) => [b.label, b.error])).toEqual([['embedded', undefined], ['endpoint', undefined]]);
    expect(report.backends[1]!.description).toContain(`s3-event-harness emulator at ${served.url}`);
    for (const name of ['csv report', 'json report', 'fan-out to three queues, each processing once']) {
      const s = report.scenarios.find((x) => x.name === name)!;
      expect({ name, embedded: s.results.embedded!.status, endpoint: s.results.endpoint!.status, divergences: s.divergences }).toEqual({ name, embedded: 'passed', endpoint: 'passed', divergences: [] });
      expect(s.firstDivergence).toBeNull();
      // Something was compared: every run wrote reports and logged its processing.
      for (const label of ['embedded', 'endpoint']) {
        expect(s.observations[label]!.report.length).toBeGreaterThan(0);
        expect(s.observations[label]!.invocation.length).toBeGreaterThan(0);
      }
    }
  });

  it('compares the S3 event records as the fan-out topic delivered them, normalised', () => {
    const fan = report.scenarios.find((x) => x.name.startsWith('fan-out'))!;
    for (const label of ['embedded', 'endpoint']) {
      const put = fan.observations[label]!.notification.find((n) => n.record.eventName === 'ObjectCreated:Put')!;
      expect(put.match).toBe('events ObjectCreated:Put <prefix>-data/data/fan.csv');
      expect(put.record).toMatchObject({
        eventTime: '<time>',
        s3: { bucket: { name: '<prefix>-data', arn: 'arn:aws:s3:::<prefix>-data' }, object: { key: 'data/fan.csv', sequencer: '<sequencer:1>' } },
        responseElements: { 'x-amz-request-id': expect.stringMatching(/^<requestId:\d+>$/) },
      });
      expect(fan.observations[label]!.delivery.map((d) => d.record.topic)).toContain('events');
    }
  });

  it('reports an allowlisted difference as allowed, with the hop and the records side by side', () => {
    const s = report.scenarios.find((x) => x.name === INJECTED)!;
    expect(s.results.embedded!.status).toBe('passed');
    expect(s.results.endpoint!.status).toBe('passed');
    expect(s.divergences.length).toBeGreaterThan(0);
    expect(s.divergences.every((d) => d.allowed && d.allowedBy.includes('injected'))).toBe(true);
    expect(s.firstDivergence).toMatchObject({ hop: 'invocation', kind: 'fields', allowed: true, differences: [{ path: 'rows', left: 2, right: 3, allowedBy: ['injected'] }] });
    expect(report.allowlist.used).toEqual(['injected']);
  });

  it('skips a scenario that needs a capability the backend lacks, says why, and does not compare it', () => {
    const s = report.scenarios.find((x) => x.name === NEEDS_FAULTS)!;
    expect(s.results.embedded!.status).toBe('passed');
    expect(s.results.endpoint).toMatchObject({ status: 'skipped', reason: 'backend endpoint lacks faults' });
    expect(s.divergences).toEqual([]);
    expect(s.notes.join('\n')).toContain('not compared: skipped on endpoint');
    expect(out).toMatch(/\[endpoint\] ○ parity fixture: needs service faults: skipped in 0 ms \(backend endpoint lacks faults\)/);
  });

  it('writes a readable markdown summary next to the JSON, and the embedded trace', () => {
    const md = readFileSync(path.join(dir, 'parity-report.md'), 'utf8');
    expect(md).toContain('# Backend parity report');
    expect(md).toContain('**PASSED**');
    expect(md).toMatch(/\| csv report \| ✓ passed \| ✓ passed \| same \|/);
    expect(md).toContain(`First divergence: **invocation** (allowed)`);
    expect(md).toMatch(/\| rows \| `2` \| `3` \| ≠ allowed \(injected\) \|/);
    const tracePath = path.join(dir, 'traces', 'embedded.jsonl');
    expect(report.backends[0]!.trace).toBe(tracePath);
    const trace = readTrace(tracePath);
    expect(trace.header).toMatchObject({ backend: 'embedded', purpose: 'parity', seed: 42 });
    expect(trace.hops.some((h) => h.type.startsWith('lambda.'))).toBe(true);
    // For the reader of this test's output: the summary as a run prints it.
    process.stdout.write(`\n--- parity report excerpt ---\n${md.split('\n').slice(0, 40).join('\n')}\n`);
  });
});

describe('parity: a difference outside the allowlist', () => {
  it('fails the run and names the first divergence: the hop, the record, both shapes', async () => {
    const io = captureIo();
    const jsonPath = path.join(dir, 'injected.json');
    const { code, report } = await executeParity(
      {
        files: [FIXTURE],
        filters: [INJECTED],
        backends: [
          { name: 'embedded', label: 'embedded' },
          { name: 'endpoint', url: served.url, label: 'endpoint' },
        ],
        seed: 43,
        out: jsonPath,
        allowlist: path.join(dir, 'no-such-allowlist.json'),
      },
      io,
    );
    expect(code).toBe(1);
    expect(report!.passed).toBe(false);
    const s = report!.scenarios[0]!;
    expect(s.firstDivergence).toMatchObject({
      hop: 'invocation',
      kind: 'fields',
      allowed: false,
      between: ['embedded', 'endpoint'],
      match: 'processor processed s3://<prefix>-data/data/differs.csv',
      left: { function: 'processor', msg: 'processed', rows: 2 },
      right: { function: 'processor', msg: 'processed', rows: 3 },
      differences: [{ path: 'rows', left: 2, right: 3 }],
    });
    // The report hop diverges too (size, ETag, rows), after the invocation.
    expect(s.divergences.map((d) => d.hop)).toEqual(expect.arrayContaining(['invocation', 'report']));
    const text = io.text();
    expect(text).toContain('DIVERGES at invocation');
    expect(text).toContain('✗ parity fixture: rows differ by backend: first divergence at invocation');
    expect(text).toMatch(/\| rows \| `2` \| `3` \| ≠ \|/);
    expect(text).toContain('parity: divergences outside the allowlist');
    expect(existsSync(jsonPath.replace(/\.json$/, '.md'))).toBe(true);
  }, 120_000);
});

describe('run on a backend that lacks a capability', () => {
  it('skips the scenario there and prints the reason', async () => {
    const io = captureIo();
    const { code, results } = await executeRun({ files: [FIXTURE], names: [NEEDS_FAULTS], seed: 1, backend: 'endpoint', endpoint: served.url }, io);
    expect(code).toBe(0);
    expect(results.map((r) => [r.status, r.reason])).toEqual([['skipped', 'backend endpoint lacks faults']]);
    expect(io.text()).toMatch(/○ parity fixture: needs service faults: skipped in 0 ms \(backend endpoint lacks faults\)|  ○ skipped in 0 ms \(backend endpoint lacks faults\)/);
    expect(io.text()).toContain('0 passed, 0 failed, 1 skipped');
  }, 60_000);
});
