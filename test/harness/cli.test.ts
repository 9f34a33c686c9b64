import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startEmulator } from '../../emulator';
import { main } from '../../harness/cli/main';
import { normalizeDeployFlag, sandboxInstructions } from '../../harness/cli/serve';
import type { Resources } from '../../deploy-scripts/pipeline';
import { waitFor } from '../../harness/wait';

const ROOT = path.resolve(__dirname, '..', '..');
const BIN = path.join(ROOT, 'bin', 's3-event-harness.js');

/** Runs main() in process with captured output. */
async function cli(...argv: string[]): Promise<{ code: number | undefined; out: string; err: string }> {
  let out = '';
  let err = '';
  const saved = process.exitCode;
  await main(argv, { out: (l) => (out += `${l}\n`), err: (l) => (err += `${l}\n`) });
  const code = process.exitCode as number | undefined;
  process.exitCode = saved;
  return { code, out, err };
}

describe('--help', () => {
  it.each([
    ['run', ['--backend', '--seed', 'files…']],
    ['serve', ['--host', '--port', '--deploy', '--time-scale', '--data-dir']],
    ['deploy', ['--endpoint', '--topology', '--prefix', '--allow-aws']],
    ['teardown', ['--endpoint', '--prefix']],
    ['replay', ['TRACE.jsonl', '--trace']],
    ['report', ['--out', '--mermaid']],
    ['lint', ['--endpoint', '--bucket']],
  ])('%s --help lists its options and exits 0', async (command, flags) => {
    const { code, out } = await cli(command, '--help');
    expect(code).toBe(0);
    expect(out).toContain(`usage: s3-event-harness ${command}`);
    for (const flag of [...flags, '--help']) expect(out).toContain(flag);
  });

  it('the top-level help lists every command', async () => {
    const { code, out } = await cli('--help');
    expect(code).toBe(0);
    for (const command of ['run', 'serve', 'deploy', 'teardown', 'replay', 'report', 'lint']) expect(out).toMatch(new RegExp(`^  ${command} `, 'm'));
  });

  it('an unknown command or flag is a usage error (exit 2) naming the problem', async () => {
    const unknown = await cli('launch');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('unknown command "launch"');
    const badFlag = await cli('deploy', '--topolgy', 'queue');
    expect(badFlag.code).toBe(2);
    expect(badFlag.err).toMatch(/deploy: .*--topolgy/);
  });

  it('works through the installed bin (tsx loader, no build step)', () => {
    const res = spawnSync(process.execPath, [BIN, 'serve', '--help'], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
    expect(res.status).toBe(0);
    expect(res.stdout).toContain('usage: s3-event-harness serve');
  });

  it('serve refuses a data directory another emulator is using, saying which process (exit 1, no stack)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'serve-lock-'));
    const holder = await startEmulator({ port: 0, dataDir: dir, log: () => {} });
    try {
      const { code, err } = await cli('serve', '--port', '0', '--data-dir', dir);
      expect(code).toBe(1);
      expect(err).toBe(`serve: the data directory ${dir} is in use by another emulator (process ${process.pid})\n`);
    } finally {
      await holder.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('deploy refuses real AWS unless told, before creating anything', async () => {
    const { code, err } = await cli('deploy', '--endpoint', 'aws');
    expect(code).toBe(1);
    expect(err).toMatch(/refusing to use real AWS .*--allow-aws/);
  });

  it('deploy lints its own deployment only; lint --prefix picks one deployment, without it every one', async () => {
    const emu = await startEmulator({ port: 0 });
    try {
      const one = await cli('deploy', '--endpoint', emu.endpoint, '--prefix', 'cli-one', '--topology', 'queue', '--quiet');
      expect(one.code ?? 0).toBe(0);
      // Break the other deployment: its queue's maxReceiveCount drops below 5.
      const two = await cli('deploy', '--endpoint', emu.endpoint, '--prefix', 'cli-two', '--topology', 'queue', '--quiet');
      const resources = JSON.parse(two.out);
      const { SQSClient, SetQueueAttributesCommand } = await import('@aws-sdk/client-sqs');
      const sqs = new SQSClient({ endpoint: emu.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
      await sqs.send(new SetQueueAttributesCommand({
        QueueUrl: resources.queues.events.url,
        Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: resources.queues['events-dlq'].arn, maxReceiveCount: 2 }) },
      }));
      sqs.destroy();

      const again = await cli('deploy', '--endpoint', emu.endpoint, '--prefix', 'cli-one', '--topology', 'queue');
      expect(again.err).toContain('lint: no findings');
      expect((await cli('lint', '--endpoint', emu.endpoint, '--prefix', 'cli-one')).out).toBe('lint: no findings\n');
      const mine = await cli('lint', '--endpoint', emu.endpoint, '--prefix', 'cli-two');
      expect(mine.out).toMatch(/^WARNING max-receive-count {2}arn:aws:sqs:us-east-1:000000000000:cli-two-events$/m);
      const all = await cli('lint', '--endpoint', emu.endpoint);
      expect(all.out).toContain('cli-two-events');
    } finally {
      await emu.stop();
    }
  }, 120_000);

  it("serve's instructions name the notification path's probe: the fan-out topic's or the EventBridge rule's", () => {
    const base = {
      prefix: 'p', region: 'us-east-1', accountId: '000000000000', sourceBucket: 'p-data', buckets: {}, role: { name: 'r', arn: 'r' }, functions: {}, mappings: [], subscriptions: [],
      alertTopic: 'alerts', topics: { alerts: { name: 'p-alerts', arn: 'arn:alerts' }, events: { name: 'p-events', arn: 'arn:events' } },
      queues: { 'probe-alerts': { name: 'p-probe-alerts', url: 'http://h/1/p-probe-alerts', arn: 'a' }, 'probe-events': { name: 'p-probe-events', url: 'http://h/1/p-probe-events', arn: 'e' }, 'probe-objects': { name: 'p-probe-objects', url: 'http://h/1/p-probe-objects', arn: 'o' } },
    };
    const fanout = sandboxInstructions('http://h', { ...base, topology: 'fanout', probes: { events: 'probe-events', alerts: 'probe-alerts' } } as Resources);
    expect(fanout).toContain('what topic p-events delivered (a copy, in its probe queue):\n  aws --endpoint-url http://h sqs receive-message --queue-url http://h/1/p-probe-events');
    const eb = sandboxInstructions('http://h', { ...base, topology: 'eventbridge', probes: { objects: 'probe-objects', alerts: 'probe-alerts' }, rules: { objects: { name: 'p-objects', arn: 'x' } } } as Resources);
    expect(eb).toContain('what rule p-objects matched (a copy, in its probe queue):\n  aws --endpoint-url http://h sqs receive-message --queue-url http://h/1/p-probe-objects');
    expect(eb).not.toContain('p-probe-events');
  });

  it('serve --deploy takes an optional topology', () => {
    expect(normalizeDeployFlag(['--deploy'])).toEqual(['--deploy=fanout']);
    expect(normalizeDeployFlag(['--deploy', 'queue', '--port', '0'])).toEqual(['--deploy=queue', '--port', '0']);
    expect(normalizeDeployFlag(['--deploy', '--port', '0'])).toEqual(['--deploy=fanout', '--port', '0']);
  });
});

/** A spawned CLI whose output is collected as it comes. */
function start(args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const io = { out: '', err: '', exit: undefined as { code: number | null; signal: NodeJS.Signals | null } | undefined };
  child.stdout!.on('data', (d) => (io.out += d));
  child.stderr!.on('data', (d) => (io.err += d));
  child.on('exit', (code, signal) => (io.exit = { code, signal }));
  return { child, io };
}

const running: ChildProcess[] = [];
afterEach(() => {
  for (const c of running.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

describe('serve', () => {
  it('prints "ready <url>", answers there, and exits cleanly on SIGTERM', async () => {
    const { child, io } = start(['serve', '--port', '0']);
    running.push(child);
    const url = await waitFor(() => /^ready (http:\/\/127\.0\.0\.1:\d+)$/m.exec(io.out)?.[1], {
      timeoutMs: 30_000,
      what: 'the ready line',
      describe: () => `stdout: ${io.out}\nstderr: ${io.err}`,
    });
    const health = await fetch(`${url}/_harness/health`);
    expect(health.status).toBe(200);
    expect(((await health.json()) as { status: string }).status).toBe('running');
    child.kill('SIGTERM');
    const exit = await waitFor(() => io.exit, { timeoutMs: 15_000, what: 'serve to exit', describe: () => io.err });
    expect(exit).toEqual({ code: 0, signal: null });
    expect(io.err).not.toMatch(/warning/);
  });

  it('warns on stderr when bound to every interface, and stops on SIGINT too', async () => {
    const { child, io } = start(['serve', '--host', '0.0.0.0', '--port', '0']);
    running.push(child);
    await waitFor(() => /^ready http:\/\//m.test(io.out), { timeoutMs: 30_000, what: 'the ready line', describe: () => io.err });
    expect(io.err).toMatch(/warning: binding 0\.0\.0\.0 exposes the emulator/);
    child.kill('SIGINT');
    expect(await waitFor(() => io.exit, { timeoutMs: 15_000, what: 'serve to exit' })).toEqual({ code: 0, signal: null });
  });
});

describe('run', () => {
  const fixture = (name: string) => path.join(__dirname, 'fixtures', name);

  it('exits non-zero on a failing scenario file and prints what did arrive', async () => {
    const { child, io } = start(['run', fixture('failing.scenario.ts'), '--seed', '5'], { HARNESS_BACKEND: 'embedded' });
    running.push(child);
    const exit = await waitFor(() => io.exit, { timeoutMs: 90_000, what: 'run to finish', describe: () => io.out + io.err });
    expect(exit.code).toBe(1);
    expect(io.out).toMatch(/backend: embedded — HARNESS_BACKEND/);
    expect(io.out).toMatch(/fixture: failing\s+embedded\s+failed\s+\d+/);
    expect(io.out).toContain('report reports/data/absent.csv.json');
    expect(io.out).toContain('what did arrive');
    expect(io.out).toContain('0 passed, 1 failed, 0 skipped (seed 5)');
  }, 120_000);

  it('exits zero on a passing one', async () => {
    const { child, io } = start(['run', fixture('passing.scenario.ts'), '--backend', 'embedded'], {});
    running.push(child);
    const exit = await waitFor(() => io.exit, { timeoutMs: 90_000, what: 'run to finish', describe: () => io.out + io.err });
    expect({ code: exit.code, out: io.out }).toEqual({ code: 0, out: expect.stringMatching(/fixture: passing\s+embedded\s+passed\s+\d+/) });
    expect(io.out).toMatch(/1 passed, 0 failed, 0 skipped \(seed \d+\)/);
  }, 120_000);
});
