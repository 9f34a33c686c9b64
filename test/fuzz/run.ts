/**
 * `npm run fuzz`: at least 10,000 fuzzed requests per protocol entry point (override with --runs N, --seed N),
 * then a health check. Prints per-service status counts; exits non-zero on the first failing case (printed
 * with its seed and path, so `--seed` reproduces it).
 */
import { parseArgs } from 'node:util';
import { startEmulator } from '../../emulator';
import { SERVICES } from './generators';
import { fuzzEntryPoint } from './fuzz';
import { seedFuzzResources } from './setup';

async function main() {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '10000' }, seed: { type: 'string', default: String(Date.now() % 1_000_000) } } });
  const runs = Number(values.runs);
  const seed = Number(values.seed);
  let causes = 0;
  const logged: string[] = [];
  const emu = await startEmulator({
    port: 0,
    log: (m) => {
      causes++;
      if (logged.length < 5) logged.push(m);
    },
  });
  try {
    await seedFuzzResources(emu);
    process.stdout.write(`fuzz: ${runs} cases per entry point, seed ${seed}\n`);
    for (const [name, arbitrary] of Object.entries(SERVICES)) {
      const started = Date.now();
      const stats = await fuzzEntryPoint(emu, arbitrary, { runs, seed, loggedCauses: () => causes });
      process.stdout.write(`${name.padEnd(10)} ${stats.cases} cases in ${((Date.now() - started) / 1000).toFixed(1)} s, statuses ${JSON.stringify(stats.byStatus)}, InternalError ${stats.internalErrors}\n`);
    }
    for (const m of logged) process.stdout.write(`logged cause: ${m.split('\n').slice(0, 6).join('\n')}\n`);
    const health = await fetch(`${emu.endpoint}/_harness/health`);
    if (health.status !== 200) throw new Error(`emulator unhealthy after fuzzing: ${health.status}`);
    process.stdout.write('fuzz: the emulator is still healthy\n');
  } finally {
    await emu.stop();
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
