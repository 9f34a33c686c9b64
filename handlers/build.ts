import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { build, version as esbuildVersion, type BuildOptions } from 'esbuild';
import { zipFiles } from './packaging/zip';

/**
 * Bundles a handler into a Lambda deployment package: one `index.js` (handler string `index.handler`)
 * in a zip. The @aws-sdk packages stay external because the Lambda runtime provides them (and the
 * emulator's runtime makes them resolvable).
 *
 * The package is deterministic — same sources, same zip bytes, same `sha256` — so a deployer can
 * compare it with the function's CodeSha256 and skip the redeploy. Builds are cached by a hash of every
 * file esbuild read: in memory, and on disk next to the output (`build-cache.json` + `package.zip` in the
 * out dir), so a fresh process (a jest worker, a benchmark's child, the CLI) skips esbuild and the zip
 * worker when the sources have not changed. Bundling and zipping cost 0.3–1 s per process on a busy
 * 2-core machine, the largest part of a cold deploy against the embedded emulator.
 */
export type HandlerName = 'data-processor' | 'error-handler';

export interface BuiltHandler {
  zip: Buffer;
  /** Base64 SHA-256 of the zip, the way Lambda reports CodeSha256. */
  sha256: string;
  /** Absolute path of the bundled index.js. */
  entry: string;
}

const PROJECT_ROOT = path.resolve(__dirname, '..');

const ESBUILD_OPTIONS: BuildOptions = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  external: ['@aws-sdk/*'],
  // Paths in the bundle's comments are relative to this, so the output does not depend on the cwd.
  absWorkingDir: PROJECT_ROOT,
  logLevel: 'silent',
};

interface CacheEntry {
  inputs: string[];
  sourceHash: string;
  bundle: Buffer;
  built: BuiltHandler;
}

const cache = new Map<string, CacheEntry>();

/** What the out dir keeps about its build; the zip and index.js beside it are checked against these hashes. */
interface DiskManifest {
  version: typeof DISK_CACHE_VERSION;
  name: HandlerName;
  inputs: string[];
  sourceHash: string;
  /** Hex SHA-256 of index.js and of package.zip. */
  bundleHash: string;
  zipHash: string;
}
/** Bumped when the packaging changes in a way the sources' hash does not see (zip layout, manifest shape). */
const DISK_CACHE_VERSION = 1;
const MANIFEST = 'build-cache.json';
const PACKAGE = 'package.zip';

/** `<HARNESS_BUILD_DIR or .build>/handlers/<name>`: the bundle, its zip and the build cache. */
export function defaultOutDir(name: HandlerName): string {
  return path.join(process.env.HARNESS_BUILD_DIR || path.join(PROJECT_ROOT, '.build'), 'handlers', name);
}

export async function buildHandler(name: HandlerName, outDir: string = defaultOutDir(name)): Promise<BuiltHandler> {
  const entry = path.resolve(outDir, 'index.js');
  const cacheKey = `${name}\0${entry}`;
  const cached = cache.get(cacheKey);
  if (cached && (await hashSources(cached.inputs)) === cached.sourceHash) {
    // The bundle on disk may have been cleaned away since; put it back.
    if (!(await readFile(entry).catch(() => undefined))) await writeBundle(entry, cached.bundle);
    return cached.built;
  }
  const fromDisk = await readDiskCache(name, outDir, entry);
  if (fromDisk) {
    cache.set(cacheKey, fromDisk);
    return fromDisk.built;
  }

  const started = Date.now();
  const result = await build({
    ...ESBUILD_OPTIONS,
    entryPoints: [path.join(PROJECT_ROOT, 'handlers', name, 'index.ts')],
    outfile: entry,
    write: false,
    metafile: true,
  });
  const code = result.outputFiles.find((f) => f.path === entry);
  if (!code) throw new Error(`esbuild produced no ${entry}`);
  const bundle = Buffer.from(code.contents);
  await writeBundle(entry, bundle);
  const zip = await zipFiles([{ name: 'index.js', data: bundle }]);
  const built: BuiltHandler = { zip, sha256: createHash('sha256').update(zip).digest('base64'), entry };
  const inputs = Object.keys(result.metafile.inputs).sort();
  // A source saved while esbuild ran may differ from what it bundled: then cache nothing, build again next time.
  if (await changedSince(inputs, started - 1_000)) return built;
  const entryData: CacheEntry = { inputs, sourceHash: await hashSources(inputs), bundle, built };
  cache.set(cacheKey, entryData);
  await writeDiskCache(name, outDir, entryData);
  return built;
}

