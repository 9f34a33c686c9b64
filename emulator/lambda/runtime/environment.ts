import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { ScaledClock, type Clock, type Timer } from '../../core/clock';
import { randomHex } from '../../core/ids';
import { buildFunctionEnv, logGroupOf, newLogStreamName } from './env-vars';
import { LogCapture } from './log-capture';
import * as fmt from './log-format';
import { killGroup, track } from './host-exit';
import { platformLogFor, type PlatformLog } from './platform-log';
import { RuntimeApiServer, MAX_RESULT_BYTES, type ApiReply, type Delivery, type ResponseSink } from './runtime-api-server';
import type { Launcher } from './runtimes';
import type { FunctionSpec, InvokeResult, LogLine } from './types';

/** Largest streamed response (InvokeWithResponseStream, streaming function URLs): 200 MB since July 2025. */
export const MAX_STREAMED_BYTES = 200 * 1024 * 1024;
/** Lambda's limit on the init phase of an on-demand environment. */
const INIT_LIMIT_SECONDS = 10;
/** How long to wait for output still in the pipes once a result is in (only a runtime that crashed needs it). */
const LOG_DRAIN_CAP_MS = 1000;
/** Output printed between invocations is kept for the next one, up to this many lines. */
const MAX_PENDING_LINES = 1000;
/** Waits on the pipes are about real I/O, whatever clock the pool was given. */
const ioClock = new ScaledClock(1);

export interface EnvironmentOptions {
  spec: FunctionSpec;
  fingerprint: string;
  launcher: Launcher;
  host: string;
  endpointUrl: string;
  nodePath?: string;
  /** The folder playing /opt (the function's layers), shared by the environments of its version. */
  optDir?: string;
  clock: Clock;
  /** An idle environment is stopped after this long without work (0 = kept until retired). */
  idleTimeoutMs: number;
  /** Started ahead of any invocation for provisioned concurrency: never reclaimed while it stays provisioned. */
  provisioned?: boolean;
  /** `scope`: the function's account and Region, whose CloudWatch Logs the lines go to. */
  onLog?: (functionName: string, logStreamName: string, lines: LogLine[], logGroupName: string, scope: { region: string; accountId: string }) => void;
  /** The process is gone; the pool forgets this environment. */
  onDead: (env: ExecutionEnvironment) => void;
}

/** What the pool hands an environment to run. */
export interface Invocation {
  requestId: string;
  payload: Buffer;
  traceId: string;
  clientContext?: string;
  timeoutSeconds: number;
  /** The ARN the caller invoked (with its alias or version), for Lambda-Runtime-Invoked-Function-Arn. */
  invokedFunctionArn?: string;
  /**
   * The caller takes a streamed response as it comes (InvokeWithResponseStream): each chunk is handed over
   * at once and not kept; a returned promise pauses the runtime's stream until it settles (backpressure).
   * Without it, a streamed response is collected and returned whole (plain Invoke). `contentType` is the
   * stream's (setContentType; HttpResponseStream's marks a prelude that function URLs read).
   */
  onChunk?: (chunk: Buffer, contentType: string) => void | Promise<void>;
}

interface Outcome {
  payload: Buffer;
  functionError?: 'Unhandled';
  /** For the REPORT line of failed invocations. */
  errorType?: string;
  status?: 'timeout' | 'error';
}

interface Active extends Invocation {
  lines: LogLine[];
  assignedAt: number;
  deliveredAt?: number;
  initDurationMs?: number;
  timer?: Timer;
  timedOut: boolean;
  /** The runtime sent its peak RSS with the result (X-Emulator-Max-Rss-Kb): no need to read /proc. */
  rssReported?: boolean;
  outcome?: Outcome;
  /**
   * Bytes of a streamed response so far (collected in `chunks` unless the caller takes them as they come);
   * `overflow` once past the limit: the rest is dropped, and the invocation ends as the function ends or times out.
   */
  streamed?: { size: number; chunks: Buffer[]; limit: number; overflow?: boolean };
  finished: boolean;
  resolve: (r: InvokeResult) => void;
}

const errorDocument = (errorType: string, errorMessage: string): Buffer =>
  Buffer.from(JSON.stringify({ errorType, errorMessage }));

