'use strict';
/**
 * A V8 code cache for the large CommonJS files a function loads (the SDK's packages, a bundled handler), kept
 * on disk across environments, so a cold start does not compile the same megabytes again. Requiring
 * @aws-sdk/client-s3 and making its first calls costs ~175 ms of a new process here, ~125 ms with the cache.
 * Lambda has nothing to match (its cold starts are slower still); what the function sees is the same: the
 * same module objects, `require`, line and column numbers in stack traces.
 *
 * A cache entry is produced after the file has run for a while (after an invocation), so it also holds the
 * functions V8 compiled lazily on the way. Entries are named by a hash of the V8 version, the node flags and
 * the file's path and content, so a changed file or another memory size never reads a stale one; V8 checks
 * the data again itself and a rejected entry is only slower, then replaced.
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const Module = require('node:module');
const vm = require('node:vm');

/** Smaller files compile in less time than reading a cache entry takes. */
const MIN_SOURCE_BYTES = 16 * 1024;
/**
 * Node 20 loses a script's import() callback when it is compiled from cached data (import() then throws
 * ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING), so a file that may call import() is left to Node. The SDK's CommonJS
 * builds have none.
 */
const DYNAMIC_IMPORT = /\bimport\s*\(/;
/** Node registers a file's source map (--enable-source-maps) in its own compile step: such files are left to it. */
const SOURCE_MAP = /\/[/*][#@]\s*sourceMappingURL=/;
const WRAPPER_HEAD = '(function (exports, require, module, __filename, __dirname) {\n';

/**
 * Hooks CommonJS loading for `.js`/`.cjs` files of at least MIN_SOURCE_BYTES. Returns `flush()`, which writes
 * the entries for files compiled without one since the last flush (call it once the code has run).
 */
function installCodeCache(dir) {
  if (!dir || !isPrivateFolder(dir)) return { flush: async () => undefined };
  const salt = `${process.versions.v8}\0${process.execArgv.join(' ')}\0`;
  const pending = new Map(); // entry path → vm.Script
  const nodeCompile = Module.prototype._compile;

  Module.prototype._compile = function _compile(content, filename, format) {
    const leftToNode =
      (format !== undefined && format !== 'commonjs') || // an ES module required (require(esm))
      content.length < MIN_SOURCE_BYTES ||
      DYNAMIC_IMPORT.test(content) ||
      SOURCE_MAP.test(content);
    if (leftToNode) return nodeCompile.apply(this, arguments);
    const entry = path.join(dir, `${crypto.createHash('sha256').update(salt).update(filename).update('\0').update(content).digest('hex')}.bin`);
    let cachedData;
    try {
      cachedData = fs.readFileSync(entry);
    } catch {
      cachedData = undefined;
    }
    const source = WRAPPER_HEAD + stripShebang(content) + '\n})';
    // lineOffset -1: the wrapper has a line of its own, so the file's lines and columns stay its own.
    let script;
    try {
      script = new vm.Script(source, { filename, lineOffset: -1, cachedData });
    } catch (e) {
      // ES module syntax in a .js file (Node detects it and loads it as one), or a real syntax error: Node's
      // own compile step does either, with its own error.
      if (e instanceof SyntaxError) return nodeCompile.apply(this, arguments);
      throw e;
    }
    if (cachedData === undefined || script.cachedDataRejected) pending.set(entry, script);
    const wrapper = script.runInThisContext({ displayErrors: true });
    return wrapper.call(this.exports, this.exports, makeRequire(this), this, filename, path.dirname(filename));
  };

  async function flush() {
    if (pending.size === 0) return;
    const scripts = [...pending];
    pending.clear();
    for (const [entry, script] of scripts) {
      // Written under a temporary name and renamed: environments starting meanwhile read a whole entry or none.
      const temporary = `${entry}.${process.pid}.tmp`;
      try {
        await fs.promises.writeFile(temporary, script.createCachedData());
        await fs.promises.rename(temporary, entry);
      } catch {
        await fs.promises.rm(temporary, { force: true }); // a full disk, say: no entry, and no leftover
      }
    }
  }

  return { flush: () => flush().catch(() => undefined) };
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

/** The `require` Node gives a CommonJS module. */
function makeRequire(mod) {
  const require = (id) => mod.require(id);
  require.resolve = (request, options) => Module._resolveFilename(request, mod, false, options);
  require.resolve.paths = (request) => Module._resolveLookupPaths(request, mod);
  require.main = process.mainModule;
  require.extensions = Module._extensions;
  require.cache = Module._cache;
  return require;
}

/** Node accepts a `#!` first line in a CommonJS file; a function body would not (the line stays, emptied). */
function stripShebang(content) {
  return content.startsWith('#!') ? content.replace(/^#![^\r\n]*/, '') : content;
}

module.exports = { installCodeCache, isPrivateFolder, MIN_SOURCE_BYTES };
