'use strict';
/**
 * The Node.js runtime loop, as Lambda's own runtime does it: load the handler once (init), then forever
 * GET /invocation/next → run the handler → POST /response or /error.
 * Started by the emulator as `node --max-old-space-size=<MB> bootstrap.js <markerToken>`.
 * Plain JavaScript with Node built-ins only: it runs inside the function's process, not the emulator's.
 */
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const util = require('node:util');
const { pathToFileURL } = require('node:url');

const API_PREFIX = '/2018-06-01';
const markerToken = process.argv[2] || 'none';
const [apiHost, apiPort] = splitHostPort(process.env.AWS_LAMBDA_RUNTIME_API || '127.0.0.1:9001');
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

/** The invocation being run, for log lines and for crash reports. */
let current; // { requestId, answered }
let initialized = false;

function splitHostPort(value) {
  const at = value.lastIndexOf(':');
  return [value.slice(0, at).replace(/^\[|\]$/g, ''), Number(value.slice(at + 1))];
}

// ---------- Runtime API client ----------

function call(method, apiPath, body, headers) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(body);
    const req = http.request(
      {
        host: apiHost,
        port: apiPort,
        method,
        path: API_PREFIX + apiPath,
        agent,
        headers: {
          ...(headers || {}),
          ...(payload ? { 'Content-Length': payload.length } : {}),
          'X-Emulator-Max-Rss-Kb': String(process.resourceUsage().maxRSS),
        },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** Tells the emulator that everything this invocation printed has been written (see log-capture.ts). */
function writeMarkers(requestId) {
  const marker = `\x1f${markerToken}:${requestId}\n`;
  const write = (stream) => new Promise((resolve) => {
    try {
      stream.write(marker, () => resolve());
    } catch {
      resolve();
    }
  });
  return Promise.all([write(process.stdout), write(process.stderr)]);
}

// ---------- Logging, in Lambda's text format ----------

function logLine(level, requestId, message) {
  // One log event per call: Lambda's runtime turns newlines into \r so a stack trace stays one event.
  const text = `${new Date().toISOString()}\t${requestId}\t${level}\t${message}`.replace(/\n/g, '\r');
  process.stdout.write(text + '\n');
}

function patchConsole() {
  const levels = { log: 'INFO', info: 'INFO', warn: 'WARN', error: 'ERROR', debug: 'DEBUG', trace: 'TRACE' };
  for (const [method, level] of Object.entries(levels)) {
    console[method] = (...args) => {
      let message = util.format(...args);
      if (method === 'trace') message = `Trace: ${message}\n${new Error().stack.split('\n').slice(2).join('\n')}`;
      logLine(level, current ? current.requestId : 'undefined', message);
    };
  }
}

// ---------- Errors, shaped as Lambda's Node runtime shapes them ----------

function isError(e) {
  return util.types.isNativeError(e) || (e && typeof e === 'object' && typeof e.name === 'string' && typeof e.message === 'string' && 'stack' in e);
}

function toRapidResponse(error) {
  try {
    if (isError(error)) {
      return {
        errorType: error.name,
        errorMessage: error.message,
        trace: typeof error.stack === 'string' ? error.stack.split('\n') : [],
      };
    }
    return { errorType: typeof error, errorMessage: String(error), trace: [] };
  } catch {
    return {
      errorType: 'handled',
      errorMessage: 'callback called with Error argument, but there was a problem while retrieving one or more of its message, name, and stack',
    };
  }
}

/** An error the runtime itself raises, with Lambda's errorType. */
class RuntimeError extends Error {
  constructor(errorType, message) {
    super(message);
    this.name = errorType;
  }
}

function toInitError(err) {
  if (err instanceof RuntimeError) return { errorType: err.name, errorMessage: err.message, trace: [] };
  const trace = err && typeof err.stack === 'string' ? err.stack.split('\n') : [];
  if (err instanceof SyntaxError) {
    return { errorType: 'Runtime.UserCodeSyntaxError', errorMessage: `SyntaxError: ${err.message}`, trace };
  }
  if (err && (err.code === 'MODULE_NOT_FOUND' || err.code === 'ERR_MODULE_NOT_FOUND')) {
    return { errorType: 'Runtime.ImportModuleError', errorMessage: String(err), trace };
  }
  return toRapidResponse(err);
}

// ---------- Loading the handler ----------

/** ESM ignores NODE_PATH; a resolve hook gives `import '@aws-sdk/…'` the same fallback require has. */
let sdkResolverRegistered = false;
function registerSdkResolver() {
  if (sdkResolverRegistered) return;
  sdkResolverRegistered = true;
  const mod = require('node:module');
  const dirs = (process.env.NODE_PATH || '').split(path.delimiter).filter(Boolean);
  if (typeof mod.register !== 'function' || dirs.length === 0) return;
  mod.register(pathToFileURL(path.join(__dirname, 'sdk-resolve.mjs')).href, pathToFileURL(__filename), { data: { dirs } });
}

function importEsm(file) {
  registerSdkResolver();
  return import(pathToFileURL(file).href);
}

/** "module" when the nearest package.json says so (a .js file is then an ES module). */
function packageType(file) {
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    try {
      return JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).type || 'commonjs';
    } catch (e) {
      if (e.code !== 'ENOENT' && e.code !== 'ENOTDIR') return 'commonjs';
    }
    if (path.dirname(dir) === dir) return 'commonjs';
  }
}

