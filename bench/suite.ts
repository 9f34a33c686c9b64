import { spawn } from 'node:child_process';
import path from 'node:path';

/**
 * Suite time: wall time of `npx jest scenarios` (every scenario on the embedded emulator; the LocalStack
 * block skips itself without a container runtime) as a child process, from spawn to exit, jest's own
 * start-up included. A failing suite is reported as such, with its time.
 */
export interface SuiteFigures {
  seconds: number;
  passed: boolean;
  summary: string;
}

export async function benchSuite(): Promise<SuiteFigures> {
  const root = path.resolve(__dirname, '..');
  const started = process.hrtime.bigint();
  const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
    const child = spawn('npx', ['jest', 'scenarios'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: 'true' } });
    let output = '';
    child.stdout.on('data', (c) => (output += c));
    child.stderr.on('data', (c) => (output += c));
    child.on('error', reject);
    child.on('close', (c) => resolve({ code: c, output }));
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const summary = output.split('\n').find((l) => /^Tests:/.test(l.trim()))?.trim() ?? `exit code ${code}`;
  if (code !== 0) process.stderr.write(`bench: scenario suite failed (exit ${code}):\n${output.split('\n').slice(-40).join('\n')}\n`);
  return { seconds: Number(seconds.toFixed(1)), passed: code === 0, summary };
}
