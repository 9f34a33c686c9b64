import type { Topology } from '../../deploy-scripts/pipeline';
import type { TopologyOptions } from '../../deploy-scripts/topologies';
import type { BackendName, Capability } from '../backends/types';
import type { ScenarioContext } from './context';

/** A scenario picks its pipeline (topology + options) and may require backend capabilities. */
export interface ScenarioOptions extends Omit<TopologyOptions, 'prefix'> {
  topology: Topology;
  /** Capabilities the scenario needs; on a backend without them it is skipped, with the reason. */
  requires?: Capability[];
  /** Only on these backends (others skip it). */
  backends?: BackendName[];
  /** Deadline for the whole scenario, deploy and teardown excluded (default: 4 × the backend's expectation deadline). */
  timeoutMs?: number;
  /**
   * The emulator's own fault spec (emulator/core/faults.ts), e.g. `duplicate=1` or `delay=5s..60s`. Such a
   * scenario runs on an embedded emulator of its own, started with these faults on virtual time and seeded
   * from the run's seed (see `emulatorSeed`), so its faults touch nothing else; it needs the `faults`
   * capability (skipped elsewhere, e.g. on LocalStack). Handler-level faults (`faults`, HARNESS_FAULTS)
   * work on every backend and need no emulator of their own.
   */
  emulatorFaults?: string;
}

export type ScenarioBody = (s: ScenarioContext) => Promise<void>;

export interface ScenarioDefinition {
  name: string;
  options: ScenarioOptions;
  body: ScenarioBody;
  /** The file that declared it (absolute path), when loaded from a file. */
  file?: string;
}

export type ScenarioStatus = 'passed' | 'failed' | 'skipped';

export interface ScenarioResult {
  name: string;
  file?: string;
  backend: BackendName;
  status: ScenarioStatus;
  ms: number;
  /** Why it was skipped. */
  reason?: string;
  error?: Error;
  prefix?: string;
  seed: number;
  /** The scenario's own emulator faults (`emulatorFaults`), when it ran on an emulator of its own. */
  emulatorFaults?: string;
  /** That emulator's seed (derived from `seed` and the scenario's name, see `emulatorSeed`). */
  emulatorSeed?: number;
}
