import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildSync } from 'esbuild';
import { RuntimePool } from '../../emulator/lambda/runtime';
import { waitFor } from '../../harness/wait';
const { isPrivateFolder } = require('../../emulator/lambda/runtime/bootstrap/node/code-cache.js') as { isPrivateFolder: (dir: string) => boolean };
import { event, json, removeTempDirs, spec, tempDir, writeCode } from './helpers';

/**
 * The Node runtime's code cache (bootstrap/node/code-cache.js): large CommonJS files are compiled from a V8
 * cache kept on disk across environments. What a function sees must not change with it.
 */

const PADDING = `/* ${'x'.repeat(20 * 1024)} */`;

/**
 * A module over the cache's size floor that reports what CommonJS gives it, and throws from a known place on
 * its first line (where a wrapper would shift columns) and on a later line.
 */
const BIG = `${PADDING} exports.where = () => { throw new Error('first line'); };
const helper = require('./small');
exports.report = async () => ({
  filename: __filename,
  dirname: __dirname,
  resolved: require.resolve('./small'),
  mainIsBootstrap: require.main === process.mainModule,
  cached: require.cache[__filename] === module,
  helper: helper(),
  thisIsExports: this === module.exports,
});
exports.later = () => {
  throw new Error('later line');
};
`;

const INDEX = `const big = require('./big');
const stackOf = (fn) => { try { fn(); } catch (e) { return e.stack.split('\\n').slice(0, 2).join('\\n'); } };
exports.handler = async () => ({ ...(await big.report()), first: stackOf(big.where), later: stackOf(big.later) });`;

const pools: RuntimePool[] = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
  delete process.env.HARNESS_CODE_CACHE_DIR;
});
afterAll(() => removeTempDirs());

/** One invocation in a new pool (so a new environment and process) with the given cache folder. */
async function runOnce(codeDir: string, cacheDir: string, environment: Record<string, string> = {}): Promise<any> {
  process.env.HARNESS_CODE_CACHE_DIR = cacheDir;
  const pool = new RuntimePool({ endpointUrl: 'http://127.0.0.1:4566' });
  pools.push(pool);
  const result = await pool.invoke(spec(codeDir, { functionName: `cc-${path.basename(codeDir)}`, environment }), event({}));
  return json(result.payload);
}

const entries = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.bin')) : []);