function isFile(p) {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

async function loadModule(moduleRoot, moduleName) {
  const base = path.resolve(moduleRoot, moduleName);
  for (const ext of ['.js', '.mjs', '.cjs']) {
    const file = base + ext;
    if (!isFile(file)) continue;
    if (ext === '.mjs' || (ext === '.js' && packageType(file) === 'module')) return importEsm(file);
    return require(file);
  }
  // Like Lambda: the module may also be a folder with an index, resolvable from the task root.
  let resolved;
  try {
    resolved = require.resolve(base);
  } catch {
    throw new RuntimeError('Runtime.ImportModuleError', `Error: Cannot find module '${moduleName}'\nRequire stack:\n- ${__filename}`);
  }
  return require(resolved);
}

function walk(obj, dotted) {
  return dotted.split('.').reduce((o, key) => (o == null ? undefined : o[key]), obj);
}

async function loadHandler() {
  const handlerString = process.env._HANDLER || '';
  const taskRoot = process.env.LAMBDA_TASK_ROOT || process.cwd();
  const slash = handlerString.lastIndexOf('/');
  const dir = handlerString.slice(0, slash + 1);
  const file = handlerString.slice(slash + 1);
  const dot = file.indexOf('.');
  if (dot <= 0 || dot === file.length - 1) {
    throw new RuntimeError('Runtime.MalformedHandlerName', `Bad handler ${handlerString}`);
  }
  const moduleName = file.slice(0, dot);
  const handlerPath = file.slice(dot + 1);
  const mod = await loadModule(path.resolve(taskRoot, dir), moduleName);
  let handler = walk(mod, handlerPath);
  if (handler === undefined && mod && mod.default) handler = walk(mod.default, handlerPath);
  if (typeof handler !== 'function') {
    throw new RuntimeError('Runtime.HandlerNotFound', `${moduleName}.${handlerPath} is undefined or not exported`);
  }
  return handler;
}

// ---------- Running one invocation ----------

function makeContext(headers, requestId) {
  const deadline = Number(headers['lambda-runtime-deadline-ms']);
  let clientContext;
  if (headers['lambda-runtime-client-context']) {
    try {
      clientContext = JSON.parse(headers['lambda-runtime-client-context']);
    } catch {
      clientContext = undefined;
    }
  }
  let waitsForEmptyLoop = true;
  return {
    awsRequestId: requestId,
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: headers['lambda-runtime-invoked-function-arn'],
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    clientContext,
    identity: undefined,
    getRemainingTimeInMillis: () => Math.max(deadline - Date.now(), 0),
    // Accepted and remembered; results are sent as soon as the handler settles either way.
    get callbackWaitsForEmptyEventLoop() {
      return waitsForEmptyLoop;
    },
    set callbackWaitsForEmptyEventLoop(v) {
      waitsForEmptyLoop = v;
    },
  };
}

/** Runs the handler in either style: a returned promise, or the callback (also context.succeed/fail/done). */
function runHandler(handler, event, context) {
  return new Promise((resolve, reject) => {
    let settled = false;
    // A handler that neither returns a promise nor calls back answers null once it has nothing left to do.
    const onIdle = () => callback(null, null);
    const callback = (err, result) => {
      if (settled) return;
      settled = true;
      process.removeListener('beforeExit', onIdle);
      if (err !== undefined && err !== null) reject(err);
      else resolve(result);
    };
    context.done = callback;
    context.succeed = (result) => callback(null, result);
    context.fail = (err) => callback(err === undefined || err === null ? 'handled' : err);
    let returned;
    try {
      returned = handler(event, context, callback);
    } catch (err) {
      callback(err);
      return;
    }
    if (returned && typeof returned.then === 'function') {
      // A promise that never settles must end in a timeout, as on AWS, not in the process exiting on an
      // empty event loop: hold the loop open until the handler settles.
      const keepAlive = setInterval(() => undefined, 1 << 30);
      const release = () => clearInterval(keepAlive);
      returned.then(release, release);
      returned.then(
        (r) => callback(null, r),
        (e) => callback(e === undefined || e === null ? new Error(`Handler rejected with ${e}`) : e),
      );
    } else if (!settled) {
      process.once('beforeExit', onIdle);
    }
  });
}

async function postError(requestId, payload) {
  await call('POST', `/runtime/invocation/${encodeURIComponent(requestId)}/error`, JSON.stringify(payload), {
    'Content-Type': 'application/json',
    'Lambda-Runtime-Function-Error-Type': String(payload.errorType),
  });
}

async function invokeOnce(handler) {
  const next = await call('GET', '/runtime/invocation/next');
  const requestId = String(next.headers['lambda-runtime-aws-request-id']);
  const traceId = next.headers['lambda-runtime-trace-id'];
  if (traceId) process.env._X_AMZN_TRACE_ID = String(traceId);
  else delete process.env._X_AMZN_TRACE_ID;
  current = { requestId, answered: false };
  const text = next.body.toString('utf8');
  let event;
  try {
    event = text === '' ? {} : JSON.parse(text);
  } catch {
    event = text;
  }
  const context = makeContext(next.headers, requestId);
  let outcome;
  try {
    const result = await runHandler(handler, event, context);
    const body = JSON.stringify(result === undefined ? null : result);
    outcome = { kind: 'response', body: body === undefined ? 'null' : body };
  } catch (err) {
    const payload = toRapidResponse(err);
    logLine('ERROR', requestId, `Invoke Error \t${JSON.stringify({ errorType: payload.errorType, errorMessage: payload.errorMessage, stack: payload.trace })}`);
    outcome = { kind: 'error', payload };
  }
  if (current.answered) return; // a crash handler already answered for this invocation
  current.answered = true;
  await writeMarkers(requestId);
  if (outcome.kind === 'response') {
    await call('POST', `/runtime/invocation/${encodeURIComponent(requestId)}/response`, outcome.body, {
      'Content-Type': 'application/json',
    });
  } else {
    await postError(requestId, outcome.payload);
  }
}

/** An error escaping the handler's promise chain: report it for the invocation (or init), then exit like Lambda. */
async function crash(label, payload, exitCode) {
  try {
    logLine('ERROR', current ? current.requestId : 'undefined', `${label} \t${JSON.stringify({ errorType: payload.errorType, errorMessage: payload.errorMessage, stack: payload.trace })}`);
    if (current && !current.answered) {
      current.answered = true;
      await writeMarkers(current.requestId);
      await postError(current.requestId, payload);
    } else if (!initialized) {
      await call('POST', '/runtime/init/error', JSON.stringify(payload), {
        'Content-Type': 'application/json',
        'Lambda-Runtime-Function-Error-Type': String(payload.errorType),
      });
    }
  } finally {
    process.exit(exitCode);
  }
}

async function main() {
  patchConsole();
  process.on('uncaughtException', (err) => crash('Uncaught Exception', toRapidResponse(err), 129));
  process.on('unhandledRejection', (reason) => {
    const message = isError(reason) ? `${reason.name}: ${reason.message}` : String(reason);
    const error = new Error(message);
    error.name = 'Runtime.UnhandledPromiseRejection';
    crash('Unhandled Promise Rejection', toRapidResponse(error), 128);
  });

  let handler;
  try {
    handler = await loadHandler();
  } catch (err) {
    const payload = toInitError(err);
    logLine('ERROR', 'undefined', `Uncaught Exception \t${JSON.stringify({ errorType: payload.errorType, errorMessage: payload.errorMessage, stack: payload.trace })}`);
    await call('POST', '/runtime/init/error', JSON.stringify(payload), {
      'Content-Type': 'application/json',
      'Lambda-Runtime-Function-Error-Type': payload.errorType,
    });
    process.exit(129);
  }
  initialized = true;
  for (;;) await invokeOnce(handler);
}

main().catch((err) => {
  process.stderr.write(`runtime bootstrap failed: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
