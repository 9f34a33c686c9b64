import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { waitFor } from '../../harness/wait';

const BIN = path.resolve(__dirname, '..', '..', 'bin', 's3-event-harness.js');

export interface Served {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * `s3-event-harness serve --port 0` as a child process, as a user would run it: the URL is read from its
 * `ready <url>` line. Stopped with SIGTERM (its own pid only), waiting for it to exit.
 */
export async function startServed(extra: string[] = []): Promise<Served> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', ...extra], {
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  child.on('exit', (code, signal) => (exited = { code, signal }));
  const url = await waitFor(
    () => {
      if (exited) throw new Error(`serve exited (${JSON.stringify(exited)}): ${err}`);
      return /^ready (http:\/\/127\.0\.0\.1:\d+)$/m.exec(out)?.[1];
    },
    { timeoutMs: 60_000, what: 'serve to print "ready <url>"', describe: () => `stdout: ${out}\nstderr: ${err}` },
  );
  return {
    url,
    child,
    async stop() {
      if (exited) return;
      child.kill('SIGTERM');
      await waitFor(() => exited, { timeoutMs: 20_000, what: 'serve to exit' }).catch(() => child.kill('SIGKILL'));
    },
  };
}
