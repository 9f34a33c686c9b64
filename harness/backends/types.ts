import type { ConnectionConfig } from '../../deploy-scripts/clients';

export type BackendName = 'embedded' | 'localstack' | 'endpoint';
export const BACKEND_NAMES: readonly BackendName[] = ['embedded', 'localstack', 'endpoint'];

/** What a backend can do beyond the AWS APIs every backend serves. Scenarios may require some. */
export interface Capabilities {
  /** Service-level fault injection (the emulator's `faults` spec: duplicates, delays, failures). Handler faults (HARNESS_FAULTS) work everywhere. */
  faults: boolean;
  /** Emulated time that jumps ahead when nothing is happening (retries and timeouts cost no real time). */
  virtualTime: boolean;
  /** Queue contents can be read without receiving (the emulator's /_harness/queues/peek). */
  peek: boolean;
  /** All state can be dropped at once (/_harness/reset). */
  reset: boolean;
  /** Lambda functions really run (S3/SQS events reach the handlers). */
  lambdaExecution: boolean;
}
export type Capability = keyof Capabilities;

/**
 * How long things take on a backend, so one scenario works on all: queue visibility and function timeouts
 * (LocalStack and AWS run in real time; the emulator can scale or skip time), and default deadlines.
 */
export interface Timing {
  visibilityTimeoutSeconds: number;
  functionTimeoutSeconds: number;
  /** Default deadline of an expectation. */
  withinMs: number;
  /** Pause between polls of an expectation. */
  pollMs: number;
}

export interface BackendConnection extends ConnectionConfig {
  name: BackendName;
  /** e.g. `embedded emulator at http://127.0.0.1:40123 (virtual time)`. */
  description: string;
  capabilities: Capabilities;
  timing: Timing;
  /** Real AWS: names must carry this prefix (given explicitly); elsewhere a default is used. */
  requiredPrefix?: string;
  /** The embedded emulator's own handle, when in process (the harness never needs it for AWS calls). */
  emulator?: import('../../emulator').RunningEmulator;
}

export interface Backend {
  readonly name: BackendName;
  start(): Promise<BackendConnection>;
  stop(): Promise<void>;
}

/** Whether a container engine (Docker, Podman…) answers, and how we know. */
export interface RuntimeStatus {
  available: boolean;
  reason: string;
}
export type RuntimeDetector = () => Promise<RuntimeStatus>;
