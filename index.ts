/** s3-event-harness: the embedded emulator and the harness, from the package root. */
export { startEmulator } from './emulator';
export type { RunningEmulator, StartOptions, EmulatorOptions } from './emulator';
export { VirtualClock, ScaledClock, parseDuration } from './emulator/core/clock';
export { waitFor } from './harness/wait';
