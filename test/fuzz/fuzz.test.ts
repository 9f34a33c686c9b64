import { startEmulator, type RunningEmulator } from '../../emulator';
import { SERVICES } from './generators';
import { fuzzEntryPoint } from './fuzz';
import { seedFuzzResources } from './setup';

// A small count here proves the property holds on every entry point; `npm run fuzz` runs 10,000 per entry point.
const RUNS = 150;
let emu: RunningEmulator;
let causes = 0;

beforeAll(async () => {
  emu = await startEmulator({ port: 0, log: () => void causes++ });
  await seedFuzzResources(emu);
});
afterAll(() => emu.stop());

describe.each(Object.keys(SERVICES))('fuzzed %s requests', (name) => {
  it('never crash, hang, answer 5xx or change state when they fail', async () => {
    const stats = await fuzzEntryPoint(emu, SERVICES[name]!, { runs: RUNS, seed: 20261123, loggedCauses: () => causes });
    expect(stats.cases).toBe(RUNS);
    expect(stats.internalErrors).toBe(0);
    const health = await fetch(`${emu.endpoint}/_harness/health`);
    expect(health.status).toBe(200);
  });
});
