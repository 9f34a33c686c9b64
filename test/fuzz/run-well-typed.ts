/**
 * The well-typed fuzzer from the command line: N cases per operation of every implemented operation, with a
 * seed; prints counts per service, then every distinct root cause with its smallest input.
 *   node bin/run-ts.js test/fuzz/run-well-typed.ts --cases 20 --seed 7 [--services s3,sqs] [--ops Publish] [--minimize]
 * Exits non-zero when anything was found, the emulator's health check fails or a kept resource is unreadable.
 * An input that blocks the event loop (a synchronous loop in the emulator) for longer than --watchdog ms
 * (default 3 × --timeout) is reported on stderr with its operation and input, and the process is killed.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startEmulator } from '../../emulator';
import { checkKept, seedWellTyped } from './well-typed-setup';
import { CauseLog, describeInput, groupFindings, harnessHealth, WellTypedFuzzer } from './well-typed';
import { startWatchdog } from './watchdog';

async function main() {
  const { values } = parseArgs({
    options: {
      cases: { type: 'string', default: '20' },
      seed: { type: 'string', default: String(Date.now() % 1_000_000) },
      timeout: { type: 'string', default: '5000' },
      watchdog: { type: 'string' },
      services: { type: 'string' },
      ops: { type: 'string' },
      minimize: { type: 'boolean', default: false },
      json: { type: 'string' },
      verbose: { type: 'boolean', default: false },
    },
  });
  const requestTimeoutMs = Number(values.timeout);
  const watchdog = startWatchdog({ limitMs: values.watchdog ? Number(values.watchdog) : 3 * requestTimeoutMs });
  const log = new CauseLog();
  // Time runs 50× fast, so a 20 s long poll or a delayed message is not mistaken for a hang.
  const emu = await startEmulator({ port: 0, log: log.sink, timeScale: 0.02 });
  const seed = Number(values.seed);
  const out = (line: string) => process.stdout.write(`${line}\n`);
  let failed = false;
  try {
    const { targets, kept } = await seedWellTyped(emu);
    out(`well-typed fuzz: ${values.cases} cases per operation, seed ${seed}`);
    const fuzzer = new WellTypedFuzzer(emu, log, targets, {
      casesPerOperation: Number(values.cases),
      seed,
      requestTimeoutMs,
      services: values.services?.split(','),
      operations: values.ops?.split(','),
      minimize: values.minimize,
      onProgress: out,
      onCase: (service, operation, input) => watchdog.caseStarting(service, operation, describeInput(input).slice(0, 400)),
    });
    await fuzzer.run();
    if (values.verbose) for (const [name, s] of Object.entries(fuzzer.stats)) out(`${name} 4xx codes: ${JSON.stringify(s.errorCodes)}`);
    fuzzer.destroy();
    const groups = groupFindings(fuzzer.findings);
    out(`\n${fuzzer.findings.length} findings, ${groups.length} distinct root causes`);
    for (const g of groups) {
      const f = g.example;
      out(`\n[${f.kind}${f.status ? ` ${f.status}` : ''}] ${g.operations.join(', ')} (${g.count}×)`);
      out(`  ${f.message}`);
      if (f.cause) out(`  cause: ${f.cause.split('\n').slice(0, 4).join('\n         ')}`);
      out(`  input (${f.service}.${f.operation}): ${describeInput(f.input).slice(0, 600)}`);
    }
    if (fuzzer.lenient.length) out(`\n${fuzzer.lenient.length} operations answered 2xx without a required member:`);
    for (const l of fuzzer.lenient) out(`  ${l.service}.${l.operation} without ${l.missing.join(', ')}: ${describeInput(l.input).slice(0, 200)}`);
    if (values.json) writeFileSync(values.json, JSON.stringify(groups.map((g) => ({ ...g, example: { ...g.example, input: describeInput(g.example.input) } })), null, 2));
    const health = await harnessHealth(emu);
    out(`\nhealth: ${health}`);
    const unreadable = await checkKept(emu, kept);
    for (const u of unreadable) out(`kept resource unreadable: ${u}`);
    failed = groups.length > 0 || health !== 200 || unreadable.length > 0;
  } finally {
    await emu.stop();
    await watchdog.stop();
  }
  process.exitCode = failed ? 1 : 0;
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 2;
});
