import * as fs from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import * as yauzl from 'yauzl';
import { AwsError } from '../../core/errors';

/** Lambda's limit on unzipped code (function plus layers). */
const MAX_UNZIPPED_BYTES = 262_144_000;

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const S_IFDIR = 0o040000;

const invalid = (message: string) => new AwsError('InvalidParameterValueException', message, 400);
const unsafe = (entry: string, why: string) =>
  invalid(`Could not unzip uploaded file: zip entry "${entry}" ${why}; entries must stay inside the function's code directory.`);

const isInside = (root: string, p: string): boolean => {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
};

function openZip(zip: Buffer): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    // decodeStrings off: yauzl's own name check fails the whole archive with a terse message; ours names the entry.
    yauzl.fromBuffer(zip, { lazyEntries: true, decodeStrings: false, validateEntrySizes: true }, (err, zipfile) =>
      err || !zipfile ? reject(err ?? new Error('no zip file')) : resolve(zipfile),
    );
  });
}

function readEntries(zipfile: yauzl.ZipFile): Promise<yauzl.Entry[]> {
  return new Promise((resolve, reject) => {
    const entries: yauzl.Entry[] = [];
    zipfile.on('entry', (e: yauzl.Entry) => {
      entries.push(e);
      zipfile.readEntry();
    });
    zipfile.on('end', () => resolve(entries));
    zipfile.on('error', reject);
    zipfile.readEntry();
  });
}

function openEntry(zipfile: yauzl.ZipFile, entry: yauzl.Entry): Promise<Readable> {
  return new Promise((resolve, reject) =>
    zipfile.openReadStream(entry, (err, stream) => (err || !stream ? reject(err ?? new Error('no stream')) : resolve(stream))),
  );
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

const entryName = (e: yauzl.Entry): string =>
  yauzl.getFileNameLowLevel(e.generalPurposeBitFlag, e.fileName as unknown as Buffer, e.extraFields, false);

/** Checks the name alone, before anything touches the disk. */
function checkName(name: string): void {
  if (name.includes('\0')) throw unsafe(name, 'has a NUL character in its name');
  if (name.startsWith('/') || /^[a-zA-Z]:/.test(name)) throw unsafe(name, 'is an absolute path');
  if (name.split('/').includes('..')) throw unsafe(name, 'climbs out with ".."');
}

/** Removes whatever is at `p` if it is a symlink, so a write never follows one. */
async function unlinkIfSymlink(p: string): Promise<void> {
  const st = await fs.lstat(p).catch(() => undefined);
  if (st?.isSymbolicLink()) await fs.unlink(p);
}

interface Archive {
  zipfile: yauzl.ZipFile;
  named: { entry: yauzl.Entry; name: string }[];
  /** Sum of the entries' uncompressed sizes, as the central directory states them. */
  unzippedBytes: number;
}

/** Opens a package and checks what can be checked without writing anything: names and the unzipped size. */
async function openArchive(zip: Buffer): Promise<Archive> {
  let zipfile: yauzl.ZipFile;
  let entries: yauzl.Entry[];
  try {
    zipfile = await openZip(zip);
    entries = await readEntries(zipfile);
  } catch (e) {
    throw invalid(`Could not unzip uploaded file. Please check your file, then try to upload again. (${(e as Error).message})`);
  }
  try {
    const named = entries.map((e) => ({ entry: e, name: entryName(e) }));
    for (const { name } of named) checkName(name);
    const unzippedBytes = entries.reduce((n, e) => n + e.uncompressedSize, 0);
    if (unzippedBytes > MAX_UNZIPPED_BYTES) {
      throw invalid(`Unzipped size must be smaller than ${MAX_UNZIPPED_BYTES} bytes`);
    }
    return { zipfile, named, unzippedBytes };
  } catch (e) {
    zipfile.close();
    throw e;
  }
}

/**
 * Checks a package as extractZip would before writing (a zip at all, safe names, at most 250 MB unzipped) and
 * answers its unzipped size; a layer is checked so when it is published and unpacked only when a function starts.
 */
export async function unzippedSize(zip: Buffer): Promise<number> {
  const { zipfile, unzippedBytes } = await openArchive(zip);
  zipfile.close();
  return unzippedBytes;
}

/**
 * Extracts a function's deployment package (or a layer, over what earlier layers left: files of the same name
 * are replaced). Refuses (InvalidParameterValueException) any entry that would land
 * outside `destDir`: `../` names, absolute names, symlinks pointing out, and writes through such links.
 * File modes (executable bits) are kept. Answers the unzipped size.
 */
export async function extractZip(zip: Buffer, destDir: string): Promise<number> {
  const { zipfile, named, unzippedBytes } = await openArchive(zip);
  try {
    await fs.mkdir(destDir, { recursive: true });
    const root = await fs.realpath(destDir);
    for (const { entry, name } of named) {
      const target = path.resolve(root, name);
      if (!isInside(root, target)) throw unsafe(name, 'resolves outside the code directory');
      if (target === root) continue;
      const unixMode = entry.externalFileAttributes >>> 16;
      const type = unixMode & S_IFMT;
      const isDir = name.endsWith('/') || type === S_IFDIR;
      const parent = isDir ? target : path.dirname(target);

      // A file and a folder of the same name (`out` and `out/x.js`) cannot both exist: refuse the zip, as Lambda does.
      await fs.mkdir(parent, { recursive: true }).catch((e: NodeJS.ErrnoException) => {
        if (e.code === 'EEXIST' || e.code === 'ENOTDIR') throw invalid(`Could not unzip uploaded file: ${name} conflicts with a file of the same name`);
        throw e;
      });
      // An earlier entry may have been a symlink to a directory outside; never write through it.
      if (!isInside(root, await fs.realpath(parent))) throw unsafe(name, 'is written through a symlink that points outside');
      if (isDir) {
        if (unixMode & 0o777) await fs.chmod(target, (unixMode & 0o777) | 0o700);
        continue;
      }

      await unlinkIfSymlink(target);
      if ((await fs.stat(target).catch(() => undefined))?.isDirectory()) {
        throw invalid(`Could not unzip uploaded file: ${name} conflicts with a folder of the same name`);
      }
      const stream = await openEntry(zipfile, entry);
      if (type === S_IFLNK) {
        const linkTarget = (await readAll(stream)).toString('utf8');
        const resolved = path.resolve(path.dirname(target), linkTarget);
        if (!isInside(root, resolved)) throw unsafe(name, `is a symlink to "${linkTarget}", outside the code directory`);
        await fs.rm(target, { force: true, recursive: true });
        await fs.symlink(linkTarget, target);
        continue;
      }
      // Zips made without Unix attributes (Windows tools) carry no mode: default to rw-r--r--.
      const mode = unixMode & 0o777 ? (unixMode & 0o777) | 0o400 : 0o644;
      await pipeline(stream, createWriteStream(target, { mode }));
      await fs.chmod(target, mode); // the umask may have dropped bits
    }
    return unzippedBytes;
  } finally {
    zipfile.close();
  }
}
