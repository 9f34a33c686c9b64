'use strict';
/**
 * The Node.js runtime loop, as Lambda's own runtime does it: load the handler once (init), then forever
 * GET /invocation/next → run the handler → POST /response or /error.
 * Started by the emulator as `node <Lambda's memory and GC flags> bootstrap.js <markerToken> [codeCacheDir]` (runtimes.ts).
 * Plain JavaScript with Node built-ins only: it runs inside the function's process, not the emulator's.
 */
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const util = require('node:util');
const { finished, Writable } = require('node:stream');
const { pathToFileURL } = require('node:url');
const { installCodeCache } = require('./code-cache');

const API_PREFIX = '/2018-06-01';
const markerToken = process.argv[2] || 'none';
/**
 * Where compiled code is kept across environments (code-cache.js); none when the emulator passes no folder.
 * Taken out of process.argv, which the function sees as it would without the cache.
 */
const codeCache = installCodeCache(process.argv.splice(3, 1)[0]);
const runtimeApi = process.env.AWS_LAMBDA_RUNTIME_API || '127.0.0.1:9001';
const [apiHost, apiPort] = splitHostPort(runtimeApi);

/** The invocation being run, for log lines and for crash reports. */
let current; // { requestId, answered }
let initialized = false;

function splitHostPort(value) {
  const at = value.lastIndexOf(':');
  return [value.slice(0, at).replace(/^\[|\]$/g, ''), Number(value.slice(at + 1))];
}

// ---------- Runtime API client ----------

/** A header value as HTTP allows it (an error type is the handler's error name, which may hold anything). */
const headerValue = (v) => String(v).replace(/[^\t\x20-\x7e]/g, '');

/**
 * The Runtime API over one keep-alive connection, with HTTP/1.1 pipelining: the result of an invocation and
 * the request for the next one leave in a single write, so every invocation costs one write and one wake-up
 * of the emulator fewer than request-then-request (what Lambda's own client does with its native HTTP
 * client). The emulator's Runtime API server (runtime-api-server.ts) always answers with a Content-Length.
 * The connection only holds the event loop open while an answer is awaited: during an invocation the loop may
 * drain (callback-style handlers that never call back end on 'beforeExit', as on Lambda).
 */
class RuntimeApiClient {
  constructor(host, port) {
    this.host = host;
    this.port = port;
    this.socket = undefined;
    this.pending = [];
    this.buffer = Buffer.alloc(0);
    this.head = undefined;
  }

  /** Sends the requests in one write; returns one promise per request, resolved with { status, headers, body }. */
  send(requests) {
    const socket = this.connection();
    const parts = [];
    const answers = requests.map((r) => {
      const body = r.body === undefined ? undefined : Buffer.isBuffer(r.body) ? r.body : Buffer.from(r.body);
      let head = `${r.method} ${API_PREFIX}${r.path} HTTP/1.1\r\nHost: ${runtimeApi}\r\n`;
      for (const [name, value] of Object.entries(r.headers || {})) head += `${name}: ${headerValue(value)}\r\n`;
      // Peak memory for the REPORT line, sent with results only (the emulator reads it from the last one).
      if (r.method === 'POST') head += `X-Emulator-Max-Rss-Kb: ${process.resourceUsage().maxRSS}\r\n`;
      head += `Content-Length: ${body ? body.length : 0}\r\n\r\n`;
      parts.push(Buffer.from(head, 'latin1'));
      if (body) parts.push(body);
      return new Promise((resolve, reject) => this.pending.push({ resolve, reject }));
    });
    socket.ref();
    socket.write(parts.length === 1 ? parts[0] : Buffer.concat(parts));
    return answers;
  }

  request(method, apiPath, body, headers) {
    return this.send([{ method, path: apiPath, body, headers }])[0];
  }

