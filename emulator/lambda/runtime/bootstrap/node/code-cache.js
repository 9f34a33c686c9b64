'use strict';
/**
 * A V8 code cache for the large CommonJS files a function loads (the SDK's packages, a bundled handler), kept
 * on disk across environments, so a cold start does not compile the same megabytes again. Requiring
 * @aws-sdk/client-s3 and making its first calls costs ~175 ms of a new process here, ~125 ms with the cache.
 * Lambda has nothing to match (its cold starts are slower still); what the function sees is the same: the
 * same module objects, Node's own `require`, the same stack frames, line and column numbers.
 *
 * A cache entry is produced after the file has run for a while (after an invocation), so it also holds the
 * functions V8 compiled lazily on the way. Entries are named by a hash of the V8 version, the node flags (and
 * NODE_OPTIONS) and the file's path and content, so a changed file or another memory size never reads a stale
 * one; V8 checks the data again itself and a rejected entry is only slower, then replaced.
 *
 * How it stays invisible: `Module.prototype._compile` becomes an accessor. Reading it on a module Node is
 * about to compile prepares that file (read, compiled from the cache); every other read gets Node's own
 * function, so files the cache leaves alone run under Node's frames only. A prepared file runs through a
 * `_compile` compiled under Node's loader's name, whose call of the module sits where Node's own call does
 * (so the frame reads `Module._compile (node:internal/modules/cjs/loader:L:C)` either way), with the
 * `require` Node makes for the module.
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const Module = require('node:module');
const vm = require('node:vm');

/** Smaller files compile in less time than reading a cache entry takes. */
const MIN_SOURCE_BYTES = 16 * 1024;
/** The folder is trimmed to this, oldest entries first, after each write. */
const MAX_CACHE_BYTES = 256 * 1024 * 1024;
/** A temporary file older than this was left by a process killed while writing it. */
const STALE_TEMPORARY_MS = 60 * 1000;
/**
 * Node 20 loses a script's import() callback when it is compiled with vm.Script (ERR_VM_DYNAMIC_IMPORT_CALLBACK_
 * MISSING), so a file that may call import() is left to Node. `import` may be followed by spaces, line breaks or
 * comments before its `(`; a false match (a property named import) only costs the cache.
 */
