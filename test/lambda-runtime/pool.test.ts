import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RuntimePool } from '../../emulator/lambda/runtime';
import { AwsError } from '../../emulator/core/errors';
import { procPids, procStatFields } from '../../emulator/core/processes';
import { waitFor } from '../../harness/wait';
import { event, isAlive, json, removeTempDirs, spec, tempDir, writeCode } from './helpers';

/** Handler that reports it started, then waits until the test creates the release file. */
const GATED = `const fs = require('fs');
  const path = require('path');
  exports.handler = async (event) => {
    fs.writeFileSync(event.started, String(process.pid));
    // Woken by the file appearing (inotify), not by polling.
    await new Promise((resolve) => {
      const check = () => fs.existsSync(event.release) && (watcher.close(), resolve());
      const watcher = fs.watch(path.dirname(event.release), check);
      check();
    });
    return 'done';
  };`;

const pools: RuntimePool[] = [];
const newPool = (opts: Partial<ConstructorParameters<typeof RuntimePool>[0]> = {}) => {
  const pool = new RuntimePool({ endpointUrl: 'http://127.0.0.1:4566', ...opts });
  pools.push(pool);
  return pool;
};

afterAll(async () => {
  await Promise.all(pools.map((p) => p.close()));
  removeTempDirs();
});

function gate() {
  const dir = tempDir('lambda-gate-');
  return { started: path.join(dir, 'started'), release: path.join(dir, 'release') };
}

