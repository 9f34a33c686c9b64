import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import { ScaledClock, type Clock } from '../../core/clock';
import { AwsError } from '../../core/errors';
import { randomHex, uuid } from '../../core/ids';
import { clientContextHeader } from './client-context';
import { ExecutionEnvironment, type Invocation } from './environment';
import { forgetTempDir, removeOnExit } from './host-exit';
import { launcherFor, type Launcher } from './runtimes';
import { OptDirs } from './opt-dirs';
import { linkProvidedModules } from './sdk-modules';
import { ownedTempPrefix } from './temp-dirs';
import type { FunctionSpec, InvokeOptions, InvokeResult, RuntimePoolOptions } from './types';

const DEFAULT_ACCOUNT_CONCURRENCY = 1000;
const DEFAULT_IDLE_TIMEOUT_MS = 10 * 60_000;
/** Provisioned environments started at once. */
const PROVISION_WAVE = Math.max(1, os.availableParallelism());

/** Everything that, when changed, needs a fresh environment (the timeout is per invocation, so it is not here). */
function fingerprintOf(spec: FunctionSpec): string {
  const env = Object.entries(spec.environment).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([
    spec.version ?? '$LATEST', spec.codeSha256, spec.codeDir, spec.runtime, spec.handler, spec.memorySizeMb,
    spec.functionArn, spec.region, spec.accountId, env, (spec.layers ?? []).map((l) => [l.arn, l.sha256]),
    // The format and levels are read by the runtime at start, the log group names its streams.
    [spec.logging?.format, spec.logging?.applicationLogLevel, spec.logging?.systemLogLevel, spec.logging?.logGroup],
  ]);
}

/** One provision() call in progress: its environments are unwanted once withdrawn. */
interface ProvisionRequest {
  functionName: string;
  version: string;
  withdrawn: boolean;
}

function throttled(reason: string): AwsError {
  return new AwsError('TooManyRequestsException', 'Rate Exceeded.', 429, { Reason: reason, Type: 'User' });
}

function validate(spec: FunctionSpec): void {
  const bad = (what: string) => new AwsError('InvalidParameterValueException', `${what} (function ${spec.functionName})`, 400);
  if (!(spec.timeoutSeconds > 0)) throw bad(`Timeout must be a positive number of seconds, got ${spec.timeoutSeconds}`);
  if (!(spec.memorySizeMb > 0)) throw bad(`MemorySize must be a positive number of MB, got ${spec.memorySizeMb}`);
  if (!spec.handler) throw bad('Handler is empty');
}

/**
 * Runs Lambda functions as local processes that speak the Lambda Runtime API. Environments are kept warm
 * and reused one invocation at a time; a new one starts only when every warm one is busy, within the
 * function's reserved concurrency and the account's limit (beyond them: TooManyRequestsException, no queue).
 */
export class RuntimePool {
  private readonly envs = new Map<string, Set<ExecutionEnvironment>>();
  private readonly inUse = new Map<string, number>();
  private totalInUse = 0;
  private readonly clock: Clock;
  private readonly accountLimit: number;
  private readonly idleTimeoutMs: number;
  private readonly host: string;
  /** provision() calls still under way; unprovision() and retire() mark theirs withdrawn. */
  private readonly provisioning = new Set<ProvisionRequest>();
  private scratch?: Promise<{ dir: string; nodePath?: string }>;
  /** Each function version's layers, unpacked as its /opt. */
  private readonly optDirs = new OptDirs();
  private closing?: Promise<void>;

  constructor(private readonly opts: RuntimePoolOptions) {
    this.clock = opts.clock ?? new ScaledClock(1);
    this.accountLimit = opts.accountConcurrencyLimit ?? DEFAULT_ACCOUNT_CONCURRENCY;
    this.idleTimeoutMs = opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    this.host = opts.host ?? '127.0.0.1';
  }