  /**
   * A chunked POST written piece by piece (a streamed response). Nothing else may use the connection until
   * `finish`; the connection holds the event loop open meanwhile, as Lambda's runtime client's request does.
   * Returns { write(buf, cb), finish(trailers) → the answer's promise }.
   */
  openChunked(apiPath, headers) {
    const socket = this.connection();
    socket.ref();
    let head = `POST ${API_PREFIX}${apiPath} HTTP/1.1\r\nHost: ${runtimeApi}\r\n`;
    for (const [name, value] of Object.entries(headers)) head += `${name}: ${headerValue(value)}\r\n`;
    head += `X-Emulator-Max-Rss-Kb: ${process.resourceUsage().maxRSS}\r\nTransfer-Encoding: chunked\r\n\r\n`;
    socket.write(head, 'latin1');
    const answer = new Promise((resolve, reject) => this.pending.push({ resolve, reject }));
    return {
      write(buf, cb) {
        if (buf.length === 0) return void cb();
        socket.write(`${buf.length.toString(16)}\r\n`, 'latin1');
        socket.write(buf);
        socket.write('\r\n', 'latin1', () => cb());
      },
      finish(trailers) {
        let tail = '0\r\n';
        for (const [name, value] of Object.entries(trailers || {})) tail += `${name}: ${headerValue(value)}\r\n`;
        socket.write(`${tail}\r\n`, 'latin1');
        return answer;
      },
    };
  }

  connection() {
    if (this.socket) return this.socket;
    const socket = net.connect({ host: this.host, port: this.port, noDelay: true });
    socket.on('data', (chunk) => this.onData(chunk));
    const fail = (err) => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      this.buffer = Buffer.alloc(0);
      this.head = undefined;
      const error = err || new Error(`the Runtime API at ${runtimeApi} closed the connection`);
      for (const p of this.pending.splice(0)) p.reject(error);
    };
    socket.on('error', fail);
    socket.on('close', () => fail());
    this.socket = socket;
    return socket;
  }

  onData(chunk) {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    for (;;) {
      if (!this.head) {
        const end = this.buffer.indexOf('\r\n\r\n');
        if (end < 0) return;
        const lines = this.buffer.subarray(0, end).toString('latin1').split('\r\n');
        const headers = {};
        for (const line of lines.slice(1)) {
          const colon = line.indexOf(':');
          if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
        }
        this.head = { status: Number(lines[0].split(' ')[1]), headers, length: Number(headers['content-length'] || 0) };
        this.buffer = this.buffer.subarray(end + 4);
      }
      if (this.buffer.length < this.head.length) return;
      const body = Buffer.from(this.buffer.subarray(0, this.head.length));
      this.buffer = this.buffer.subarray(this.head.length);
      const { status, headers } = this.head;
      this.head = undefined;
      const waiter = this.pending.shift();
      if (this.pending.length === 0 && this.socket) this.socket.unref();
      if (waiter) waiter.resolve({ status, headers, body });
    }
  }
}

const api = new RuntimeApiClient(apiHost, apiPort);

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

// ---------- Logging: Lambda's text format, or JSON (LoggingConfig) ----------

/**
 * The format and the lowest level written, from the variables Lambda sets for a function's LoggingConfig (a
 * function may set them itself too). Ranked as Lambda's Node runtime ranks them: TRACE is the most detailed.
 */
const LOG_LEVELS = { TRACE: 1, DEBUG: 2, INFO: 3, WARN: 4, ERROR: 5, FATAL: 6 };
const jsonLogs = String(process.env.AWS_LAMBDA_LOG_FORMAT || '').toUpperCase() === 'JSON';
const lowestLevel = LOG_LEVELS[String(process.env.AWS_LAMBDA_LOG_LEVEL || '').toUpperCase()] || LOG_LEVELS.TRACE;
const logs = (level) => LOG_LEVELS[level] >= lowestLevel;

/** One log event per call: newlines become \r so a stack trace stays one event (the emulator turns them back). */
function writeEvent(text) {
  process.stdout.write(text.replace(/\n/g, '\r') + '\n');
}

