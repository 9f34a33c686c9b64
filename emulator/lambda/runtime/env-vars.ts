import * as path from 'node:path';
import type { FunctionSpec } from './types';
import { randomHex } from '../../core/ids';

/** `YYYY/MM/DD/[$LATEST]<32 hex>` (or `[3]` for version 3): one log stream per execution environment, dated when it starts. */
export function newLogStreamName(nowMs: number, version = '$LATEST'): string {
  const d = new Date(nowMs);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())}/[${version}]${randomHex(16)}`;
}

export const logGroupName = (functionName: string): string => `/aws/lambda/${functionName}`;

export interface EnvInputs {
  spec: FunctionSpec;
  /** `host:port` of this environment's Runtime API. */
  runtimeApi: string;
  runtimeDir: string;
  logStreamName: string;
  endpointUrl: string;
  /** Interpreter directories that must stay findable on PATH. */
  binDirs: string[];
  /** NODE_PATH for Node functions (the SDK the runtime provides). */
  nodePath?: string;
  /** AWS_LAMBDA_INITIALIZATION_TYPE: `provisioned-concurrency` for environments started ahead. */
  initializationType?: 'on-demand' | 'provisioned-concurrency';
}

/**
 * The function's environment, built from nothing: no host variable (real credentials, CI tokens) leaks in.
 * Order as on Lambda: defaults a function may override, then its own variables, then the reserved ones,
 * which it may not.
 */
export function buildFunctionEnv(i: EnvInputs): Record<string, string> {
  const { spec } = i;
  const pathDirs = [...i.binDirs, '/usr/local/bin', '/usr/bin', '/bin', '/opt/bin'];
  const defaults: Record<string, string> = {
    LANG: 'en_US.UTF-8',
    PATH: [...new Set(pathDirs)].join(path.delimiter),
    AWS_ENDPOINT_URL: i.endpointUrl,
    ...(i.nodePath ? { NODE_PATH: i.nodePath } : {}),
    // Windows cannot start a process without these; they carry no secrets.
    ...(process.platform === 'win32'
      ? { SystemRoot: process.env.SystemRoot ?? 'C:\\Windows', windir: process.env.windir ?? 'C:\\Windows' }
      : {}),
  };
  const reserved: Record<string, string> = {
    _HANDLER: spec.handler,
    AWS_REGION: spec.region,
    AWS_DEFAULT_REGION: spec.region,
    AWS_EXECUTION_ENV: `AWS_Lambda_${spec.runtime}`,
    AWS_LAMBDA_FUNCTION_NAME: spec.functionName,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(spec.memorySizeMb),
    AWS_LAMBDA_FUNCTION_VERSION: spec.version ?? '$LATEST',
    AWS_LAMBDA_INITIALIZATION_TYPE: i.initializationType ?? 'on-demand',
    AWS_LAMBDA_LOG_GROUP_NAME: logGroupName(spec.functionName),
    AWS_LAMBDA_LOG_STREAM_NAME: i.logStreamName,
    // The emulator accepts any credentials; these only have to be present for the SDK to sign.
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_SESSION_TOKEN: 'test',
    AWS_LAMBDA_RUNTIME_API: i.runtimeApi,
    LAMBDA_TASK_ROOT: spec.codeDir,
    LAMBDA_RUNTIME_DIR: i.runtimeDir,
    TZ: 'UTC',
  };
  return { ...defaults, ...spec.environment, ...reserved };
}
