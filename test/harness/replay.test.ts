import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../harness/cli/main';
import { compareTraces, laneSignatures } from '../../harness/cli/replay';
import { readTrace, type Trace } from '../../harness/report/trace-file';

async function cli(...argv: string[]): Promise<{ code: number | undefined; out: string }> {
  let out = '';
  const saved = process.exitCode;
  await main(argv, { out: (l) => (out += `${l}\n`), err: (l) => (out += `${l}\n`) });
  const code = process.exitCode as number | undefined;
  process.exitCode = saved;
  return { code, out };
}

const SCENARIOS = path.resolve(__dirname, '..', '..', 'scenarios', 'reports.scenario.ts');

describe('run --trace, then replay', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'seh-trace-'));
  const tracePath = path.join(dir, 'run.jsonl');

  it('records every hop with the seed and faults, and a replay takes the same course', async () => {
    const run = await cli('run', SCENARIOS, '--grep', 'csv report', '--seed', '11', '--faults', 'duplicate=1', '--trace', tracePath);
    expect(run.code).toBe(0);
    const trace = readTrace(tracePath);
    expect(trace.header).toMatchObject({ seed: 11, faults: 'duplicate=1', scenarios: ['csv report'] });
    expect(trace.hops.some((h) => h.type === 'fault.duplicate')).toBe(true);
    expect(trace.hops.some((h) => h.type === 'lambda.invoke.start')).toBe(true);
    expect(trace.outcome).toMatchObject({ passed: true });

    const replay = await cli('replay', tracePath);
    expect(replay.out).toContain('same outcome and the same hops');
    expect(replay.code).toBe(0);
  });

  it('reports a divergence when an object version took another course', () => {
    const trace = readTrace(tracePath);
    const lanes = [...laneSignatures(trace).keys()];
    expect(lanes.length).toBeGreaterThan(0);
    // Drop one lambda hop: the replay must say which object and which hop differ.
    const dropAt = trace.hops.findIndex((h) => h.type === 'lambda.invoke.end');
    const altered: Trace = { ...trace, hops: trace.hops.filter((_, i) => i !== dropAt) };
    const diffs = compareTraces(trace, altered);
    expect(diffs.length).toBeGreaterThan(0);
    expect(diffs.join('\n')).toMatch(/hop \d+ was lambda\.invoke\.end|lambda\.invoke\.end/);
    expect(compareTraces(trace, trace)).toEqual([]);
  });

  it('writes an HTML timeline of the trace', async () => {
    const out = path.join(dir, 'run.html');
    const res = await cli('report', tracePath, '--out', out);
    expect(res.code).toBe(0);
    expect(readFileSync(out, 'utf8')).toContain('<html');
  });
});
