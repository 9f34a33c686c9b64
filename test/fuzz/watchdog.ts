/**
 * A watchdog for fuzzing an emulator that runs in the fuzzer's own process: an input that makes the emulator
 * spin synchronously blocks the fuzzer's event loop too, so no per-request deadline can fire. A worker thread
 * watches a heartbeat the main loop writes to shared memory; when it goes stale, the worker reports the case
 * that was being sent and kills the process (the blocked main thread cannot do either).
 */
import { Worker } from 'node:worker_threads';

export interface WatchdogOptions {
  /** How long the main loop may go without a heartbeat before the process is killed. */
  limitMs: number;
  /** How often the main loop writes the heartbeat and the worker looks at it. */
  intervalMs?: number;
}

export interface Watchdog {
  /** Tells the worker what is about to be sent (one postMessage, nothing else per request). */
  caseStarting(service: string, operation: string, input: string): void;
  stop(): Promise<void>;
}

// Plain JavaScript, evaluated in the worker: no loader needed under tsx or jest. It writes with fs.writeSync,
// because a worker's process.stderr is forwarded through the (blocked) main thread.
const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const { writeSync } = require('node:fs');
const heartbeat = new BigInt64Array(workerData.heartbeat);
let current = 'no case sent yet';
parentPort.on('message', (c) => { current = c.service + '.' + c.operation + '; input: ' + c.input; });
setInterval(() => {
  const staleMs = Date.now() - Number(Atomics.load(heartbeat, 0));
  if (staleMs < workerData.limitMs) return;
  // A full stderr pipe must not spare the process.
  try {
    writeSync(2, '\\nwatchdog: emulator event loop blocked for ' + (staleMs / 1000).toFixed(1) + ' s during ' + current + '\\n');
  } finally {
    process.kill(process.pid, 'SIGKILL');
  }
}, workerData.intervalMs);
`;

export function startWatchdog(opts: WatchdogOptions): Watchdog {
  const intervalMs = opts.intervalMs ?? Math.max(50, Math.min(1000, Math.floor(opts.limitMs / 4)));
  const shared = new SharedArrayBuffer(BigInt64Array.BYTES_PER_ELEMENT);
  const heartbeat = new BigInt64Array(shared);
  const beat = () => void Atomics.store(heartbeat, 0, BigInt(Date.now()));
  beat();
  const timer = setInterval(beat, intervalMs);
  timer.unref();
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { heartbeat: shared, limitMs: opts.limitMs, intervalMs } });
  // Neither the worker nor its port keeps a finished run alive.
  worker.unref();
  return {
    caseStarting: (service, operation, input) => worker.postMessage({ service, operation, input }),
    async stop() {
      clearInterval(timer);
      await worker.terminate();
    },
  };
}
