import path from 'node:path';
import { Worker } from 'node:worker_threads';

/**
 * Zips files with archiver, deterministically: fixed entry times and modes, entries in the given order,
 * so the same inputs give the same bytes (and the same CodeSha256) on any machine and in any time zone.
 *
 * archiver 8 is ESM-only. Node's own loader handles that, but jest's CommonJS module system cannot load
 * it, so the zipping runs in a worker thread (zip-worker.mjs), which always uses Node's loader.
 */
export interface ZipEntry {
  name: string;
  data: Buffer;
  mode?: number;
}

/** Entry time for every file (archiver writes it as UTC DOS time). */
export const ZIP_ENTRY_DATE = Date.UTC(2000, 0, 1);

export function zipFiles(entries: ZipEntry[]): Promise<Buffer> {
  const files = entries.map((e) => ({ name: e.name, data: new Uint8Array(e.data), mode: e.mode ?? 0o644 }));
  return new Promise((resolve, reject) => {
    const worker = new Worker(path.join(__dirname, 'zip-worker.mjs'), { workerData: { files, date: ZIP_ENTRY_DATE } });
    let result: Buffer | undefined;
    worker.once('message', (zip: Uint8Array) => {
      result = Buffer.from(zip.buffer, zip.byteOffset, zip.byteLength);
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (result) resolve(result);
      else reject(new Error(`zip worker exited with code ${code} without a result`));
    });
  });
}
