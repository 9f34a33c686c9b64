import { spawn } from 'node:child_process';
import { once } from 'node:events';
import * as path from 'node:path';

// The fuzzer's watchdog (test/fuzz/watchdog.ts): an emulator handler that spins the CPU blocks the fuzzer's own
// event loop, so only the watchdog's worker can report it. blocking-target.ts is the fuzzer against such a handler.
const ROOT = path.resolve(__dirname, '../..');
const EXIT_DEADLINE_MS = 20_000;

async function runTarget(args: string[]): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['bin/run-ts.js', 'test/fuzz/blocking-target.ts', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  try {
    const [code, signal] = await once(child, 'exit', { signal: AbortSignal.timeout(EXIT_DEADLINE_MS) });
    return { code, signal, stdout, stderr };
  } catch (err) {
    throw new Error(`the fuzzer did not exit within ${EXIT_DEADLINE_MS} ms (${(err as Error).name}); stdout: ${stdout} stderr: ${stderr}`);
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

describe('the well-typed fuzzer watchdog', () => {
  it('kills the process and names the operation when a handler blocks the event loop', async () => {
    const r = await runTarget(['1000']);
    expect(r.code === 0).toBe(false);
    expect(r.signal).toBe('SIGKILL');
    expect(r.stderr).toMatch(/emulator event loop blocked for \d+\.\d s during sts\.GetCallerIdentity; input: \{/);
    expect(r.stdout).not.toContain('fuzzer finished');
  });

  it('does not keep a normal run alive', async () => {
    // A limit far above the run's own length: a slow synchronous start on a busy machine must not trip it.
    const r = await runTarget(['15000', '--no-block']);
    expect(r).toMatchObject({ code: 0, signal: null });
    expect(r.stdout).toContain('fuzzer finished: 1 case(s)');
    expect(r.stderr).not.toContain('watchdog');
  });
});