function logLine(level, requestId, message) {
  writeEvent(`${new Date().toISOString()}\t${requestId}\t${level}\t${message}`);
}

/** An error's class as Lambda's JSON logs name it: `Runtime.ImportModuleError` is an ImportModuleError. */
const errorClass = (err) =>
  typeof err.name === 'string' && err.name.startsWith('Runtime.') ? err.name.slice('Runtime.'.length) : (err.constructor && err.constructor.name) || 'UnknownError';

const errorFields = (err, stackTrace) => ({ errorType: errorClass(err), errorMessage: err.message, stackTrace });

/** Errors anywhere in a logged value become their type, message and stack lines, with their own fields after. */
const withErrorsSpelledOut = (_key, value) =>
  value instanceof Error ? Object.assign(errorFields(value, typeof value.stack === 'string' ? value.stack.split('\n') : value.stack), value) : value;

/**
 * A console call as one JSON object, as Lambda's Node runtime writes it: a single argument is the message as it
 * is (an object stays an object), several are formatted like console.log does, and the first Error among them
 * also gives the entry its errorType, errorMessage and stackTrace. No requestId outside an invocation.
 */
function jsonEntry(level, requestId, args) {
  const entry = { timestamp: new Date().toISOString(), level, requestId };
  if (args.length <= 1) {
    entry.message = args[0];
    try {
      return JSON.stringify(entry, withErrorsSpelledOut);
    } catch {
      entry.message = util.format(args[0]); // circular, BigInt…
      return JSON.stringify(entry);
    }
  }
  entry.message = util.format(...args);
  const err = args.find((a) => a instanceof Error);
  if (err) Object.assign(entry, errorFields(err, typeof err.stack === 'string' ? err.stack.split('\n') : []));
  return JSON.stringify(entry);
}

function patchConsole() {
  const levels = { log: 'INFO', info: 'INFO', warn: 'WARN', error: 'ERROR', debug: 'DEBUG', trace: 'TRACE', fatal: 'FATAL' };
  for (const [method, level] of Object.entries(levels)) {
    if (!logs(level)) {
      console[method] = () => {};
    } else if (jsonLogs) {
      console[method] = (...args) => writeEvent(jsonEntry(level, current ? current.requestId : undefined, args));
    } else {
      console[method] = (...args) => {
        let message = util.format(...args);
        if (method === 'trace') message = `Trace: ${message}\n${new Error().stack.split('\n').slice(2).join('\n')}`;
        logLine(level, current ? current.requestId : 'undefined', message);
      };
    }
  }
}

/**
 * What the runtime logs when an invocation or init fails (`Invoke Error`, `Uncaught Exception`…): in text, the
 * label and the error document; in JSON, the error itself as an ERROR entry (Lambda's JSON logger drops the label).
 */
function logFailure(label, requestId, err, payload) {
  if (!logs('ERROR')) return;
  if (jsonLogs) {
    const error = err instanceof Error ? err : new Error(err);
    writeEvent(jsonEntry('ERROR', requestId === 'undefined' ? undefined : requestId, [error]));
    return;
  }
  logLine('ERROR', requestId, `${label} \t${JSON.stringify({ errorType: payload.errorType, errorMessage: payload.errorMessage, stack: payload.trace })}`);
}

/**
 * The SDK this runtime provides (the last NODE_PATH folder) is the emulator's own, and on Node < 22 it warns once,
 * as an ERROR block in the function's log, that later versions will need Node 22. That is about the emulator's SDK
 * and the emulator's Node, not the function: a nodejs22.x function runs on Node 22 on Lambda, and Lambda's runtimes
 * bundle an SDK of their own. So that one warning is dropped when the provided SDK emits it; a function's own copy
 * of the SDK (bundled, or in a layer) still warns.
 */
