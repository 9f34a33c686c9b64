import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import yauzl from 'yauzl';
import { buildHandler, clearBuildCache, defaultOutDir } from '../../handlers/build';

/** Entry name → contents of every file in a zip. */
function unzip(zip: Buffer): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(zip, { lazyEntries: true }, (err, archive) => {
      if (err) return reject(err);
      const files = new Map<string, Buffer>();
      archive.on('error', reject);
      archive.on('end', () => resolve(files));
      archive.on('entry', (entry: yauzl.Entry) => {
        archive.openReadStream(entry, (streamErr, stream) => {
          if (streamErr) return reject(streamErr);
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => {
            files.set(entry.fileName, Buffer.concat(chunks));
            archive.readEntry();
          });
        });
      });
      archive.readEntry();
    });
  });
}

describe('buildHandler', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'handler-build-'));
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('zips a single index.js bundle that leaves the AWS SDK to the runtime', async () => {
    const built = await buildHandler('data-processor');
    expect(built.entry).toBe(path.join(defaultOutDir('data-processor'), 'index.js'));
    const files = await unzip(built.zip);
    expect([...files.keys()]).toEqual(['index.js']);
    const code = files.get('index.js')!.toString('utf8');
    expect(code).toContain('require("@aws-sdk/client-s3")');
    expect(code).not.toContain('@smithy/'); // the SDK itself is not bundled
    expect(code).toContain('CSV_'); // csv-parse is
  });

  it('is deterministic: two real builds (cache cleared, different out dirs) give the same zip and sha', async () => {
    clearBuildCache();
    const a = await buildHandler('error-handler', path.join(tmp, 'a'));
    clearBuildCache();
    const b = await buildHandler('error-handler', path.join(tmp, 'b'));
    expect(a.entry).not.toBe(b.entry);
    expect(b.sha256).toBe(a.sha256);
    expect(b.zip.equals(a.zip)).toBe(true);
    const { createHash } = await import('node:crypto');
    expect(a.sha256).toBe(createHash('sha256').update(a.zip).digest('base64'));
    expect(a.sha256).toMatch(/^[A-Za-z0-9+/]{43}=$/);
  });

  it('serves unchanged sources from the cache', async () => {
    const first = await buildHandler('error-handler', path.join(tmp, 'c'));
    const second = await buildHandler('error-handler', path.join(tmp, 'c'));
    expect(second).toBe(first);
  });

  it('a fresh process reuses the out dir\'s build (no esbuild, no zip worker) while the sources are unchanged', async () => {
    const dir = path.join(tmp, 'disk');
    const first = await buildHandler('error-handler', dir);
    const inode = async () => (await stat(first.entry)).ino; // a rebuild writes index.js anew (a new file renamed in place)
    const built = await inode();
    clearBuildCache(); // what a new process starts with
    const again = await buildHandler('error-handler', dir);
    expect(again).not.toBe(first);
    expect({ sha: again.sha256, zip: again.zip.equals(first.zip), entry: again.entry, inode: await inode() }).toEqual({ sha: first.sha256, zip: true, entry: first.entry, inode: built });
  });

  it('rebuilds when the out dir\'s cache does not match: damaged zip, other sources', async () => {
    const dir = path.join(tmp, 'damaged');
    const first = await buildHandler('error-handler', dir);
    const inode = async () => (await stat(first.entry)).ino;

    await writeFile(path.join(dir, 'package.zip'), 'not a zip');
    clearBuildCache();
    let before = await inode();
    const fromDamaged = await buildHandler('error-handler', dir);
    expect(fromDamaged.sha256).toBe(first.sha256);
    expect(await inode()).not.toBe(before);

    const manifestFile = path.join(dir, 'build-cache.json');
    const manifest = JSON.parse(await readFile(manifestFile, 'utf8'));
    await writeFile(manifestFile, JSON.stringify({ ...manifest, sourceHash: 'sources as they were before an edit' }));
    clearBuildCache();
    before = await inode();
    expect((await buildHandler('error-handler', dir)).sha256).toBe(first.sha256);
    expect(await inode()).not.toBe(before);
  });

  it('different handlers give different packages', async () => {
    const dp = await buildHandler('data-processor', path.join(tmp, 'dp'));
    const eh = await buildHandler('error-handler', path.join(tmp, 'eh'));
    expect(dp.sha256).not.toBe(eh.sha256);
  });

  it('the bundled data processor can be required and handles an event without reaching AWS', async () => {
    const { entry } = await buildHandler('data-processor');
    const log = jest.spyOn(console, 'log').mockImplementation(() => {});
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(entry) as { handler: (event: unknown) => Promise<unknown> };
    expect(typeof mod.handler).toBe('function');
    const testEvent = JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: 'b' });
    const sqs = { Records: [{ messageId: 'm', body: testEvent, eventSource: 'aws:sqs', eventSourceARN: 'arn:aws:sqs:us-east-1:0:q' }] };
    await expect(mod.handler(sqs)).resolves.toEqual({ batchItemFailures: [] });
    await expect(mod.handler({ Records: [{ eventSource: 'aws:sqs', messageId: 'x', body: 'nope' }] })).resolves.toEqual({
      batchItemFailures: [{ itemIdentifier: 'x' }],
    });
    expect(log).toHaveBeenCalledWith(expect.stringContaining('SQS message x: body is not JSON'));
    log.mockRestore();
  });

  it('the bundled error handler can be required and exports handler', async () => {
    // Under the project, so the external @aws-sdk packages resolve from its node_modules.
    const { entry } = await buildHandler('error-handler');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(entry) as { handler: unknown };
    expect(typeof mod.handler).toBe('function');
  });
});