  async invoke(spec: FunctionSpec, payload: Buffer, opts: InvokeOptions = {}): Promise<InvokeResult> {
    this.assertOpen();
    validate(spec);
    const launcher = await launcherFor(spec.runtime, this.opts.pythonPath);
    this.assertOpen();
    // Checked and taken in one synchronous step, so parallel invokes cannot both squeeze past the limit.
    this.reserve(spec.functionName, opts.maxConcurrency);
    try {
      const invocation: Invocation = {
        requestId: opts.requestId ?? uuid(),
        payload,
        traceId: opts.traceId ?? this.newTraceId(),
        clientContext: clientContextHeader(opts.clientContext),
        timeoutSeconds: spec.timeoutSeconds,
        invokedFunctionArn: opts.invokedFunctionArn,
        onChunk: opts.onChunk,
      };
      const fingerprint = fingerprintOf(spec);
      const warm = this.takeWarm(spec.functionName, spec.version ?? '$LATEST', fingerprint);
      const running = warm
        ? warm.run(invocation)
        : (await this.startEnvironment(spec, fingerprint, launcher)).run(invocation);
      return await running;
    } finally {
      this.release(spec.functionName);
    }
  }

  /**
   * Provisioned concurrency: keeps `count` environments of this version started and initialised ahead of
   * any invocation (AWS_LAMBDA_INITIALIZATION_TYPE=provisioned-concurrency), never reclaimed for idling.
   * Resolves once they all finished init; rejects if one failed to start. Fewer than before: the extra ones stop.
   */
  async provision(spec: FunctionSpec, count: number): Promise<void> {
    this.assertOpen();
    validate(spec);
    const version = spec.version ?? '$LATEST';
    const request: ProvisionRequest = { functionName: spec.functionName, version, withdrawn: false };
    this.provisioning.add(request);
    try {
      const launcher = await launcherFor(spec.runtime, this.opts.pythonPath);
      const fingerprint = fingerprintOf(spec);
      const mine = [...(this.envs.get(spec.functionName) ?? [])].filter((e) => e.provisioned && e.version === version && e.fingerprint === fingerprint && e.state !== 'dead');
      for (const extra of mine.slice(count)) this.stopProvisioned(extra);
      // A few at a time (one per core), each wave initialised before the next: a hundred runtimes starting at once
      // would hold every core, and the emulator's own requests with them, for seconds.
      const started: ExecutionEnvironment[] = [];
      const wanted = Math.max(0, count - mine.length);
      while (started.length < wanted && !request.withdrawn) {
        const wave = await Promise.all(
          Array.from({ length: Math.min(PROVISION_WAVE, wanted - started.length) }, () => this.startEnvironment(spec, fingerprint, launcher, true)),
        );
        started.push(...wave);
        if ((await Promise.all(wave.map((e) => e.ready))).includes(false)) break;
      }
      // Withdrawn while these were starting: unprovision() or retire() could not see them yet, so they stop here.
      if (request.withdrawn) {
        await Promise.all(started.map((e) => this.stopProvisioned(e)));
        return;
      }
      const ok = await Promise.all([...mine.slice(0, count), ...started].map((e) => e.ready));
      if (ok.includes(false) && !request.withdrawn) throw new Error('FUNCTION_ERROR_INIT_FAILURE');
    } finally {
      this.provisioning.delete(request);
    }
  }

  /** Provisioned concurrency removed: the version's provisioned environments stop (busy ones after their invocation). */
  async unprovision(functionName: string, version: string): Promise<void> {
    this.withdrawProvisioning(functionName, version);
    const stopping = [...(this.envs.get(functionName) ?? [])].filter((e) => e.provisioned && e.version === version).map((e) => this.stopProvisioned(e));
    await Promise.all(stopping);
  }

  private withdrawProvisioning(functionName: string, version?: string): void {
    for (const r of this.provisioning) if (r.functionName === functionName && (version === undefined || r.version === version)) r.withdrawn = true;
  }

  private stopProvisioned(env: ExecutionEnvironment): Promise<void> {
    env.provisioned = false;
    if (env.state === 'busy') {
      env.retireWhenIdle = true;
      return Promise.resolve();
    }
    return env.kill();
  }

  /**
   * Stops the function's environments (or one version's): idle ones now, busy ones when their invocation ends.
   * Retired whole, the function is gone: its /opt folders go too, as the provider removes its task roots.
   */
  async retire(functionName: string, version?: string): Promise<void> {
    this.withdrawProvisioning(functionName, version);
    const stopping: Promise<void>[] = [];
    for (const env of this.envs.get(functionName) ?? []) {
      if (version !== undefined && env.version !== version) continue;
      if (env.state === 'busy') env.retireWhenIdle = true;
      else stopping.push(env.kill());
    }
    await Promise.all(stopping);
    if (version === undefined) await this.optDirs.remove(functionName);
  }

