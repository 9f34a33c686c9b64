import { startEmulator, type RunningEmulator } from '../../emulator';
import { checkKept, seedWellTyped, type SeededResources } from './well-typed-setup';
import { CauseLog, describeInput, groupFindings, harnessHealth, WellTypedFuzzer } from './well-typed';

// A few well-typed, adversarial inputs for every implemented operation of every service, through the official
// clients: no 5xx but 501, no hang, no answer the client cannot read; the emulator stays healthy and what was
// created first stays readable. `node bin/run-ts.js test/fuzz/run-well-typed.ts --cases 50` runs many more.
const CASES_PER_OPERATION = 6;
const SEED = 20261207;

let emu: RunningEmulator;
let kept: SeededResources;
let fuzzer: WellTypedFuzzer;
const log = new CauseLog();

beforeAll(async () => {
  // Time runs 50× fast, so a 20 s long poll is not mistaken for a hang.
  emu = await startEmulator({ port: 0, log: log.sink, timeScale: 0.02 });
  const seeded = await seedWellTyped(emu);
  kept = seeded.kept;
  fuzzer = new WellTypedFuzzer(emu, log, seeded.targets, { casesPerOperation: CASES_PER_OPERATION, seed: SEED, requestTimeoutMs: 4000 });
  await fuzzer.run();
  fuzzer.destroy();
}, 55_000);
afterAll(() => emu?.stop());

describe('well-typed adversarial inputs to every implemented operation', () => {
  it('reach every service', () => {
    const operations = Object.values(fuzzer.stats).reduce((n, s) => n + s.operations, 0);
    expect(Object.keys(fuzzer.stats).sort()).toEqual(Object.keys(emu.providers).sort());
    expect(operations).toBeGreaterThan(300);
  });

  it('never get a 5xx other than 501, a hang, a dropped connection or an unreadable answer', () => {
    const found = groupFindings(fuzzer.findings).map(
      (g) => `${g.example.kind} ${g.example.status ?? ''} ${g.operations.join(',')}: ${g.example.message} ${g.example.frame ?? ''} ← ${describeInput(g.example.input).slice(0, 300)}`,
    );
    expect(found).toEqual([]);
  });

  it('leave the emulator healthy and the resources created first readable', async () => {
    expect(await harnessHealth(emu)).toBe(200);
    expect(await checkKept(emu, kept)).toEqual([]);
  });
});
