import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../harness/cli/main';
import { compareTraces } from '../../harness/cli/replay';
import { readTrace } from '../../harness/report/trace-file';
import { emulatorSeed, skipReason } from '../../harness/scenario/runner';
import type { ScenarioDefinition } from '../../harness/scenario/types';

// Scenarios with `emulatorFaults` run on an embedded emulator of their own; a failing one says how to reproduce it.

async function cli(...argv: string[]): Promise<{ code: number | undefined; out: string }> {
  let out = '';
  const saved = process.exitCode;
  await main(argv, { out: (l) => (out += `${l}\n`), err: (l) => (out += `${l}\n`) });
  const code = process.exitCode as number | undefined;
  process.exitCode = saved;
  return { code, out };
}

const FIXTURE = path.join(__dirname, 'fixtures', 'faulted.scenario.ts');
const def = (options: Partial<ScenarioDefinition['options']>): ScenarioDefinition => ({ name: 'x', options: { topology: 'queue', ...options }, body: async () => {} });
const caps = (faults: boolean) => ({ faults, virtualTime: false, peek: false, reset: false, lambdaExecution: true });

describe('emulatorFaults', () => {
  it('needs the faults capability: skipped, with the reason, where the backend has none', () => {
    expect(skipReason(def({ emulatorFaults: 'duplicate=1' }), { name: 'localstack', capabilities: caps(false) })).toBe('backend localstack lacks faults');
    expect(skipReason(def({ emulatorFaults: 'duplicate=1' }), { name: 'embedded', capabilities: caps(true) })).toBeUndefined();
    // Handler faults (HARNESS_FAULTS) need no emulator of their own.
    expect(skipReason(def({ faults: { fail: { attempts: 1 } } }), { name: 'localstack', capabilities: caps(false) })).toBeUndefined();
  });

  it("seeds the scenario's emulator from the run's seed and the scenario's name", () => {
    expect(emulatorSeed(7, 'a')).toBe(emulatorSeed(7, 'a'));
    expect(emulatorSeed(7, 'a')).not.toBe(emulatorSeed(7, 'b'));
    expect(emulatorSeed(7, 'a')).not.toBe(emulatorSeed(8, 'a'));
  });

  it('a failing scenario prints its seed, the conservation failure and a reproduce line naming its faults', async () => {
    const { code, out } = await cli('run', FIXTURE, '--grep', 'not idempotent', '--seed', '21', '--backend', 'embedded');
    expect(code).toBe(1);
    expect(out).toMatch(/conservation failed:\n\s*duplicated side effects \(1\):/);
    expect(out).toContain(`seed 21`);
    expect(out).toMatch(/faults duplicate=1 with seed \d+/);
    const reproduce = out.split('\n').find((l) => l.includes('reproduce:'))!;
    expect(reproduce).toContain(`--grep 'fixture: not idempotent' --seed 21`);
    expect(reproduce).toContain(`# its own emulator: faults duplicate=1, emulator seed ${emulatorSeed(21, 'fixture: not idempotent')} (from --seed 21)`);
  });

  it("run --trace records the scenario's own emulator, and a replay takes the same course", async () => {
    const tracePath = path.join(mkdtempSync(path.join(os.tmpdir(), 'seh-own-')), 'run.jsonl');
    const run = await cli('run', FIXTURE, '--grep', 'duplicated', '--seed', '4', '--trace', tracePath);
    expect(run.code).toBe(0);
    const trace = readTrace(tracePath);
    expect(trace.hops.filter((h) => h.type === 'fault.duplicate')).toHaveLength(1);
    expect(trace.hops.some((h) => h.type === 'lambda.invoke.start')).toBe(true);
    // The scenario starts once S3's test events (from deploy) are consumed, so its upload never races them.
    const firstUpload = trace.hops.findIndex((h) => h.type === 's3.write' && String(h.key).startsWith('data/'));
    const testEventIds = trace.hops.slice(0, firstUpload).filter((h) => h.type === 'sqs.send').map((h) => h.messageId);
    expect(testEventIds.length).toBeGreaterThan(0);
    for (const id of testEventIds) {
      const deleted = trace.hops.findIndex((h) => h.type === 'sqs.delete' && h.messageId === id);
      expect({ id, deletedBeforeUpload: deleted >= 0 && deleted < firstUpload }).toEqual({ id, deletedBeforeUpload: true });
    }
    const replay = await cli('replay', tracePath);
    expect(replay.out).toContain('same outcome and the same hops');
    expect(compareTraces(trace, readTrace(tracePath.replace(/\.jsonl$/, '.replay.jsonl')))).toEqual([]);
  });
});
