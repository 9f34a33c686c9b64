import { ScaledClock, type Clock } from '../core/clock';
import { AwsError } from '../core/errors';
import type { ServiceDeps } from '../core/service';
import { RuntimePool, sweepStaleTempDirs, type FunctionSpec, type InvokeResult, type LogLine } from './runtime';
import type { RunTarget } from './targets';

/** Why an invocation happened, for the trace. */
export type InvocationSource = 'sync' | 'async' | 'sqs' | 'url';

export interface RunOptions {
  requestId: string;
  /** The X-Ray header with the lineage for this invocation. */
  traceHeader: string;
  clientContext?: string;
  source: InvocationSource;
  /** 1-based attempt number (async retries). */
  attempt?: number;
  /** Receives a streamed response as it is written (InvokeWithResponseStream); see InvokeOptions.onChunk. */
  onChunk?: (chunk: Buffer, contentType: string) => void | Promise<void>;
}

export const throttled = (reason: string): AwsError =>
  new AwsError('TooManyRequestsException', 'Rate Exceeded.', 429, { Reason: reason, Type: 'User' });

export const isThrottle = (e: unknown): boolean => (e as AwsError)?.code === 'TooManyRequestsException';

/** The emulator's own URL, read when the first function starts (port 0 is replaced by the real port on listen). */
function endpointOf(options: ServiceDeps['options']): string {
  const host = options.host === '0.0.0.0' || options.host === '' ? '127.0.0.1' : options.host === '::' ? '[::1]' : options.host.includes(':') ? `[${options.host}]` : options.host;
  return `http://${host}:${options.port}`;
}

/**
 * Runs functions: one RuntimePool per provider (created on first use), with the fault hooks, the trace hops
 * and CloudWatch Logs delivery around every invocation. Sync Invoke, async events and SQS batches all go
 * through `run`.
 */
export class Executor {
  private pool?: RuntimePool;
  /** The pool's clock: function code runs in real time, so its timeout does too unless scaleFunctionTimeouts. */
  private readonly poolClock: Clock;

  constructor(private readonly deps: ServiceDeps) {
    this.poolClock = deps.options.scaleFunctionTimeouts ? deps.clock : new ScaledClock(1);
    // Folders left by emulators that were killed outright (kill -9) and could not clean up; in the background.
    void sweepStaleTempDirs();
  }

  private getPool(): RuntimePool {
    const { options } = this.deps;
    this.pool ??= new RuntimePool({
      endpointUrl: endpointOf(options),
      pythonPath: options.pythonPath,
      accountConcurrencyLimit: options.lambdaConcurrencyLimit,
      clock: this.poolClock,
      onLog: (_functionName, logStreamName, lines, logGroupName, scope) => this.shipLogs(logGroupName, logStreamName, lines, scope),
    });
    return this.pool;
  }

  /**
   * Log lines go to CloudWatch Logs when that provider is mounted (it answers `logs.put`). Their timestamps
   * are moved onto the emulator's clock, like every other timestamp the emulator hands out (S3 LastModified,
   * SQS SentTimestamp…), so a query for "logs since the upload" finds them even when time is scaled.
   * A log group may be created on the way (Lambda does so for a LogGroup that does not exist yet), but not one
   * named `aws/…`: CloudWatch Logs keeps those names for AWS, so Lambda cannot create it and the lines are lost.
   */
  private shipLogs(logGroupName: string, logStreamName: string, lines: LogLine[], fn: { region: string; accountId: string }): void {
    if (lines.length === 0 || logGroupName.startsWith('aws/')) return;
    const { clock, options } = this.deps;
    const poolNow = this.poolClock.now();
    const emulatedNow = clock.now();
    const scale = this.poolClock === clock ? 1 : options.timeScale > 0 ? options.timeScale : 1;
    const events = lines.map((l) => ({ timestamp: Math.round(emulatedNow - (poolNow - l.timestamp) / scale), message: l.message }));
    const scope = { region: fn.region, accountId: fn.accountId };
    this.deps.bus.ask('logs.put', { logGroupName, logStreamName, events, scope }).catch(() => undefined);
  }

