import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { build, version as esbuildVersion, type BuildOptions } from 'esbuild';
import { zipFiles } from './packaging/zip';

/**
 * Bundles a handler into a Lambda deployment package: one `index.js` (handler string `index.handler`)
 * in a zip. The @aws-sdk packages stay external because the Lambda runtime provides them (and the
 * emulator's runtime makes them resolvable).
 *
 * The package is deterministic — same sources, same zip bytes, same `sha256` — so a deployer can
 * compare it with the function's CodeSha256 and skip the redeploy. Builds are cached in memory by a
 * hash of every file esbuild read.
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

export function defaultOutDir(name: HandlerName): string {
  return path.join(PROJECT_ROOT, '.build', 'handlers', name);
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
  cache.set(cacheKey, { inputs, sourceHash: await hashSources(inputs), bundle, built });
  return built;
}

/** Forgets cached builds, so the next buildHandler really runs esbuild and archiver. */
export function clearBuildCache(): void {
  cache.clear();
}

async function hashSources(inputs: string[]): Promise<string> {
  const hash = createHash('sha256').update(`esbuild ${esbuildVersion}\0${JSON.stringify(ESBUILD_OPTIONS)}\0`);
  for (const input of inputs) {
    const content = await readFile(path.resolve(PROJECT_ROOT, input)).catch(() => Buffer.from('\0missing\0'));
    hash.update(`${input}\0${content.length}\0`).update(content);
  }
  return hash.digest('hex');
}

async function writeBundle(entry: string, bundle: Buffer): Promise<void> {
  await mkdir(path.dirname(entry), { recursive: true });
  await writeFile(entry, bundle);
}
