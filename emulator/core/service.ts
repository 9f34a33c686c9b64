import type { RequestContext } from './context';
import type { DeliveryBus } from './delivery';
import type { Clock } from './clock';

/**
 * One provider per service. A provider is plain logic over its own state: a method per AWS operation,
 * named exactly as the operation (`SendMessage`, `PutObject`), taking the SDK's input shape and
 * returning the SDK's output shape. The protocol layer does all parsing and serializing.
 */
export type OperationHandler = (input: any, ctx: RequestContext) => unknown | Promise<unknown>;

export interface ServiceProvider {
  /** Drops all state (the harness's reset). */
  reset(): void | Promise<void>;
  /** Stops timers and child processes. */
  close?(): void | Promise<void>;
}

/** What every provider is built with. */
export interface ServiceDeps {
  clock: Clock;
  bus: DeliveryBus;
  options: EmulatorOptions;
}

export interface EmulatorOptions {
  host: string;
  port: number;
  region: string;
  accountId: string;
  /** Multiplies emulated durations (retries, visibility timeouts, delays) into real ones. */
  timeScale: number;
  /** Largest SQS message body in bytes (AWS raised the limit from 256 KiB to 1 MiB in 2025). */
  sqsMaxMessageSize: number;
  /** In-flight messages a standard queue holds before a short-polling ReceiveMessage fails with OverLimit (AWS: 120,000). */
  sqsMaxInflightMessages?: number;
  /** In-flight messages a FIFO queue holds before receives return nothing more (AWS: 120,000, no error). */
  sqsMaxInflightMessagesFifo?: number;
  /**
   * Refuse CreateQueue for 60 s after DeleteQueue of the same name (QueueDeletedRecently), as AWS does. Off by
   * default, as on LocalStack (SQS_DELAY_RECENTLY_DELETED): suites that tear down and redeploy would break.
   */
  sqsDelayRecentlyDeleted?: boolean;
  /** Python interpreter for python3.x functions. */
  pythonPath?: string;
  /** Refuse what AWS would refuse for missing resource policies (S3 → SQS without a queue policy…). */
  strict: boolean;
  /** Account-wide Lambda concurrency limit. */
  lambdaConcurrencyLimit: number;
  /** Function timeouts follow the emulator clock's scale only when asked. */
  scaleFunctionTimeouts: boolean;
  /** Verify SigV4 signatures against `credentials` (off by default, as on LocalStack). */
  verifySignatures: boolean;
  /** Access key id → secret, for signature verification. */
  credentials: Record<string, string>;
  /** Keep state in this directory across restarts (every acknowledged change survives a kill -9). */
  dataDir?: string;
  /** The run's seed (StartOptions.seed), for services that draw their own random choices (Scheduler's flexible windows). */
  seed?: number;
}

/** Extra metadata a handler may attach to its output: HTTP status and headers the model cannot express. */
export const RESPONSE_META = Symbol('responseMeta');
export interface ResponseMeta {
  status?: number;
  headers?: Record<string, string>;
}
export function withMeta<T extends object>(output: T, meta: ResponseMeta): T {
  (output as any)[RESPONSE_META] = meta;
  return output;
}

/** A change to one persisted entity: its new value, or its removal (`prefix`: every entity under it). */
export type EntityChange = { key: string; value: unknown } | { key: string; deleted: true } | { prefix: string; deleted: true };

/**
 * What a provider offers to `--data-dir` persistence. State is kept as entities (an object, a message,
 * a queue's settings…) keyed by strings local to the service; the provider reports which entities
 * changed, and the persistence layer writes them before the request that changed them is answered.
 */
export interface Persistable {
  /** A successful request just ran: note what it may have changed. */
  touched?(operation: string, input: any, output: any): void;
  /** Entities changed since the last call. */
  takeChanges(): EntityChange[];
  /** Every entity, for a snapshot. */
  entities(): Iterable<[string, unknown]>;
  /** Rebuilds state from saved entities; runs once, before the server listens. */
  restore(entities: Map<string, unknown>): void | Promise<void>;
  /** Runs once every service is restored: work that may reach another service (a delivery owed) starts here. */
  resume?(): void;
}