  /** Runs one version of a function (`target.version`), as invoked by `target.invokedArn`. */
  async run(target: RunTarget, payload: Buffer, opts: RunOptions): Promise<InvokeResult> {
    const { bus } = this.deps;
    const fn = target.fn;
    const hop = {
      functionName: fn.name,
      functionArn: fn.arn,
      requestId: opts.requestId,
      attempt: opts.attempt ?? 1,
      source: opts.source,
      ...(target.version !== '$LATEST' ? { version: target.version } : {}),
    };
    const fault = bus.faults.functionFault(fn.name);
    if (fault === 'throttle') {
      bus.record({ type: 'lambda.throttle', ...hop, error: 'TooManyRequestsException (injected)' });
      throw throttled('ConcurrentInvocationLimitExceeded');
    }
    bus.record({ type: 'lambda.invoke.start', ...hop });
    let result: InvokeResult;
    if (fault === 'fail' || fault === 'timeout') {
      result = injectedFailure(target, opts.requestId, fault, this.deps.clock.now());
    } else {
      try {
        // A running function is activity: virtual time must not jump (e.g. past a visibility timeout) meanwhile.
        result = await bus.track(
          this.getPool().invoke(specOf(target), payload, {
            requestId: opts.requestId,
            traceId: opts.traceHeader,
            clientContext: opts.clientContext,
            maxConcurrency: fn.reservedConcurrency,
            invokedFunctionArn: target.invokedArn,
            onChunk: opts.onChunk,
          }),
        );
      } catch (e) {
        if (isThrottle(e)) bus.record({ type: 'lambda.throttle', ...hop, error: (e as AwsError).fields?.Reason ?? 'TooManyRequestsException' });
        else bus.record({ type: 'lambda.invoke.error', ...hop, error: (e as Error).message });
        throw e;
      }
    }
    if (result.functionError) {
      bus.record({ type: 'lambda.invoke.error', ...hop, error: errorSummary(result.payload), timedOut: result.timedOut, durationMs: Math.round(result.durationMs) });
    } else {
      bus.record({ type: 'lambda.invoke.end', ...hop, durationMs: Math.round(result.durationMs) });
    }
    return result;
  }

  /** Starts (or trims to) `count` provisioned environments of the target's version; see RuntimePool.provision. */
  async provision(target: RunTarget, count: number): Promise<void> {
    await this.getPool().provision(specOf(target), count);
  }

  async unprovision(functionName: string, version: string): Promise<void> {
    await this.pool?.unprovision(functionName, version);
  }

  /** Stops the function's warm environments (new code, deleted function), or only one version's. */
  async retire(functionName: string, version?: string): Promise<void> {
    await this.pool?.retire(functionName, version);
  }

  concurrencyInUse(functionName?: string): number {
    return this.pool?.concurrencyInUse(functionName) ?? 0;
  }

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    await pool?.close();
  }
}

export function specOf({ fn, version, config: c }: RunTarget): FunctionSpec {
  return {
    functionName: fn.name,
    functionArn: fn.arn,
    version,
    runtime: c.runtime,
    handler: c.handler,
    codeSha256: c.code.sha256,
    codeDir: c.code.dir,
    timeoutSeconds: c.timeout,
    memorySizeMb: c.memorySize,
    environment: c.environment ?? {},
    region: fn.region,
    accountId: fn.accountId,
    layers: (c.layers ?? []).map((l) => ({ arn: l.arn, sha256: l.sha256, zip: l.zip })),
    ...(c.logging ? { logging: c.logging } : {}),
  };
}

/** `errorType: errorMessage` of an error payload, for the trace and the DLQ's ErrorMessage. */
export function errorSummary(payload: Buffer | string): string {
  const text = payload.toString();
  try {
    const doc = JSON.parse(text) as { errorType?: string; errorMessage?: string };
    if (doc && typeof doc === 'object' && (doc.errorMessage !== undefined || doc.errorType !== undefined)) {
      return doc.errorMessage !== undefined ? String(doc.errorMessage) : String(doc.errorType);
    }
  } catch {
    // not JSON: the raw text says it
  }
  return text;
}

/** What a fault-injected attempt looks like to callers: an ordinary unhandled error or timeout. */
function injectedFailure({ fn, version, config }: RunTarget, requestId: string, fault: 'fail' | 'timeout', now: number): InvokeResult {
  const message =
    fault === 'timeout'
      ? `${new Date(now).toISOString()} ${requestId} Task timed out after ${config.timeout.toFixed(2)} seconds`
      : `Injected failure (fault injection) for ${fn.name}`;
  const payload = fault === 'timeout' ? { errorMessage: message } : { errorType: 'InjectedFault', errorMessage: message };
  return {
    payload: Buffer.from(JSON.stringify(payload)),
    functionError: 'Unhandled',
    logTail: `START RequestId: ${requestId} Version: ${version}\n${message}\nEND RequestId: ${requestId}\n`,
    durationMs: 0,
    billedDurationMs: 1,
    timedOut: fault === 'timeout',
    requestId,
  };
}