function quietProvidedSdkVersionWarning() {
  const emitWarning = process.emitWarning;
  process.emitWarning = function (warning, ...rest) {
    if (typeof warning === 'string' && warning.startsWith('NodeVersionSupportWarning:') && fromProvidedSdk(new Error().stack)) return;
    return emitWarning.call(this, warning, ...rest);
  };
}

function fromProvidedSdk(stack) {
  const dirs = (process.env.NODE_PATH || '').split(path.delimiter).filter(Boolean);
  if (dirs.length === 0) return false;
  let sdkDir;
  try {
    sdkDir = fs.realpathSync(path.join(dirs[dirs.length - 1], '@aws-sdk'));
  } catch {
    return false;
  }
  // Frame 0 is the message, 1 the wrapper above, 2 whoever called process.emitWarning.
  const caller = String(stack).split('\n')[2] || '';
  return caller.includes(sdkDir + path.sep);
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

const NODEJS_EXIT_MESSAGE =
  'The Lambda runtime client detected an unexpected Node.js exit code. This is most commonly caused by a Promise that was never settled. For more information, see https://nodejs.org/docs/latest/api/process.html#exit-codes';

const isAsyncFunction = (fn) => typeof fn === 'function' && fn.constructor && fn.constructor.name === 'AsyncFunction';

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

/** ESM ignores NODE_PATH; a resolve hook gives `import '@aws-sdk/…'` (and layer packages) the same fallback require has. */
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

// ---------- Response streaming (awslambda.streamifyResponse) ----------

/** How Lambda's runtime marks a streaming handler (the same symbols, so code checking for them agrees). */
const HANDLER_STREAMING = Symbol.for('aws.lambda.runtime.handler.streaming');
const STREAM_RESPONSE = 'response';
const HANDLER_HIGHWATERMARK = Symbol.for('aws.lambda.runtime.handler.streaming.highWaterMark');
const HTTP_INTEGRATION_CONTENT_TYPE = 'application/vnd.awslambda.http-integration-response';

/** `awslambda.HttpResponseStream.from`: a JSON prelude and 8 NUL bytes ahead of the body (function URLs read them). */
class HttpResponseStream {
  static from(stream, prelude) {
    stream.setContentType(HTTP_INTEGRATION_CONTENT_TYPE);
    const text = JSON.stringify(prelude);
    stream._onBeforeFirstWrite = (write) => {
      write(text);
      write(new Uint8Array(8));
    };
    return stream;
  }
}

function installGlobals() {
  const off = process.env.AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA;
  if (off === '1' || off === 'true') return;
  globalThis.awslambda = {
    ...globalThis.awslambda,
    streamifyResponse(handler, options) {
      handler[HANDLER_STREAMING] = STREAM_RESPONSE;
      if (options && typeof options.highWaterMark === 'number') handler[HANDLER_HIGHWATERMARK] = Math.floor(options.highWaterMark);
      return handler;
    },
    HttpResponseStream,
  };
}

const isStreamingHandler = (handler) => handler[HANDLER_STREAMING] === STREAM_RESPONSE;

/**
 * The responseStream a streaming handler writes to: each write goes to the Runtime API as one HTTP chunk of
 * `POST …/response` (Lambda-Runtime-Function-Response-Mode: streaming), whose headers leave with the first
 * write, so setContentType works until then. end() ends the request; an error ends it with the trailers
 * Lambda-Runtime-Function-Error-Type and Lambda-Runtime-Function-Error-Body (the error document, base64).
 */
function createResponseStream(requestId, highWaterMark) {
  let contentType = 'application/octet-stream';
  let request;
  let answer;
  const open = () => {
    request ??= api.openChunked(`/runtime/invocation/${encodeURIComponent(requestId)}/response`, {
      'Lambda-Runtime-Function-Response-Mode': 'streaming',
      'Content-Type': contentType,
      Trailer: 'Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body',
    });
    return request;
  };
  const stream = new Writable({
    highWaterMark,
    write(chunk, _encoding, cb) {
      open().write(chunk, cb);
    },
    final(cb) {
      // Output first: the emulator closes the invocation's log once the response is complete.
      writeMarkers(requestId).then(() => {
        answer = open().finish();
        cb();
      });
    },
  });
  // As Lambda's: objects are written as JSON, and HttpResponseStream's prelude goes out just before the first write.
  let written = false;
  const write = stream.write.bind(stream);
  const end = stream.end.bind(stream);
  stream.write = (chunk, encoding, cb) => {
    const data = typeof chunk === 'string' || chunk instanceof Uint8Array ? chunk : JSON.stringify(chunk);
    if (!written && typeof stream._onBeforeFirstWrite === 'function') stream._onBeforeFirstWrite((c) => write(c));
    written = true;
    return write(data, encoding, cb);
  };
  stream.end = (chunk, encoding, cb) => {
    if (typeof chunk === 'function') return end(chunk);
    if (chunk !== undefined && chunk !== null) stream.write(chunk, typeof encoding === 'string' ? encoding : undefined);
    return end(typeof encoding === 'function' ? encoding : cb);
  };
  stream.setContentType = (type) => {
    if (written) throw new RuntimeError('Runtime.InvalidStreamingOperation', 'Cannot set content-type, too late.');
    contentType = String(type);
  };
  /** Ends the response with an error in the trailers (the body written so far stays sent). */
  stream.fail = async (payload) => {
    // Once end() is called the response is complete, as on Lambda (whose client sends the last chunk at
    // end()): a later error is logged only. Ending it a second time would corrupt the connection.
    if (stream.writableEnded && !answer) await new Promise((resolve) => finished(stream, resolve));
    if (answer) return answer;
    await writeMarkers(requestId);
    answer = open().finish({
      'Lambda-Runtime-Function-Error-Type': String(payload.errorType),
      'Lambda-Runtime-Function-Error-Body': Buffer.from(JSON.stringify(payload)).toString('base64'),
    });
    stream.destroy();
    return answer;
  };
  /** The Runtime API's answer, once the response is complete (undefined before). */
  stream.answer = () => answer;
  return stream;
}

/** Runs a streaming handler; resolves once its response is complete (ended, or failed with the error). */
async function runStreamingHandler(handler, event, context, requestId) {
  const stream = createResponseStream(requestId, handler[HANDLER_HIGHWATERMARK]);
  current.stream = stream;
  try {
    const returned = handler(event, stream, context);
    if (!returned || typeof returned.then !== 'function') throw new Error('Streaming does not support non-async handlers.');
    const result = await returned;
    if (result !== undefined) console.warn('Streaming handlers ignore return values.');
    // Like Lambda, the invocation lasts until the handler ends the stream (a handler that never does times out).
    if (!stream.writableFinished) await new Promise((resolve, reject) => stream.once('finish', resolve).once('error', reject));
    await stream.answer();
  } catch (err) {
    const payload = toRapidResponse(err);
    logFailure('Invoke Error', requestId, err, payload);
    await stream.fail(payload);
  }
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
    // When the event loop drains before the handler has answered, AWS's runtime interface client (since its
    // 2025 NodeJsExit change) fails an async handler with Runtime.NodeJsExit and answers null for any other.
    const onIdle = () => (isAsyncFunction(handler) ? callback(new RuntimeError('Runtime.NodeJsExit', NODEJS_EXIT_MESSAGE)) : callback(null, null));
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
      returned.then(
        (r) => callback(null, r),
        (e) => callback(e === undefined || e === null ? new Error(`Handler rejected with ${e}`) : e),
      );
    }
    // Neither a pending promise nor a callback not yet called holds anything open: with nothing else to run,
    // 'beforeExit' ends the invocation.
    if (!settled) process.once('beforeExit', onIdle);
  });
}