describe('Node runtime code cache', () => {
  test('a large module is cached after its first invocation and read back by the next environment, unchanged to the function', async () => {
    const code = writeCode({ 'index.js': INDEX, 'big.js': BIG, 'small.js': 'module.exports = () => "small";' });
    const cacheDir = path.join(tempDir('code-cache-'), 'cache');
    const uncached = await runOnce(code, 'off');
    expect(fs.existsSync(cacheDir)).toBe(false);

    const first = await runOnce(code, cacheDir);
    // Written after the invocation, for big.js only (index.js and small.js are under the size floor).
    const [entry] = await waitFor(() => entries(cacheDir).length === 1 && entries(cacheDir), { what: 'the cache entry' });
    const written = fs.statSync(path.join(cacheDir, entry!));
    const second = await runOnce(code, cacheDir);

    expect(first).toEqual({
      filename: path.join(code, 'big.js'),
      dirname: code,
      resolved: path.join(code, 'small.js'),
      mainIsBootstrap: true,
      cached: true,
      helper: 'small',
      thisIsExports: true,
      first: expect.stringContaining(`${path.join(code, 'big.js')}:1:${PADDING.length + 32}`),
      later: expect.stringContaining(`${path.join(code, 'big.js')}:13:9`),
    });
    expect(uncached).toEqual(first);
    expect(second).toEqual(first);
    // Read, not rewritten: V8 accepted it.
    const after = fs.statSync(path.join(cacheDir, entry!));
    expect([after.ino, after.mtimeMs]).toEqual([written.ino, written.mtimeMs]);
  });

  test('a damaged entry is only slower: the function runs the same and the entry is replaced', async () => {
    const code = writeCode({ 'index.js': INDEX, 'big.js': BIG, 'small.js': 'module.exports = () => "small";' });
    const cacheDir = path.join(tempDir('code-cache-'), 'cache');
    const first = await runOnce(code, cacheDir);
    const [entry] = await waitFor(() => entries(cacheDir).length === 1 && entries(cacheDir), { what: 'the cache entry' });
    const file = path.join(cacheDir, entry!);
    fs.writeFileSync(file, 'not a code cache');

    expect(await runOnce(code, cacheDir)).toEqual(first);
    await waitFor(() => fs.readFileSync(file).length > 100, { what: 'the damaged entry to be replaced' });
  });

  test('a changed file gets an entry of its own', async () => {
    const cacheDir = path.join(tempDir('code-cache-'), 'cache');
    const code = writeCode({ 'index.js': INDEX, 'big.js': BIG, 'small.js': 'module.exports = () => "small";' });
    await runOnce(code, cacheDir);
    await waitFor(() => entries(cacheDir).length === 1, { what: 'the first entry' });
    fs.writeFileSync(path.join(code, 'small.js'), 'module.exports = () => "changed";');
    fs.writeFileSync(path.join(code, 'big.js'), BIG.replace("'later line'", "'changed line'"));

    const changed = await runOnce(code, cacheDir);
    expect(changed.helper).toBe('changed');
    expect(changed.later).toContain('Error: changed line');
    await waitFor(() => entries(cacheDir).length === 2, { what: 'a second entry, for the changed file' });
  });

  test('a large module that may call import() is left to Node (a cached one loses its import() callback on Node 20)', async () => {
    const code = writeCode({
      'index.js': `const plain = require('./plain'), dynamic = require('./dynamic');\nexports.handler = async () => [plain.name, await dynamic.join()];`,
      'plain.js': `${PADDING}\nexports.name = 'plain';`,
      'dynamic.js': `${PADDING}\nexports.join = async () => typeof (await import('node:path')).join;`,
    });
    const cacheDir = path.join(tempDir('code-cache-'), 'cache');
    expect(await runOnce(code, cacheDir)).toEqual(['plain', 'function']);
    // plain.js's entry shows the flush happened; dynamic.js has none.
    await waitFor(() => entries(cacheDir).length > 0, { what: "plain.js's entry" });
    expect(await runOnce(code, cacheDir)).toEqual(['plain', 'function']);
    expect(entries(cacheDir)).toHaveLength(1);
  });

  test('a large file with a source map is left to Node, which maps its stack traces (NODE_OPTIONS=--enable-source-maps)', async () => {
    const source = tempDir('code-cache-src-');
    fs.writeFileSync(path.join(source, 'handler.ts'), `const padding: string = ${JSON.stringify('x'.repeat(20 * 1024))};\n\nexport const handler = async (): Promise<string> => {\n  try {\n    throw new Error('mapped ' + padding.length);\n  } catch (e) {\n    return (e as Error).stack!.split('\\n')[1]!;\n  }\n};\n`);
    const code = tempDir('code-cache-fn-');
    buildSync({ entryPoints: [path.join(source, 'handler.ts')], outfile: path.join(code, 'index.js'), bundle: true, platform: 'node', format: 'cjs', sourcemap: 'inline', logLevel: 'silent' });
    expect(fs.statSync(path.join(code, 'index.js')).size).toBeGreaterThan(20 * 1024);
    const cacheDir = path.join(tempDir('code-cache-'), 'cache');
    const run = () => runOnce(code, cacheDir, { NODE_OPTIONS: '--enable-source-maps' });
    expect(await run()).toContain(`${path.join(source, 'handler.ts')}:5:11`);
    expect(await run()).toContain(`${path.join(source, 'handler.ts')}:5:11`);
    expect(entries(cacheDir)).toEqual([]);
  });

  test('a large file in ES module syntax (Node detects it) and a large file with a syntax error load as Node loads them', async () => {
    const cacheDir = path.join(tempDir('code-cache-'), 'cache');
    const esm = writeCode({
      'index.js': `const { name } = require('./esm-syntax');\nexports.handler = async () => name;`,
      'esm-syntax.js': `${PADDING}\nexport const name = 'detected';`,
    });
    expect(await runOnce(esm, cacheDir)).toBe('detected');
    expect(await runOnce(esm, cacheDir)).toBe('detected');
    const broken = writeCode({ 'index.js': `${PADDING}\nexports.handler = async () => {;` });
    const error = await runOnce(broken, cacheDir);
    expect(error.errorType).toBe('Runtime.UserCodeSyntaxError');
    expect(error.errorMessage).toBe('SyntaxError: Unexpected end of input');
  });

  /**
   * Runs the function without the cache, then twice with it (the second run reads the entries the first one
   * wrote, when there are any), and expects the same answer each time.
   */
  async function expectSameWithCache(files: Record<string, string>, { cacheable = true } = {}): Promise<any> {
    const code = writeCode(files);
    const cacheDir = path.join(tempDir('code-cache-'), 'cache');
    const uncached = await runOnce(code, 'off');
    const first = await runOnce(code, cacheDir);
    if (cacheable && !first.errorType) await waitFor(() => entries(cacheDir).length > 0, { what: 'a cache entry' });
    const second = await runOnce(code, cacheDir);
    expect(first).toEqual(uncached);
    expect(second).toEqual(uncached);
    return { uncached, cacheDir };
  }

  test('an error thrown while a module loads reports the same stack trace (small and large modules, syntax errors)', async () => {
    // Every frame counts: Runtime.ImportModuleError and Runtime.UserCodeSyntaxError payloads carry the stack.
    const small = await expectSameWithCache({ 'index.js': `exports.handler = async () => 1;\nthrow new Error('small init');` });
    expect(small.uncached.trace.join('\n')).toContain('Module._compile (node:internal/modules/cjs/loader');
    const large = await expectSameWithCache({
      'index.js': `exports.handler = async () => require('./big').later();`,
      'big.js': `${PADDING}\nrequire('./missing-module');`,
    });
    expect(large.uncached.errorMessage).toContain("Cannot find module './missing-module'");
    const broken = await expectSameWithCache({ 'index.js': `${PADDING}\nexports.handler = async () => {;` });
    expect(broken.uncached.errorType).toBe('Runtime.UserCodeSyntaxError');
  });

  test("a cached module gets Node's own require (argument checks, names, stack frames)", async () => {
    const { uncached } = await expectSameWithCache({
      'index.js': `exports.handler = async () => require('./big').report();`,
      'big.js': `${PADDING}
exports.report = () => {
  const report = { names: [require.name, require.resolve.name, require.resolve.paths.name], prototype: typeof require.prototype };
  try { require.resolve(42); } catch (e) { report.resolve = e.code; }
  try { require('./missing-module'); } catch (e) { report.stack = e.stack.split('\\n').slice(0, 9); }
  return report;
};`,
    });
    expect(uncached.resolve).toBe('ERR_INVALID_ARG_TYPE');
  });

  test('the function sees the same process.argv', async () => {
    const { uncached } = await expectSameWithCache({ 'index.js': `exports.handler = async () => [process.argv.length, process.argv[1]];` }, { cacheable: false });
    expect(uncached[0]).toBe(3); // node, the bootstrap and its per-environment token
  });

  test('an ES module that imports back a large CommonJS module requiring it is a cycle error, as in Node (require(esm))', async () => {
    const { uncached } = await expectSameWithCache({
      'index.js': `exports.handler = async () => { try { return require('./a').seen; } catch (e) { return e.code; } };`,
      'a.js': `${PADDING}\nexports.seen = require('./b.mjs').seen;`,
      'b.mjs': `import a from './a.js';\nexport const seen = typeof a;`,
    });
    expect(uncached).toBe('ERR_REQUIRE_CYCLE_MODULE');
  });

  test('a patched Module.wrap is used for large files too', async () => {
    const { uncached } = await expectSameWithCache({
      'index.js': `const Module = require('node:module');\nconst wrap = Module.wrap;\nModule.wrap = (source) => wrap('var injected = "by wrap";' + source);\nexports.handler = async () => require('./big').injected;`,
      'big.js': `${PADDING}\nexports.injected = typeof injected === 'string' ? injected : 'none';`,
    }, { cacheable: false });
    expect(uncached).toBe('by wrap');
  });

  test('a large file that closes the CommonJS wrapper early is a syntax error and runs nothing, as in Node', async () => {
    const { uncached } = await expectSameWithCache({
      'index.js': `exports.handler = async () => { try { require('./big'); return 'loaded'; } catch (e) { return [e.name, globalThis.escaped === undefined]; } };`,
      'big.js': `${PADDING}\n}); globalThis.escaped = true; (function () {`,
    }, { cacheable: false });
    expect(uncached).toEqual(['SyntaxError', true]);
  });

  test('a large file with a comment or line breaks between import and its ( is left to Node (import() works)', async () => {
    const { uncached, cacheDir } = await expectSameWithCache({
      'index.js': `exports.handler = async () => Promise.all([require('./block').load(), require('./line').load(), require('./plain').name]);`,
      'block.js': `${PADDING}\nexports.load = async () => typeof (await import /* a comment */ ('node:path')).join;`,
      'line.js': `${PADDING}\nexports.load = async () => typeof (await import\n// a comment\n('node:path')).join;`,
      'plain.js': `${PADDING}\nexports.name = 'plain';`,
    });
    expect(uncached).toEqual(['function', 'function', 'plain']);
    expect(entries(cacheDir)).toHaveLength(1); // plain.js's
  });

  test('the folder stays bounded: entries beyond the size limit (oldest first) and stale temporary files are removed', async () => {
    const { MAX_CACHE_BYTES } = require('../../emulator/lambda/runtime/bootstrap/node/code-cache.js') as { MAX_CACHE_BYTES: number };
    const code = writeCode({ 'index.js': INDEX, 'big.js': BIG, 'small.js': 'module.exports = () => "small";' });
    const cacheDir = path.join(tempDir('code-cache-'), 'cache');
    fs.mkdirSync(cacheDir, { mode: 0o700 });
    // Sparse files: their size counts, no disk is used.
    const old = path.join(cacheDir, `${'0'.repeat(64)}.bin`);
    const leftover = path.join(cacheDir, `${'1'.repeat(64)}.bin.123.tmp`);
    fs.writeFileSync(old, '');
    fs.truncateSync(old, MAX_CACHE_BYTES);
    fs.writeFileSync(leftover, 'half written');
    const hourAgo = new Date(Date.now() - 3600_000);
    fs.utimesSync(old, hourAgo, hourAgo);
    fs.utimesSync(leftover, hourAgo, hourAgo);

    await runOnce(code, cacheDir);
    await waitFor(() => !fs.existsSync(old) && !fs.existsSync(leftover), { what: 'the old entry and the leftover to go' });
    expect(entries(cacheDir)).toHaveLength(1);
  });

  test("the folder is used only when it is this user's and not writable by others (cached data is code it runs)", () => {
    const base = tempDir('code-cache-');
    const dir = path.join(base, 'made');
    expect(isPrivateFolder(dir)).toBe(true);
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    fs.chmodSync(dir, 0o777);
    expect(isPrivateFolder(dir)).toBe(false);
    fs.chmodSync(dir, 0o720);
    expect(isPrivateFolder(dir)).toBe(false);
    fs.chmodSync(dir, 0o700);
    fs.symlinkSync(dir, path.join(base, 'link'));
    expect(isPrivateFolder(path.join(base, 'link'))).toBe(false);
    fs.writeFileSync(path.join(base, 'file'), '');
    expect(isPrivateFolder(path.join(base, 'file'))).toBe(false);
  });
});