describe('RuntimePool', () => {
  test('reserved concurrency 1: a second parallel invoke is throttled, not queued', async () => {
    const pool = newPool();
    const s = spec(writeCode({ 'index.js': GATED }));
    const g = gate();
    const first = pool.invoke(s, event(g), { maxConcurrency: 1 });
    await waitFor(() => fs.existsSync(g.started), { what: 'first invocation to start' });
    expect(pool.concurrencyInUse(s.functionName)).toBe(1);

    const second = pool.invoke(s, event(g), { maxConcurrency: 1 });
    const err = await second.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AwsError);
    expect(err).toMatchObject({
      code: 'TooManyRequestsException',
      message: 'Rate Exceeded.',
      status: 429,
      fields: { Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded' },
    });

    fs.writeFileSync(g.release, '');
    expect(json((await first).payload)).toBe('done');
    expect(pool.concurrencyInUse()).toBe(0);
  });

  test('without a reservation, parallel invokes get separate environments', async () => {
    const pool = newPool();
    const s = spec(writeCode({ 'index.js': GATED }));
    const [a, b] = [gate(), gate()];
    const runs = [pool.invoke(s, event(a)), pool.invoke(s, event(b))];
    await waitFor(() => fs.existsSync(a.started) && fs.existsSync(b.started), { what: 'both invocations to start' });
    expect(pool.concurrencyInUse(s.functionName)).toBe(2);
    expect(fs.readFileSync(a.started, 'utf8')).not.toBe(fs.readFileSync(b.started, 'utf8'));
    fs.writeFileSync(a.release, '');
    fs.writeFileSync(b.release, '');
    await Promise.all(runs);
  });

  test('the account limit throttles across functions with ConcurrentInvocationLimitExceeded', async () => {
    const pool = newPool({ accountConcurrencyLimit: 1 });
    const g = gate();
    const first = pool.invoke(spec(writeCode({ 'index.js': GATED })), event(g));
    await waitFor(() => fs.existsSync(g.started), { what: 'first invocation to start' });
    const other = spec(writeCode({ 'index.js': 'exports.handler = async () => 1;' }));
    await expect(pool.invoke(other, event({}))).rejects.toMatchObject({
      code: 'TooManyRequestsException',
      fields: { Reason: 'ConcurrentInvocationLimitExceeded' },
    });
    fs.writeFileSync(g.release, '');
    await first;
    expect(json((await pool.invoke(other, event({}))).payload)).toBe(1);
  });

  test('new code retires the old environment; retire() forces a cold start', async () => {
    const pool = newPool();
    const dir = writeCode({ 'index.js': "exports.handler = async () => ({ pid: process.pid, v: 'one' });" });
    const v1 = spec(dir, { codeSha256: 'sha-one' });
    const first = json((await pool.invoke(v1, event({}))).payload);
    expect(first.v).toBe('one');

    fs.writeFileSync(path.join(dir, 'index.js'), "exports.handler = async () => ({ pid: process.pid, v: 'two' });");
    const v2 = { ...v1, codeSha256: 'sha-two' };
    const second = json((await pool.invoke(v2, event({}))).payload);
    expect(second).toMatchObject({ v: 'two' });
    expect(second.pid).not.toBe(first.pid);
    await waitFor(() => !isAlive(first.pid), { what: 'the old environment to be stopped' });

    await pool.retire(v2.functionName);
    expect(isAlive(second.pid)).toBe(false);
    const third = await pool.invoke(v2, event({}));
    expect(third.initDurationMs).toBeDefined();
    expect(json(third.payload).pid).not.toBe(second.pid);
  });

  test('close() kills runtimes and whatever they spawned, and is idempotent', async () => {
    const pool = newPool();
    const dir = writeCode({
      'index.js': `const { spawn } = require('child_process');
        exports.handler = async () => {
          const child = spawn('sleep', ['30'], { stdio: 'ignore' });
          return { pid: process.pid, grandchild: child.pid };
        };`,
    });
    const { pid, grandchild } = json((await pool.invoke(spec(dir), event({}))).payload);
    expect(isAlive(pid) && isAlive(grandchild)).toBe(true);
    await Promise.all([pool.close(), pool.close()]);
    await waitFor(() => !isAlive(pid) && !isAlive(grandchild), { what: 'runtime and its child to be gone' });
    await expect(pool.invoke(spec(dir), event({}))).rejects.toMatchObject({ code: 'ServiceException' });
  });

  test.each([
    ['unprovision()', (pool: RuntimePool, name: string) => pool.unprovision(name, '1')],
    ['retire()', (pool: RuntimePool, name: string) => pool.retire(name)],
  ])('provisioned environments still starting when %s withdraws them stop too', async (_what, withdraw) => {
    const pool = newPool();
    const pidFile = path.join(tempDir('lambda-pids-'), 'pids');
    // Each environment notes its pid during init, so the test can see every process that came up.
    const code = writeCode({ 'index.js': `require('fs').appendFileSync(${JSON.stringify(pidFile)}, process.pid + '\\n');\nexports.handler = async () => 'ok';` });
    const s = spec(code, { version: '1' });
    const provisioning = pool.provision(s, 2);
    await withdraw(pool, s.functionName);
    await provisioning.catch(() => undefined);
    const pids = () => (fs.existsSync(pidFile) ? fs.readFileSync(pidFile, 'utf8').split('\n').filter(Boolean).map(Number) : []);
    await waitFor(() => pids().every((pid) => !isAlive(pid)), { what: 'the withdrawn environments to stop' });
  });

  test('provisioned environments start one wave per core, each initialised before the next starts', async () => {
    const pool = newPool();
    const dir = tempDir('lambda-waves-');
    // Each environment notes that its init began, then holds its init until the test opens the gate.
    const code = writeCode({
      'index.mjs': `import fs from 'node:fs';
const dir = ${JSON.stringify(dir)};
fs.writeFileSync(dir + '/start-' + process.pid, '');
// Woken by the folder changing, not by polling.
await new Promise((resolve) => {
  const watcher = fs.watch(dir, () => fs.existsSync(dir + '/go') && resolve(watcher.close()));
  if (fs.existsSync(dir + '/go')) resolve(watcher.close());
});
export const handler = async () => 'ok';`,
    });
    const wave = os.availableParallelism();
    const s = spec(code, { version: '1' });
    const provisioning = pool.provision(s, 2 * wave + 1);
    provisioning.catch(() => undefined); // awaited below; a failed expectation first must not leave it unhandled
    const started = () => fs.readdirSync(dir).filter((f) => f.startsWith('start-')).length;
    await waitFor(() => started() === wave, { what: 'the first wave in init' });
    // The whole first wave is held in init: no runtime process beyond it may exist yet.
    const ofThisFunction = (pid: number) => {
      try {
        return fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`AWS_LAMBDA_FUNCTION_NAME=${s.functionName}`);
      } catch {
        return false; // gone, or not ours to read
      }
    };
    const runtimes = procPids().filter((pid) => procStatFields(pid)?.[1] === String(process.pid) && ofThisFunction(pid));
    expect(runtimes).toHaveLength(wave);
    fs.writeFileSync(path.join(dir, 'go'), '');
    await provisioning;
    expect(started()).toBe(2 * wave + 1);
  });

  test('idle environments are stopped after the idle timeout', async () => {
    const pool = newPool({ idleTimeoutMs: 50 });
    const r = await pool.invoke(spec(writeCode({ 'index.js': 'exports.handler = async () => process.pid;' })), event({}));
    const pid = json(r.payload) as number;
    await waitFor(() => !isAlive(pid), { what: 'idle environment to be reaped' });
  });
});

describe('the host process', () => {
  test('ends on its own with warm environments around, and takes them down with it', () => {
    const fixture = path.join(__dirname, '../fixtures/lambda/exit-without-close.ts');
    const out = execFileSync(process.execPath, ['--import', 'tsx', fixture], { encoding: 'utf8', timeout: 15_000 });
    const { pid, nodePath } = JSON.parse(out) as { pid: number; nodePath: string };
    expect(pid).toBeGreaterThan(0);
    expect(fs.existsSync(nodePath)).toBe(false); // the pool's temp folder went with the host
    return waitFor(() => !isAlive(pid), { what: `runtime ${pid} to die with its host` });
  });
});
