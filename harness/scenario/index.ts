/**
 * The scenario API. A scenario file (scenarios/*.scenario.ts):
 *
 *   import { scenario, expect } from '../harness/scenario';
 *   scenario('csv report', { topology: 'queue' }, async (s) => {
 *     await s.upload('data/a.csv', 'h1,h2\n1,2\n');
 *     await s.expectReport('data/a.csv', (r) => expect(r.rows).toBe(1));
 *   });
 *
 * `expect` is the jest `expect` package, so assertions read the same under jest and under the CLI.
 */
export { expect } from 'expect';
export { scenario, loadScenarioFiles, defaultScenarioFiles } from './registry';
export { runScenario, skipReason, scenarioPrefix } from './runner';
export { ScenarioContext, ExpectationError, type Count, type Within, type Upload, type Report } from './context';
export type { Alert, DlqMessage, ProbeMessage, LogEvent } from './observe';
export { compareSequencers, s3Event, s3EventRecord, s3TestEvent, staleArrivals } from './s3-events';
export { account, formatLedger, sinksOf, type Ledger, type LedgerEntry, type LedgerWrite, type Outcome } from './conservation';
export type { ScenarioOptions, ScenarioDefinition, ScenarioResult, ScenarioStatus } from './types';
