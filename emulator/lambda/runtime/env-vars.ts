import * as path from 'node:path';
import type { FunctionSpec } from './types';
import { randomHex } from '../../core/ids';

/**
 * `YYYY/MM/DD/[$LATEST]<32 hex>` (or `[3]` for version 3): one log stream per execution environment, dated when it
 * starts. In a custom log group, which several functions may share, the function's name comes first
 * (`YYYY/MM/DD/<function>[$LATEST]<32 hex>`), as Lambda names them there.
 */
export function newLogStreamName(nowMs: number, version = '$LATEST', functionName = ''): string {
  const d = new Date(nowMs);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())}/${functionName}[${version}]${randomHex(16)}`;
}

/** The function's log group: LoggingConfig's LogGroup, else `/aws/lambda/<function>`. */
export const logGroupOf = (spec: Pick<FunctionSpec, 'functionName' | 'logging'>): string =>
  spec.logging?.logGroup ?? `/aws/lambda/${spec.functionName}`;

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
  /** The folder holding the function's layers, which plays /opt (none without layers). */
  optDir?: string;
}

/** The emulator's own variable naming the folder that plays /opt, for code that reads layer files by path. */
export const OPT_DIR_VAR = 'LAMBDA_OPT_DIR';

/**
 * Where a runtime looks for layer code, as Lambda's variables name it under /opt: NODE_PATH for Node
 * (`nodejs/nodeNN/node_modules` for the runtime's major, then `nodejs/node_modules`), PYTHONPATH for Python
 * (`python/lib/python3.x/site-packages`, then `python`), both ahead of what the runtime provides itself.
 */
function layerModuleDirs(runtime: string, opt: string): { node: string[]; python: string[] } {
  const node = /^nodejs(\d+)\.x$/.exec(runtime)?.[1];
  const python = /^python(3\.\d+)$/.exec(runtime)?.[1];
  return {
    node: node ? [path.join(opt, 'nodejs', `node${node}`, 'node_modules'), path.join(opt, 'nodejs', 'node_modules')] : [],
    python: python ? [path.join(opt, 'python', 'lib', `python${python}`, 'site-packages'), path.join(opt, 'python')] : [],
  };
}

/**
 * The function's environment, built from nothing: no host variable (real credentials, CI tokens) leaks in.
 * Order as on Lambda: defaults a function may override, then its own variables, then the reserved ones,
 * which it may not.
 */
export function buildFunctionEnv(i: EnvInputs): Record<string, string> {
  const { spec, optDir } = i;
  // Lambda's PATH ends with /opt/bin; with layers, that is the folder playing /opt.
  const pathDirs = [...i.binDirs, '/usr/local/bin', '/usr/bin', '/bin', optDir ? path.join(optDir, 'bin') : '/opt/bin'];
  const layerDirs = optDir ? layerModuleDirs(spec.runtime, optDir) : { node: [], python: [] };
  const nodePath = [...layerDirs.node, ...(i.nodePath ? [i.nodePath] : [])];
  const defaults: Record<string, string> = {
    LANG: 'en_US.UTF-8',
    PATH: [...new Set(pathDirs)].join(path.delimiter),
    AWS_ENDPOINT_URL: i.endpointUrl,
    ...(nodePath.length ? { NODE_PATH: nodePath.join(path.delimiter) } : {}),
    ...(layerDirs.python.length ? { PYTHONPATH: layerDirs.python.join(path.delimiter) } : {}),
    // Lambda's LD_LIBRARY_PATH ends with /opt/lib; the runtime and task-root folders before it are the host's own.
    ...(optDir ? { LD_LIBRARY_PATH: path.join(optDir, 'lib') } : {}),
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
    AWS_LAMBDA_LOG_GROUP_NAME: logGroupOf(spec),
    AWS_LAMBDA_LOG_STREAM_NAME: i.logStreamName,
    // The emulator accepts any credentials; these only have to be present for the SDK to sign.
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_SESSION_TOKEN: 'test',
    AWS_LAMBDA_RUNTIME_API: i.runtimeApi,
    LAMBDA_TASK_ROOT: spec.codeDir,
    LAMBDA_RUNTIME_DIR: i.runtimeDir,
    ...(optDir ? { [OPT_DIR_VAR]: optDir } : {}),
    // With the JSON format the runtimes write JSON and drop lines below the application log level.
    ...(spec.logging?.format === 'JSON'
      ? { AWS_LAMBDA_LOG_FORMAT: 'JSON', AWS_LAMBDA_LOG_LEVEL: spec.logging.applicationLogLevel ?? 'INFO' }
      : {}),
    TZ: 'UTC',
  };
  return { ...defaults, ...spec.environment, ...reserved };
}