/** The POST that ends an invocation, as a request for RuntimeApiClient.send. */
function resultRequest(requestId, outcome) {
  const id = encodeURIComponent(requestId);
  if (outcome.kind === 'response') {
    return { method: 'POST', path: `/runtime/invocation/${id}/response`, body: outcome.body, headers: { 'Content-Type': 'application/json' } };
  }
  return {
    method: 'POST',
    path: `/runtime/invocation/${id}/error`,
    body: JSON.stringify(outcome.payload),
    headers: { 'Content-Type': 'application/json', 'Lambda-Runtime-Function-Error-Type': String(outcome.payload.errorType) },
  };
}

const NEXT = { method: 'GET', path: '/runtime/invocation/next' };

async function postError(requestId, payload) {
  await api.send([resultRequest(requestId, { kind: 'error', payload })])[0];
}

/**
 * Runs the invocation `nextAnswer` brings; resolves with `{ next }`, the answer to come for the one after
 * (its request leaves together with this one's result). Wrapped, so awaiting this does not wait for it.
 */
async function invokeOnce(handler, nextAnswer) {
  const next = await nextAnswer;
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
  if (isStreamingHandler(handler)) {
    await runStreamingHandler(handler, event, context, requestId);
    current.answered = true;
    return { next: api.request(NEXT.method, NEXT.path) };
  }
  let outcome;
  try {
    const result = await runHandler(handler, event, context);
    const body = JSON.stringify(result === undefined ? null : result);
    outcome = { kind: 'response', body: body === undefined ? 'null' : body };
  } catch (err) {
    const payload = toRapidResponse(err);
    logFailure('Invoke Error', requestId, err, payload);
    outcome = { kind: 'error', payload };
  }
  if (current.answered) return { next: api.request(NEXT.method, NEXT.path) }; // a crash handler already answered
  current.answered = true;
  await writeMarkers(requestId);
  const [posted, following] = api.send([resultRequest(requestId, outcome), NEXT]);
  following.catch(() => undefined); // a lost connection is reported once, by whichever answer is awaited first
  await posted;
  return { next: following };
}

