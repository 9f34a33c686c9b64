import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';

/** An emulator in a child process (bench/lib/emulator-child.ts): its endpoint, and its RSS on request. */
export interface ChildEmulator {
  endpoint: string;
  pid: number;
  /** RSS of the emulator process after a full GC, in bytes. */
  rss(): Promise<{ rss: number; heapUsed: number; external: number; arrayBuffers: number }>;
  stop(): Promise<void>;
}

export async function startChildEmulator(): Promise<ChildEmulator> {
  const root = path.resolve(__dirname, '../..');
  const child: ChildProcess = fork(path.join(root, 'bin/run-ts.js'), [path.join(__dirname, 'emulator-child.ts')], {
    cwd: root,
    execArgv: ['--expose-gc'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = <T>(type: string): Promise<T> =>
    new Promise((resolve, reject) => {
      const onMessage = (m: any) => {
        if (m?.type !== type) return;
        cleanup();
        resolve(m as T);
      };
      const onExit = (code: number | null) => {
        cleanup();
        reject(new Error(`emulator child exited (code ${code}) while waiting for "${type}"`));
      };
      const cleanup = () => {
        child.off('message', onMessage);
        child.off('exit', onExit);
      };
      child.on('message', onMessage);
      child.on('exit', onExit);
    });
  const ready = await next<{ endpoint: string }>('ready');
  return {
    endpoint: ready.endpoint,
    pid: child.pid!,
    async rss() {
      const answer = next<{ rss: number; heapUsed: number; external: number; arrayBuffers: number }>('rss');
      child.send({ type: 'rss' });
      return answer;
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.send({ type: 'stop' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
