/**
 * The well-typed fuzzer against an emulator whose sts.GetCallerIdentity never returns: its handler spins the
 * CPU, as a synchronous loop over an adversarial count once did. Run by watchdog.test.ts, which expects the
 * watchdog to name the operation and kill this process; with `--no-block` the handler answers and the run must
 * end on its own, although the watchdog is never stopped.
 *   node bin/run-ts.js test/fuzz/blocking-target.ts <watchdog limit ms> [--no-block]
 */
import { startEmulator } from '../../emulator';
import { CauseLog, describeInput, WellTypedFuzzer } from './well-typed';
import type { SeededResources } from './well-typed-setup';
import { startWatchdog } from './watchdog';

async function main() {
  const limitMs = Number(process.argv[2] ?? 1000);
  const block = !process.argv.includes('--no-block');
  const log = new CauseLog();
  const emu = await startEmulator({ port: 0, log: log.sink });
  // Started after the emulator, so that a slow start on a busy machine is not taken for the blocked case.
  const watchdog = startWatchdog({ limitMs });
  if (block) {
    emu.providers.sts.GetCallerIdentity = () => {
      for (;;);
    };
  }
  // GetCallerIdentity's input names no resource: nothing needs seeding.
  const fuzzer = new WellTypedFuzzer(emu, log, {} as SeededResources, {
    casesPerOperation: 1,
    seed: 1,
    requestTimeoutMs: 1000,
    services: ['sts'],
    operations: ['GetCallerIdentity'],
    onCase: (service, operation, input) => watchdog.caseStarting(service, operation, describeInput(input).slice(0, 400)),
  });
  await fuzzer.run();
  process.stdout.write(`fuzzer finished: ${fuzzer.stats.sts.cases} case(s)\n`);
  fuzzer.destroy();
  await emu.stop();
  // The watchdog is deliberately not stopped: its worker and timer must not keep the process alive.
  void watchdog;
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 2;
});