const DYNAMIC_IMPORT = /\bimport\s*(?:\(|\/[/*])/;
/** Node registers a file's source map (--enable-source-maps) in its own compile step: such files are left to it. */
const SOURCE_MAP = /\/[/*][#@]\s*sourceMappingURL=/;
const PARAMETERS = ['exports', 'require', 'module', '__filename', '__dirname'];
const WRAPPER_HEAD = `(function (${PARAMETERS.join(', ')}) {\n`;
/** Flags under which Node's own _compile does more than compile and run (a policy checks each file). */
const POLICY_FLAG = /(^|\s)--(experimental-policy|policy-integrity)\b/;

const noCache = { flush: async () => undefined };

/**
 * Hooks CommonJS loading for `.js`/`.cjs` files of at least MIN_SOURCE_BYTES. Returns `flush()`, which writes
 * the entries for files compiled without one since the last flush (call it once the code has run).
 */
function installCodeCache(dir) {
  if (!dir || POLICY_FLAG.test(`${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS || ''}`)) return noCache;
  if (!isPrivateFolder(dir)) return noCache;
  const nodeCompile = Module.prototype._compile;
  const site = nodeCallSite(nodeCompile);
  if (!site) return noCache; // another Node whose frames cannot be matched: no cache rather than other frames
  // NODE_OPTIONS too: V8 rejects an entry made under other V8 flags, and two functions would keep replacing it.
  const salt = `${process.versions.v8}\0${process.execArgv.join(' ')}\0${process.env.NODE_OPTIONS || ''}\0`;
  const nodeWrap = Module.wrap;
  const [wrapperHead, wrapperTail] = Module.wrapper;
  const prepared = new WeakMap(); // module → what its _compile call runs
  const pending = new Map(); // entry path → vm.Script
  let flushing = Promise.resolve();

  /** Reads and compiles a module's file before Node calls its _compile; false leaves the file to Node. */
  function prepare(mod) {
    const filename = mod.filename;
    if (typeof filename !== 'string' || !/\.c?js$/.test(filename)) return false;
    // Module.wrap patched: Node compiles with the patched wrapper.
    if (Module.wrap !== nodeWrap || Module.wrapper[0] !== wrapperHead || Module.wrapper[1] !== wrapperTail) return false;
    let content;
    try {
      const stat = fs.statSync(filename, { throwIfNoEntry: false });
      if (!stat || !stat.isFile() || stat.size < MIN_SOURCE_BYTES) return false;
      content = fs.readFileSync(filename, 'utf8');
    } catch {
      return false;
    }
    if (DYNAMIC_IMPORT.test(content) || SOURCE_MAP.test(content)) return false;
    const entry = path.join(dir, `${crypto.createHash('sha256').update(salt).update(filename).update('\0').update(content).digest('hex')}.bin`);
    let cachedData;
    try {
      cachedData = fs.readFileSync(entry);
    } catch {
      cachedData = undefined;
    }
    const body = stripShebang(content);
    let script;
    try {
      // An entry is only ever written for a body that passed the check below, so a read one needs none.
      if (cachedData === undefined) assertFunctionBody(body, filename);
      // lineOffset -1: the wrapper has a line of its own, so the file's lines and columns stay its own.
      script = new vm.Script(`${WRAPPER_HEAD}${body}\n})`, { filename, lineOffset: -1, cachedData });
    } catch {
      // ES module syntax in a .js file (Node detects it and loads it as one), or a real syntax error: Node's
      // own compile step does either, with its own error.
      return false;
    }
    prepared.set(mod, { content, filename, entry, script, wrapper: script.runInThisContext() });
    return true;
  }

  /** What the cache's _compile runs for `mod`, or undefined when Node's own must (then it has not run). */
  function take(mod, content, filename, format) {
    const ready = prepared.get(mod);
    prepared.delete(mod);
    if (!ready || ready.content !== content || ready.filename !== filename || (format !== undefined && format !== 'commonjs')) {
      return undefined;
    }
    if (ready.script.cachedDataRejected !== false) pending.set(ready.entry, ready.script);
    // Node's own `require` for this module (and its _compile's bookkeeping): a module that only returns it.
    const require = nodeCompile.call(mod, 'return require', filename, 'commonjs');
    const executing = Object.getOwnPropertySymbols(mod).find((s) => s.description === 'kIsExecuting');
    const exports = mod.exports;
    return {
      wrapper: ready.wrapper,
      exports,
      args: [exports, require, mod, filename, path.dirname(filename)],
      // Node marks the module as running (require(esm) reports a cycle back to it); not undone on a throw.
      start: () => executing && (mod[executing] = true),
      end: () => executing && (mod[executing] = false),
    };
  }

  const cachedCompile = positionedCompile(site, nodeCompile, take);
  Object.defineProperty(Module.prototype, '_compile', {
    configurable: true,
    enumerable: true,
    get() {
      if (this instanceof Module && this !== Module.prototype && !this.loaded && !prepared.has(this) && prepare(this)) return cachedCompile;
      return prepared.has(this) ? cachedCompile : nodeCompile;
    },
    set(value) {
      // Someone wrapping _compile (a require hook): a plain property, as before the cache.
      Object.defineProperty(this, '_compile', { value, writable: true, enumerable: true, configurable: true });
    },
  });

  async function flush() {
    if (pending.size === 0) return;
    const scripts = [...pending];
    pending.clear();
    for (const [entry, script] of scripts) {
      // Written under a name of its own and renamed: environments starting meanwhile read a whole entry or none.
      const temporary = `${entry}.${process.pid}.${crypto.randomBytes(6).toString('hex')}.tmp`;
      try {
        await fs.promises.writeFile(temporary, script.createCachedData(), { flag: 'wx', mode: 0o600 });
        await fs.promises.rename(temporary, entry);
      } catch {
        await fs.promises.rm(temporary, { force: true }).catch(() => undefined); // a full disk, say: no leftover
      }
    }
    await trim(dir);
  }

  return {
    // One flush at a time: a later one waits for the one writing.
    flush: () => (flushing = flushing.then(flush).catch(() => undefined)),
  };
}

/** Throws a SyntaxError unless `body` is one function body (it could close the wrapper: `}); code; (function () {`). */
function assertFunctionBody(body, filename) {
  vm.compileFunction(body, PARAMETERS, { filename });
}

/**
 * Where Node's _compile calls a module (`node:internal/modules/cjs/loader`, line, column), read from the stack of
 * a module that Node compiles; undefined when that frame cannot be found.
 */
function nodeCallSite(nodeCompile) {
  const limit = Error.stackTraceLimit;
  try {
    Error.stackTraceLimit = 10;
    const probe = new Module('<code-cache-probe>', null);
    const stack = String(nodeCompile.call(probe, 'return new Error().stack', path.join(__dirname, '<code-cache-probe>.js'), 'commonjs'));
    const match = /^\s+at Module\._compile \((node:internal\/[^:]+):(\d+):(\d+)\)$/m.exec(stack.split('\n').slice(2, 3).join('\n'));
    return match ? { file: match[1], line: Number(match[2]), column: Number(match[3]) } : undefined;
  } catch {
    return undefined;
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/**
 * The cache's `_compile`, compiled under the name of Node's loader file and laid out so that its call of the
 * module is at Node's line and column: a stack through it reads as one through Node's. Named as Node's is.
 */
function positionedCompile(site, nodeCompile, take) {
  const lines = [
    '(function (nodeCompile, take, apply) {',
    '  const Module = { prototype: {} };',
    '  Module.prototype._compile = function (content, filename, format) {',
    '    const ready = take(this, content, filename, format);',
    '    if (ready === undefined) return apply(nodeCompile, this, arguments);',
    '    let result;',
    '    ready.start();',
    null, // the call of the module
    '    ready.end();',
    '    return result;',
    '  };',
    '  return Module.prototype._compile;',
    '})',
  ];
  const callLine = lines.indexOf(null);
  const prefix = 'result = ';
  if (site.column - 1 < prefix.length || site.line - 1 < callLine) return nodeCompile;
  lines[callLine] = `${' '.repeat(site.column - 1 - prefix.length)}${prefix}apply(ready.wrapper, ready.exports, ready.args);`;
  const factory = new vm.Script(lines.join('\n'), { filename: site.file, lineOffset: site.line - 1 - callLine });
  return factory.runInThisContext()(nodeCompile, take, Reflect.apply);
}

/** Keeps the folder under MAX_CACHE_BYTES (newest entries kept) and removes temporary files left by killed processes. */
async function trim(dir) {
  const now = Date.now();
  const files = [];
  for (const name of await fs.promises.readdir(dir)) {
    const file = path.join(dir, name);
    const stat = await fs.promises.lstat(file).catch(() => undefined);
    if (!stat || !stat.isFile()) continue;
    if (name.endsWith('.tmp')) {
      if (now - stat.mtimeMs > STALE_TEMPORARY_MS) await fs.promises.rm(file, { force: true }).catch(() => undefined);
    } else if (name.endsWith('.bin')) {
      files.push({ file, size: stat.size, mtimeMs: stat.mtimeMs });
    }
  }
  files.sort((a, b) => b.mtimeMs - a.mtimeMs);
  let total = 0;
  for (const { file, size } of files) {
    total += size;
    if (total > MAX_CACHE_BYTES) await fs.promises.rm(file, { force: true }).catch(() => undefined);
  }
}

/**
 * Cached data is code this process will run, so the folder must be this user's alone (the default one is under
 * the shared temp folder, where someone else could have made it first).
 */
function isPrivateFolder(dir) {
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const stat = fs.lstatSync(dir);
    const mine = typeof process.getuid !== 'function' || stat.uid === process.getuid();
    return stat.isDirectory() && mine && (process.platform === 'win32' || (stat.mode & 0o022) === 0);
  } catch {
    return false;
  }
}

/** Node accepts a `#!` first line in a CommonJS file; a function body would not (the line stays, emptied). */
function stripShebang(content) {
  return content.startsWith('#!') ? content.replace(/^#![^\r\n]*/, '') : content;
}

module.exports = { installCodeCache, isPrivateFolder, MIN_SOURCE_BYTES, MAX_CACHE_BYTES };