/**
 * The build the out dir holds, if it was made from the same sources (and the same esbuild and options)
 * and its files are intact; undefined otherwise (then it is rebuilt and rewritten).
 */
async function readDiskCache(name: HandlerName, outDir: string, entry: string): Promise<CacheEntry | undefined> {
  try {
    const manifest = JSON.parse(await readFile(path.join(outDir, MANIFEST), 'utf8')) as DiskManifest;
    if (manifest.version !== DISK_CACHE_VERSION || manifest.name !== name || !Array.isArray(manifest.inputs)) return undefined;
    if ((await hashSources(manifest.inputs)) !== manifest.sourceHash) return undefined;
    const [zip, bundle] = await Promise.all([readFile(path.join(outDir, PACKAGE)), readFile(entry)]);
    if (hex(zip) !== manifest.zipHash || hex(bundle) !== manifest.bundleHash) return undefined;
    const built: BuiltHandler = { zip, sha256: createHash('sha256').update(zip).digest('base64'), entry };
    return { inputs: manifest.inputs, sourceHash: manifest.sourceHash, bundle, built };
  } catch {
    return undefined; // no cache yet, or unreadable: build
  }
}

/** Zip first, manifest last, each written whole (rename), so a reader never trusts a half-written cache. */
async function writeDiskCache(name: HandlerName, outDir: string, e: CacheEntry): Promise<void> {
  const manifest: DiskManifest = {
    version: DISK_CACHE_VERSION,
    name,
    inputs: e.inputs,
    sourceHash: e.sourceHash,
    bundleHash: hex(e.bundle),
    zipHash: hex(e.built.zip),
  };
  try {
    await writeAtomically(path.join(outDir, PACKAGE), e.built.zip);
    await writeAtomically(path.join(outDir, MANIFEST), JSON.stringify(manifest, null, 2));
  } catch {
    // A read-only or full disk only costs the next process a rebuild.
  }
}

async function changedSince(inputs: string[], sinceMs: number): Promise<boolean> {
  const times = await Promise.all(inputs.map((input) => stat(path.resolve(PROJECT_ROOT, input)).then((st) => st.mtimeMs, () => Infinity)));
  return times.some((t) => t >= sinceMs);
}

const hex = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

/** Forgets cached builds in memory, so the next buildHandler reads the out dir's cache or runs esbuild and archiver. */
export function clearBuildCache(): void {
  cache.clear();
}

async function hashSources(inputs: string[]): Promise<string> {
  const hash = createHash('sha256').update(`esbuild ${esbuildVersion}\0${JSON.stringify(ESBUILD_OPTIONS)}\0`);
  // Read in parallel: deploy checks this cache while its requests keep the event loop busy, and one read
  // after another waited a turn of that loop each (the handlers' functions were created ~150 ms later).
  const contents = await Promise.all(inputs.map((input) => readFile(path.resolve(PROJECT_ROOT, input)).catch(() => Buffer.from('\0missing\0'))));
  inputs.forEach((input, i) => hash.update(`${input}\0${contents[i]!.length}\0`).update(contents[i]!));
  return hash.digest('hex');
}

async function writeBundle(entry: string, bundle: Buffer): Promise<void> {
  await mkdir(path.dirname(entry), { recursive: true });
  await writeAtomically(entry, bundle);
}

/** Several processes (jest workers) may build the same handler at once: each writes a whole file. */
async function writeAtomically(file: string, data: Buffer | string): Promise<void> {
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await writeFile(tmp, data);
  await rename(tmp, file);
}
