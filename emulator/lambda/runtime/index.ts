/**
 * The Lambda execution engine: runs function code as local processes speaking the Lambda Runtime API.
 * The Lambda API provider calls it; it has no AWS-facing HTTP API of its own.
 */
export { RuntimePool } from './pool';
export { extractZip, unzippedSize } from './zip';
export { runtimeFamily } from './runtimes';
export { ownedTempPrefix, sweepStaleTempDirs } from './temp-dirs';
export type { FunctionSpec, InvokeOptions, InvokeResult, LayerContent, LogLine, LogSettings, RuntimePoolOptions } from './types';