/** An error escaping the handler's promise chain: report it for the invocation (or init), then exit like Lambda. */
async function crash(label, err, payload, exitCode) {
  try {
    logFailure(label, current ? current.requestId : 'undefined', err, payload);
    if (current && current.stream && !current.answered) {
      current.answered = true;
      await current.stream.fail(payload); // the connection carries the open response: end it with the error
    } else if (current && !current.answered) {
      current.answered = true;
      await writeMarkers(current.requestId);
      await postError(current.requestId, payload);
    } else if (!initialized) {
      await api.request('POST', '/runtime/init/error', JSON.stringify(payload), {
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
  quietProvidedSdkVersionWarning();
  installGlobals();
  process.on('uncaughtException', (err) => crash('Uncaught Exception', err, toRapidResponse(err), 129));
  process.on('unhandledRejection', (reason) => {
    const message = isError(reason) ? `${reason.name}: ${reason.message}` : String(reason);
    const error = new Error(message);
    error.name = 'Runtime.UnhandledPromiseRejection';
    crash('Unhandled Promise Rejection', error, toRapidResponse(error), 128);
  });

  let handler;
  try {
    handler = await loadHandler();
  } catch (err) {
    const payload = toInitError(err);
    logFailure('Uncaught Exception', 'undefined', err, payload);
    await api.request('POST', '/runtime/init/error', JSON.stringify(payload), {
      'Content-Type': 'application/json',
      'Lambda-Runtime-Function-Error-Type': payload.errorType,
    });
    process.exit(129);
  }
  initialized = true;
  let nextAnswer = api.request(NEXT.method, NEXT.path);
  for (;;) {
    nextAnswer = (await invokeOnce(handler, nextAnswer)).next;
    // After an invocation the code has run, so the cache also holds what V8 compiled lazily on the way.
    void codeCache.flush();
  }
}

main().catch((err) => {
  process.stderr.write(`runtime bootstrap failed: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