  /** Invocations in flight, for one function or the whole pool. */
  concurrencyInUse(functionName?: string): number {
    return functionName === undefined ? this.totalInUse : (this.inUse.get(functionName) ?? 0);
  }

  /** Kills every runtime process and removes the pool's temporary files. Safe to call more than once. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const all = [...this.envs.values()].flatMap((set) => [...set]);
      await Promise.all(all.map((env) => env.kill()));
      await this.optDirs.remove();
      const scratch = await this.scratch?.catch(() => undefined);
      if (scratch) {
        await fs.rm(scratch.dir, { recursive: true, force: true });
        forgetTempDir(scratch.dir);
      }
    })();
    return this.closing;
  }

  private assertOpen(): void {
    if (this.closing) throw new AwsError('ServiceException', 'The Lambda runtime pool has been closed.', 500);
  }

  private reserve(functionName: string, reserved: number | undefined): void {
    const mine = this.inUse.get(functionName) ?? 0;
    if (reserved !== undefined && mine >= reserved) throw throttled('ReservedFunctionConcurrentInvocationLimitExceeded');
    if (this.totalInUse >= this.accountLimit) throw throttled('ConcurrentInvocationLimitExceeded');
    this.inUse.set(functionName, mine + 1);
    this.totalInUse++;
  }

  private release(functionName: string): void {
    const left = (this.inUse.get(functionName) ?? 1) - 1;
    if (left > 0) this.inUse.set(functionName, left);
    else this.inUse.delete(functionName);
    this.totalInUse--;
  }

  /**
   * An idle environment of this version with its current code and configuration; stale ones of the same
   * version are stopped on the way (another version's environments are not stale, only different).
   */
  private takeWarm(functionName: string, version: string, fingerprint: string): ExecutionEnvironment | undefined {
    let found: ExecutionEnvironment | undefined;
    for (const env of this.envs.get(functionName) ?? []) {
      if (env.version !== version) continue;
      if (env.fingerprint !== fingerprint) {
        if (env.state === 'idle') void env.kill();
        else env.retireWhenIdle = true;
      } else if (!found && env.state === 'idle') {
        found = env;
      }
    }
    return found;
  }

  private async startEnvironment(spec: FunctionSpec, fingerprint: string, launcher: Launcher, provisioned = false): Promise<ExecutionEnvironment> {
    const nodePath = launcher.family === 'node' ? (await this.scratchDir()).nodePath : undefined;
    // Held while the environment lives: a folder the function's layers no longer name goes with its last one.
    const opt = this.optDirs.acquire(spec);
    let env: ExecutionEnvironment;
    try {
      const optDir = await opt?.dir;
      this.assertOpen();
      env = await ExecutionEnvironment.start({
        spec,
        fingerprint,
        launcher,
        host: this.host,
        endpointUrl: this.opts.endpointUrl,
        nodePath,
        optDir,
        clock: this.clock,
        idleTimeoutMs: this.idleTimeoutMs,
        provisioned,
        onLog: this.opts.onLog,
        onDead: (dead) => {
          this.envs.get(dead.functionName)?.delete(dead);
          opt?.release();
        },
      });
    } catch (e) {
      opt?.release();
      throw e;
    }
    let set = this.envs.get(spec.functionName);
    if (!set) this.envs.set(spec.functionName, (set = new Set()));
    set.add(env);
    if (this.closing) void env.kill(); // close() began while it started: it runs into a killed process
    return env;
  }

  private scratchDir(): Promise<{ dir: string; nodePath?: string }> {
    this.scratch ??= (async () => {
      const dir = await fs.mkdtemp(ownedTempPrefix('lambda-runtime-'));
      removeOnExit(dir);
      return { dir, nodePath: await linkProvidedModules(dir) };
    })();
    return this.scratch;
  }

  /** An X-Ray trace header as Lambda passes one: `Root=1-<epoch hex>-<24 hex>;Parent=<16 hex>;Sampled=0`. */
  private newTraceId(): string {
    const epoch = Math.floor(this.clock.now() / 1000).toString(16).padStart(8, '0');
    return `Root=1-${epoch}-${randomHex(12)};Parent=${randomHex(8)};Sampled=0`;
  }
}
