import { defaultScenarioFiles, loadScenarioFiles } from '../harness/scenario';
import { describeIfContainerRuntime, jestSeed, scenarioTests } from '../harness/scenario/jest';

// Every scenarios/*.scenario.ts, one jest test per scenario: on the embedded emulator always, and on
// LocalStack where a container runtime answers (otherwise that block is skipped, with the reason printed).
// HARNESS_BACKEND=endpoint with HARNESS_ENDPOINT=<url> adds a run against that endpoint (e.g. the compose sandbox).
const scenarios = loadScenarioFiles(defaultScenarioFiles());
const seed = jestSeed();

describe('scenarios on the embedded emulator', () => {
  scenarioTests('embedded', scenarios, { seed });
});

describeIfContainerRuntime('scenarios on LocalStack', () => {
  scenarioTests('localstack', scenarios, { seed, startTimeoutMs: 300_000, concurrency: 1 });
});

if (process.env.HARNESS_BACKEND === 'endpoint' && process.env.HARNESS_ENDPOINT) {
  describe(`scenarios on ${process.env.HARNESS_ENDPOINT}`, () => {
    scenarioTests('endpoint', scenarios, { seed, concurrency: 1 });
  });
}