/** Peak resident memory of a live process, from /proc (Linux); undefined elsewhere. */
function procPeakKb(pid: number | undefined): number | undefined {
  if (pid === undefined || process.platform !== 'linux') return undefined;
  try {
    const m = /VmHWM:\s+(\d+)\s*kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * One execution environment: a runtime process, its own Runtime API server, and its log stream.
 * It runs one invocation at a time and stays warm between them.
 */
export class ExecutionEnvironment {
  state: 'starting' | 'idle' | 'busy' | 'dead' = 'starting';
  readonly functionName: string;
  /** The function version it runs (`$LATEST` or a number): environments never serve another version. */
  readonly version: string;
  readonly logStreamName: string;
  /** Where its lines go: the function's LoggingConfig LogGroup, or `/aws/lambda/<function>`. */
  readonly logGroupName: string;
  /** START / END / REPORT or their JSON records, and the application log level (LoggingConfig). */
  private readonly platform: PlatformLog;
  /** Set by retire(): finish the current invocation, then stop. */
  retireWhenIdle = false;
  /** Part of a version's provisioned concurrency: kept warm however long it idles. */
  provisioned: boolean;
  /** Resolves true once the runtime finished init and asked for work, false if the process died first. */
  readonly ready: Promise<boolean>;
  private markReady!: (ok: boolean) => void;

  private child!: ChildProcess;
  private server!: RuntimeApiServer;
  private logs!: LogCapture;
  private current?: Active;
  private deliverNext?: (d: Delivery) => void;
  private pendingLines: LogLine[] = [];
  private spawnedAt = 0;
  private initDone = false;
  private initTimer?: Timer;
  private idleTimer?: Timer;
  private initError?: Outcome;
  private peakRssKb = 0;
  private exited = false;
  private exit?: { code: number | null; signal: NodeJS.Signals | null; spawnError?: Error };
  private readonly exitPromise: Promise<void>;
  private markExited!: () => void;

  private constructor(private readonly o: EnvironmentOptions) {
    this.functionName = o.spec.functionName;
    this.version = o.spec.version ?? '$LATEST';
    this.logGroupName = logGroupOf(o.spec);
    const shared = this.logGroupName !== logGroupOf({ functionName: o.spec.functionName });
    this.logStreamName = newLogStreamName(o.clock.now(), this.version, shared ? o.spec.functionName : '');
    this.platform = platformLogFor(o.spec.logging, () => o.clock.now());
    this.exitPromise = new Promise((resolve) => (this.markExited = resolve));
    this.provisioned = o.provisioned ?? false;
    this.ready = new Promise((resolve) => (this.markReady = resolve));
  }

  get fingerprint(): string {
    return this.o.fingerprint;
  }
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts the server and the runtime process; the first invocation is given with run(). */
  static async start(o: EnvironmentOptions): Promise<ExecutionEnvironment> {
    const env = new ExecutionEnvironment(o);
    env.server = await RuntimeApiServer.listen(o.host, {
      onNext: (deliver) => env.onNext(deliver),
      onResult: (kind, id, body, headers) => env.onResult(kind, id, body, headers),
      onResultTooLarge: (id) => env.onResultTooLarge(id),
      onStream: (id, headers) => env.onStream(id, headers),
      onInitError: (body, headers) => env.onInitError(body, headers),
    });
    env.spawnRuntime();
    return env;
  }

  private spawnRuntime(): void {
    const { spec, launcher } = this.o;
    const markerToken = randomHex(8);
    const envVars = buildFunctionEnv({
      spec,
      runtimeApi: this.server.address,
      runtimeDir: launcher.runtimeDir,
      logStreamName: this.logStreamName,
      endpointUrl: this.o.endpointUrl,
      binDirs: launcher.binDirs,
      nodePath: launcher.family === 'node' ? this.o.nodePath : undefined,
      initializationType: this.provisioned ? 'provisioned-concurrency' : 'on-demand',
      optDir: this.o.optDir,
    });
    this.spawnedAt = performance.now();
    this.child = spawn(launcher.command, launcher.args(spec.memorySizeMb, markerToken), {
      cwd: spec.codeDir,
      env: envVars,
      detached: true, // own process group: a kill reaches everything the function started
      stdio: ['ignore', 'pipe', 'pipe'],
      windowsHide: true,
    });
    // Neither the process nor its pipes may keep the emulator (or a jest worker) alive.
    this.child.unref();
    (this.child.stdout as Socket | null)?.unref?.();
    (this.child.stderr as Socket | null)?.unref?.();
    track(this.child);
    this.logs = new LogCapture([this.child.stdout!, this.child.stderr!], markerToken, (line) => this.onLine(line));
    this.child.on('exit', (code, signal) => this.onExit(code, signal));
    this.child.on('error', (e) => {
      // A process that never started emits 'error' and no 'exit'.
      if (this.child.pid === undefined) this.onExit(null, null, e);
    });
    const initLimit = Math.max(INIT_LIMIT_SECONDS, spec.timeoutSeconds);
    this.initTimer = this.o.clock.setTimer(initLimit * 1000, () => {
      if (this.initDone || this.exited) return;
      if (this.current) {
        this.current.timedOut = true;
        this.current.timeoutSeconds = initLimit;
      }
      this.killProcess();
    });
  }

  /** Runs one invocation; resolves when it is over, however it ended. */
  run(inv: Invocation): Promise<InvokeResult> {
    this.idleTimer?.cancel();
    if (!this.exited) {
      this.state = 'busy';
      // Someone awaits this invocation: the process must keep the event loop alive until it ends.
      this.child.ref();
    }
    return new Promise((resolve) => {
      this.current = {
        ...inv,
        lines: this.pendingLines,
        assignedAt: performance.now(),
        timedOut: false,
        finished: false,
        resolve,
      };
      this.pendingLines = [];
      if (this.exited) this.failCurrent(); // it could not even start (spawn error)
      else if (this.deliverNext) this.deliver(this.current);
    });
  }

  /** Stops the process; resolves once it has exited. */
  kill(): Promise<void> {
    if (!this.exited) this.child.ref(); // the caller waits for the exit
    this.killProcess();
    return this.exitPromise;
  }

  /** Idle environments stop after a while without work, as Lambda reclaims them. */
  private keepWarm(): void {
    this.idleTimer?.cancel();
    if (this.o.idleTimeoutMs > 0 && !this.provisioned) {
      this.idleTimer = this.o.clock.setTimer(this.o.idleTimeoutMs, () => {
        if (this.state === 'idle') this.killProcess();
      });
    }
  }

  private killProcess(): void {
    if (this.exited) return;
    killGroup(this.child);
  }

  // ---- Runtime API ----

  private onNext(deliver: (d: Delivery) => void): void {
    if (!this.initDone) {
      this.initDone = true;
      this.initTimer?.cancel();
      const initMs = performance.now() - this.spawnedAt;
      if (this.current) this.current.initDurationMs = initMs;
      if (this.state === 'starting') this.state = 'idle';
      this.markReady(true);
    }
    this.deliverNext = deliver;
    const inv = this.current;
    if (inv && inv.deliveredAt === undefined && !inv.finished) this.deliver(inv);
  }

  private deliver(inv: Active): void {
    const deliver = this.deliverNext!;
    this.deliverNext = undefined;
    inv.deliveredAt = performance.now();
    const start = this.platform.start(inv.requestId, this.version);
    if (start !== undefined) inv.lines.push(this.line(start));
    const timeoutMs = inv.timeoutSeconds * 1000;
    inv.timer = this.o.clock.setTimer(timeoutMs, () => this.onTimeout(inv));
    deliver({
      requestId: inv.requestId,
      payload: inv.payload,
      deadlineMs: this.o.clock.now() + timeoutMs,
      functionArn: inv.invokedFunctionArn ?? this.o.spec.functionArn,
      traceId: inv.traceId,
      clientContext: inv.clientContext,
    });
  }

  private onResult(
    kind: 'response' | 'error',
    requestId: string,
    body: Buffer,
    headers: Record<string, string | string[] | undefined>,
  ): ApiReply {
    const inv = this.current;
    const refused = this.refuseResult(inv, requestId, headers);
    if (refused || !inv) return refused!;
    if (kind === 'response') {
      inv.outcome = { payload: body };
    } else {
      // A function error is a normal end as far as REPORT goes: no Status, unlike crashes and timeouts.
      inv.outcome = { payload: body, functionError: 'Unhandled' };
    }
    void this.finishAfterOutput(inv);
    return { status: 202 };
  }

  /** Why a result for `requestId` cannot be taken now, if it cannot; notes the peak memory the runtime sent. */
  private refuseResult(inv: Active | undefined, requestId: string, headers: Record<string, string | string[] | undefined>): ApiReply | undefined {
    if (!inv || inv.requestId !== requestId || inv.deliveredAt === undefined) {
      return { status: 400, errorType: 'InvalidRequestID', errorMessage: 'Invalid request ID' };
    }
    if (inv.outcome || inv.timedOut || inv.finished || inv.streamed) {
      return {
        status: 403,
        errorType: 'InvalidStateTransition',
        errorMessage: `Invocation ${requestId} already has a result`,
      };
    }
    const rss = Number(headers['x-emulator-max-rss-kb']);
    if (rss > 0) {
      this.peakRssKb = Math.max(this.peakRssKb, rss);
      inv.rssReported = true;
    }
    return undefined;
  }

  /**
   * A streamed response: chunks go to the caller as they arrive (or are collected for a buffered Invoke, which
   * keeps the 6 MB limit). An error raised mid-stream comes in the trailers, its document base64-encoded.
   */
  private onStream(requestId: string, headers: Record<string, string | string[] | undefined>): ResponseSink | ApiReply {
    const inv = this.current;
    const refused = this.refuseResult(inv, requestId, headers);
    if (refused || !inv) return refused!;
    const limit = inv.onChunk ? MAX_STREAMED_BYTES : MAX_RESULT_BYTES;
    const streamed: NonNullable<Active['streamed']> = (inv.streamed = { size: 0, chunks: [], limit });
    const open = () => !inv.outcome && !inv.timedOut && !inv.finished;
    const contentType = String(headers['content-type'] ?? 'application/octet-stream');
    return {
      data: (chunk) => {
        if (!open() || streamed.overflow) return undefined;
        streamed.size += chunk.length;
        if (streamed.size > limit) {
          // Not finished here: the function is still writing, and its environment is not free until it stops.
          streamed.overflow = true;
          streamed.chunks = [];
          return undefined;
        }
        if (inv.onChunk) return inv.onChunk(chunk, contentType);
        streamed.chunks.push(chunk);
        return undefined;
      },
      end: (trailers) => {
        if (!open()) return { status: 202 };
        const errorType = String(trailers['lambda-runtime-function-error-type'] ?? '');
        if (streamed.overflow) {
          inv.outcome = tooLargeOutcome(limit);
        } else if (errorType) {
          const body = String(trailers['lambda-runtime-function-error-body'] ?? '');
          const payload = body ? Buffer.from(body, 'base64') : errorDocument(errorType, '');
          inv.outcome = { payload, functionError: 'Unhandled' };
        } else {
          inv.outcome = { payload: Buffer.concat(streamed.chunks) };
        }
        void this.finishAfterOutput(inv);
        return { status: 202 };
      },
    };
  }

  private onResultTooLarge(requestId: string): void {
    const inv = this.current;
    if (!inv || inv.requestId !== requestId || inv.outcome || inv.finished) return;
    inv.outcome = tooLargeOutcome(MAX_RESULT_BYTES);
    void this.finishAfterOutput(inv);
  }

  private onInitError(body: Buffer, headers: Record<string, string | string[] | undefined>): ApiReply {
    if (this.initDone) {
      return { status: 403, errorType: 'InvalidStateTransition', errorMessage: 'Init already completed' };
    }
    const errorType = String(headers['lambda-runtime-function-error-type'] ?? '') || errorTypeOf(body);
    this.initError = { payload: body, functionError: 'Unhandled', status: 'error', errorType };
    // An environment whose init failed is never used; Lambda tears it down.
    this.killProcess();
    return { status: 202 };
  }

  // ---- Process and output ----

  private line(message: string): LogLine {
    return { timestamp: this.o.clock.now(), message };
  }

  private onLine(message: string): void {
    if (!this.platform.keeps(message)) return;
    const inv = this.current;
    if (inv && !inv.finished) inv.lines.push(this.line(message));
    else if (this.pendingLines.length < MAX_PENDING_LINES) this.pendingLines.push(this.line(message));
  }

  private onTimeout(inv: Active): void {
    if (inv.outcome || inv.finished || this.exited) return;
    inv.timedOut = true;
    this.peakRssKb = Math.max(this.peakRssKb, procPeakKb(this.child.pid) ?? 0);
    this.killProcess();
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null, spawnError?: Error): void {
    if (this.exited) return;
    this.exited = true;
    this.state = 'dead';
    this.initTimer?.cancel();
    this.idleTimer?.cancel();
    this.server.close();
    // The group may outlive its leader (a function's own child processes).
    if (this.child.pid !== undefined && process.platform !== 'win32') {
      try {
        process.kill(-this.child.pid, 'SIGKILL');
      } catch {
        // group already empty
      }
    }
    this.o.onDead(this);
    this.markReady(false);
    this.markExited();

    this.exit = { code, signal, spawnError };
    if (this.current) this.failCurrent();
    else if (this.pendingLines.length && this.o.onLog) {
      this.o.onLog(this.functionName, this.logStreamName, this.pendingLines, this.logGroupName, this.o.spec);
      this.pendingLines = [];
    }
  }

  /** The process is gone with an invocation still open: say why, as Lambda would. */
  private failCurrent(): void {
    const inv = this.current;
    if (!inv || inv.finished || inv.outcome || !this.exit) return;
    const { code, signal, spawnError } = this.exit;
    inv.timer?.cancel();
    const failed = (errorType: string, message: string): Outcome => ({
      payload: errorDocument(errorType, message),
      functionError: 'Unhandled',
      status: 'error',
      errorType,
    });
    if (inv.streamed?.overflow) {
      // Past the size limit first; the timeout (or crash) only ended what was already a failed invocation.
      inv.outcome = tooLargeOutcome(inv.streamed.limit);
    } else if (inv.timedOut) {
      const message = fmt.timeoutMessage(this.o.clock.now(), inv.requestId, inv.timeoutSeconds);
      inv.outcome = { payload: Buffer.from(JSON.stringify({ errorMessage: message })), functionError: 'Unhandled', status: 'timeout' };
      inv.lines.push(this.line(message));
    } else if (this.initError) {
      inv.outcome = this.initError;
    } else if (spawnError) {
      const message =
        `RequestId: ${inv.requestId} Error: could not start the runtime ` +
        `(${this.o.launcher.command} in ${this.o.spec.codeDir}): ${spawnError.message}`;
      inv.outcome = failed('Runtime.InvalidEntrypoint', message);
      inv.lines.push(this.line(message));
    } else {
      const message = fmt.exitErrorMessage(inv.requestId, code, signal);
      inv.outcome = failed('Runtime.ExitError', message);
      inv.lines.push(this.line(message), this.line('Runtime.ExitError'));
    }
    void this.finishAfterOutput(inv);
  }

  /** Waits until the function's output for this invocation is in, then completes it. */
  private async finishAfterOutput(inv: Active): Promise<void> {
    inv.timer?.cancel();
    let cap: Timer | undefined;
    await Promise.race([
      this.logs.drained(inv.requestId),
      new Promise<void>((resolve) => (cap = ioClock.setTimer(LOG_DRAIN_CAP_MS, resolve))),
    ]);
    cap?.cancel();
    this.finish(inv);
  }

  private finish(inv: Active): void {
    if (inv.finished) return;
    inv.finished = true;
    const outcome = inv.outcome!;
    const durationMs = performance.now() - (inv.deliveredAt ?? inv.assignedAt);
    // Since August 2025 Lambda bills the INIT phase of on-demand invocations too: a cold start's billed duration
    // is init plus invoke, rounded up to the next millisecond.
    const billedDurationMs = Math.max(1, Math.ceil(durationMs + (inv.initDurationMs ?? 0)));
    // A synchronous /proc read on the emulator's event loop, so only when the runtime did not say (crash, timeout).
    if (!inv.rssReported) this.peakRssKb = Math.max(this.peakRssKb, (!this.exited && procPeakKb(this.child.pid)) || 0);
    const closing = this.platform.end({
      requestId: inv.requestId,
      durationMs,
      billedDurationMs,
      memorySizeMb: this.o.spec.memorySizeMb,
      maxMemoryUsedMb: Math.ceil(this.peakRssKb / 1024),
      initDurationMs: inv.initDurationMs,
      status: outcome.status,
      errorType: outcome.status === 'error' ? outcome.errorType : outcome.functionError ? errorTypeOf(outcome.payload) : undefined,
      runStatus: outcome.status === 'timeout' ? 'timeout' : outcome.functionError ? 'error' : 'success',
      producedBytes: inv.streamed ? inv.streamed.size : outcome.payload.length,
    });
    inv.lines.push(...closing.map((l) => this.line(l)));
    this.o.onLog?.(this.functionName, this.logStreamName, inv.lines, this.logGroupName, this.o.spec);
    this.current = undefined;
    this.child.unref();
    if (!this.exited) {
      if (this.retireWhenIdle) this.killProcess();
      else {
        this.state = 'idle';
        this.keepWarm();
      }
    }
    inv.resolve({
      payload: outcome.payload,
      functionError: outcome.functionError,
      logTail: inv.lines.map((l) => `${l.message}\n`).join(''),
      durationMs,
      billedDurationMs,
      initDurationMs: inv.initDurationMs,
      timedOut: outcome.status === 'timeout',
      requestId: inv.requestId,
    });
  }
}

function tooLargeOutcome(limit: number): Outcome {
  return {
    payload: errorDocument('Function.ResponseSizeTooLarge', `Response payload size exceeded maximum allowed payload size (${limit} bytes).`),
    functionError: 'Unhandled',
    status: 'error',
    errorType: 'Function.ResponseSizeTooLarge',
  };
}

function errorTypeOf(body: Buffer): string | undefined {
  try {
    const t = (JSON.parse(body.toString('utf8')) as { errorType?: unknown }).errorType;
    return typeof t === 'string' ? t : undefined;
  } catch {
    return undefined;
  }
}
