import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startEmulator } from '../../emulator';
import { ownedTempPrefix, ownerPid, sweepStaleTempDirs } from '../../emulator/lambda/runtime/temp-dirs';
import { waitFor } from '../../harness/wait';
import { isAlive, removeTempDirs, tempDir } from './helpers';

/** The pid of a process that has exited (and been reaped): nobody owns it now. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise((resolve) => child.once('exit', resolve));
  const pid = child.pid!;
  expect(isAlive(pid)).toBe(false);
  return pid;
}

/** A folder with a file in it, as the emulator leaves them (extracted code, SDK links). */
function folder(parent: string, name: string): string {
  const dir = path.join(parent, name);
  fs.mkdirSync(path.join(dir, 'sub'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'sub', 'index.js'), 'exports.handler = async () => 1;');
  return dir;
}

afterAll(() => removeTempDirs());

describe('temporary folders named after their owner process', () => {
  it('are named <prefix><pid>-<random>', () => {
    const prefix = ownedTempPrefix('lambda-code-', '/x');
    expect(prefix).toBe(path.join('/x', `lambda-code-${process.pid}-`));
    expect(ownerPid(`lambda-code-${process.pid}-Ab12Cd`)).toBe(process.pid);
    expect(ownerPid('lambda-runtime-42-zZ')).toBe(42);
    expect(ownerPid('lambda-code-AbC123')).toBeUndefined(); // named before owners were recorded
    expect(ownerPid('lambda-fn-42-x')).toBeUndefined();
  });

  it('a sweep removes the folders of processes that are gone, and only those', async () => {
    const tmp = tempDir('sweep-');
    const gone = await deadPid();
    // Alive until killed: it waits on a stdin that is never closed.
    const live = spawn(process.execPath, ['-e', 'process.stdin.resume()'], { stdio: ['pipe', 'ignore', 'ignore'] });
    try {
      const staleCode = folder(tmp, `lambda-code-${gone}-a1b2c3`);
      const staleRuntime = folder(tmp, `lambda-runtime-${gone}-d4e5f6`);
      const mine = folder(tmp, `lambda-code-${process.pid}-g7h8i9`);
      const otherLive = folder(tmp, `lambda-runtime-${live.pid}-j0k1l2`);
      const unnamed = folder(tmp, 'lambda-code-m3n4o5');
      const notOurs = folder(tmp, `other-${gone}-p6q7r8`);
      fs.writeFileSync(path.join(tmp, `lambda-code-${gone}-file`), 'a file, not a folder');

      const removed = await sweepStaleTempDirs(tmp);

      expect(removed.sort()).toEqual([staleCode, staleRuntime].sort());
      for (const dir of [staleCode, staleRuntime]) expect(fs.existsSync(dir)).toBe(false);
      for (const dir of [mine, otherLive, unnamed, notOurs]) expect(fs.existsSync(path.join(dir, 'sub', 'index.js'))).toBe(true);
      expect(fs.existsSync(path.join(tmp, `lambda-code-${gone}-file`))).toBe(true);
    } finally {
      live.kill('SIGKILL');
    }
  });

  it('a sweep of a folder that does not exist finds nothing', async () => {
    expect(await sweepStaleTempDirs(path.join(tempDir('sweep-'), 'missing'))).toEqual([]);
  });

  it('an emulator sweeps the system temp folder when it starts', async () => {
    const gone = await deadPid();
    const stale = folder(path.dirname(ownedTempPrefix('lambda-code-')), `lambda-code-${gone}-${process.pid}x${Date.now()}`);
    const emu = await startEmulator({ port: 0, log: () => undefined });
    try {
      await waitFor(() => !fs.existsSync(stale), { what: `the stale folder ${stale} to be swept` });
    } finally {
      fs.rmSync(stale, { recursive: true, force: true });
      await emu.stop();
    }
  });
});
