import * as fs from 'node:fs';
import * as path from 'node:path';
import { extractZip, RuntimePool } from '../../emulator/lambda/runtime';
import { event, json, makeZip, removeTempDirs, spec, tempDir } from './helpers';

afterAll(removeTempDirs);

const reject = (zip: Buffer) => extractZip(zip, path.join(tempDir('lambda-zip-'), 'task'));

describe('extractZip', () => {
  test('extracts nested files, keeps executable bits, and the code runs', async () => {
    const zip = makeZip([
      { name: 'index.js', content: "exports.handler = async () => require('./lib/util').answer;" },
      { name: 'lib/util.js', content: 'exports.answer = 42;' },
      { name: 'bin/tool', content: '#!/bin/sh\necho hi\n', mode: 0o755 },
      { name: 'lib/link-to-util.js', symlink: 'util.js' },
    ]);
    const dir = path.join(tempDir('lambda-zip-'), 'task');
    await extractZip(zip, dir);
    expect(fs.readFileSync(path.join(dir, 'lib/util.js'), 'utf8')).toBe('exports.answer = 42;');
    expect(fs.statSync(path.join(dir, 'bin/tool')).mode & 0o777).toBe(0o755);
    expect(fs.statSync(path.join(dir, 'index.js')).mode & 0o111).toBe(0);
    expect(fs.readlinkSync(path.join(dir, 'lib/link-to-util.js'))).toBe('util.js');

    const pool = new RuntimePool({ endpointUrl: 'http://127.0.0.1:4566' });
    try {
      expect(json((await pool.invoke(spec(dir), event({}))).payload)).toBe(42);
    } finally {
      await pool.close();
    }
  });

  test('an entry climbing out with ../ is refused, naming the entry, and nothing is written outside', async () => {
    const parent = tempDir('lambda-zip-');
    const zip = makeZip([
      { name: 'index.js', content: 'ok' },
      { name: '../evil.js', content: 'pwned' },
    ]);
    const err = await extractZip(zip, path.join(parent, 'task')).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'InvalidParameterValueException', status: 400 });
    expect((err as Error).message).toContain('"../evil.js"');
    expect(fs.existsSync(path.join(parent, 'evil.js'))).toBe(false);
  });

  test('a file and a folder of the same name are refused as InvalidParameterValueException, either order', async () => {
    for (const entries of [
      [{ name: 'out', content: 'file' }, { name: 'out/x.js', content: 'x' }],
      [{ name: 'out/x.js', content: 'x' }, { name: 'out', content: 'file' }],
    ]) {
      await expect(reject(makeZip(entries))).rejects.toMatchObject({ code: 'InvalidParameterValueException', message: expect.stringContaining('same name') });
    }
  });

  test('an absolute entry path is refused', async () => {
    const zip = makeZip([{ name: '/tmp/abs-evil.js', content: 'pwned' }]);
    await expect(reject(zip)).rejects.toMatchObject({
      code: 'InvalidParameterValueException',
      message: expect.stringContaining('"/tmp/abs-evil.js" is an absolute path'),
    });
  });

  test('a symlink pointing outside is refused, relative or absolute', async () => {
    await expect(reject(makeZip([{ name: 'etc', symlink: '../../../etc' }]))).rejects.toMatchObject({
      code: 'InvalidParameterValueException',
      message: expect.stringContaining('"etc" is a symlink to "../../../etc"'),
    });
    await expect(reject(makeZip([{ name: 'passwd', symlink: '/etc/passwd' }]))).rejects.toMatchObject({
      code: 'InvalidParameterValueException',
    });
  });

  test('a corrupt archive is InvalidParameterValueException', async () => {
    await expect(reject(Buffer.from('this is not a zip'))).rejects.toMatchObject({
      code: 'InvalidParameterValueException',
      message: expect.stringContaining('Could not unzip uploaded file'),
    });
  });
});
