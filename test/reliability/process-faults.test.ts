import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InvokeCommand, LambdaClient, type CreateFunctionCommandInput } from '@aws-sdk/client-lambda';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import { startEmulator, type RunningEmulator } from '../../emulator';
import type { Hop } from '../../emulator/core/delivery';
import { waitFor } from '../../harness/wait';
import { clientConfig } from '../helpers/emulator';
import { deployNode } from '../lambda/helpers';
import { descendants, ensureStopped, isAlive, spawnCli, uniqueName, type CliProcess } from './helpers';

/**
 * Faults of the emulator's own processes: a function process that dies mid-invocation (it kills itself, or
 * the test kills it) is a function error and follows Lambda's retry rules (async: two retries, then the DLQ);
 * a handler that never answers is timed out and its process killed; and `serve`, stopped with Ctrl-C (SIGINT)
 * or SIGTERM while function processes run, leaves no process and no temporary folder behind (killed outright,
 * it cannot clean up, but its orphaned function processes still end on their own, and the next emulator to
 * start removes the temporary folders it left).
 *
 * Emulated time runs 1000× faster (timeScale 0.001), so the 1- and 2-minute retry waits take 60 and 120 ms;
 * function timeouts stay in real seconds.
 */

let emu: RunningEmulator;
let lambda: LambdaClient;
let sqs: SQSClient;
let scratch: string;
const hops: Hop[] = [];

beforeAll(async () => {
  emu = await startEmulator({ port: 0, log: () => {}, timeScale: 0.001 });
  emu.bus.onHop((h) => hops.push(h));
  lambda = new LambdaClient({ ...clientConfig(emu), maxAttempts: 1 });
  sqs = new SQSClient({ ...clientConfig(emu), maxAttempts: 1 });
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'process-faults-'));
});
afterAll(async () => {
  lambda.destroy();
  sqs.destroy();
  await emu.stop();
  fs.rmSync(scratch, { recursive: true, force: true });
});

async function deploy(source: string, extra: Partial<CreateFunctionCommandInput> = {}): Promise<string> {
  const name = uniqueName('fault');
  await deployNode(lambda, name, source, extra);
  return name;
}

const invoke = async (FunctionName: string, event: unknown) => {
  const out = await lambda.send(new InvokeCommand({ FunctionName, Payload: Buffer.from(JSON.stringify(event)) }));
  return { ...out, body: JSON.parse(Buffer.from(out.Payload ?? []).toString('utf8') || 'null') };
};

async function queue(prefix: string): Promise<{ url: string; arn: string }> {
  const url = (await sqs.send(new CreateQueueCommand({ QueueName: uniqueName(prefix) }))).QueueUrl!;
  const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
  return { url, arn };
}

const oneMessage = (url: string, what: string): Promise<Message> =>
  waitFor(async () => (await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MessageAttributeNames: ['All'], WaitTimeSeconds: 1 }))).Messages?.[0], {
    what,
    timeoutMs: 30_000,
  });

/** Files a function writes into `dir` (one per attempt), so the test counts attempts without sleeping. */
const filesIn = (dir: string, prefix: string) => fs.readdirSync(dir).filter((f) => f.startsWith(prefix));

describe('a function process killed mid-invocation', () => {
  const SELF_KILL = `
    const fs = require('fs');
    exports.handler = async (event) => {
      fs.writeFileSync(event.dir + '/attempt-' + process.pid + '-' + Date.now() + '-' + Math.random(), '');
      process.kill(process.pid, 'SIGKILL');
      await new Promise(() => {});
    };`;

  it('is a function error (Runtime.ExitError) for a synchronous caller, and the next invocation gets a fresh process', async () => {
    const dir = fs.mkdtempSync(path.join(scratch, 'sync-'));
    const name = await deploy(`
      const fs = require('fs');
      exports.handler = async (event) => {
        if (event.kill) { fs.writeFileSync(event.dir + '/pid', String(process.pid)); process.kill(process.pid, 'SIGKILL'); await new Promise(() => {}); }
        return { pid: process.pid };
      };`);
    const out = await invoke(name, { kill: true, dir });
    expect(out.StatusCode).toBe(200);
    expect(out.FunctionError).toBe('Unhandled');
    expect(out.body).toEqual({
      errorType: 'Runtime.ExitError',
      errorMessage: `RequestId: ${out.$metadata.requestId} Error: Runtime exited with error: signal: killed`,
    });
    const killedPid = Number(fs.readFileSync(path.join(dir, 'pid'), 'utf8'));
    expect(isAlive(killedPid)).toBe(false);
    const next = await invoke(name, {});
    expect(next.FunctionError).toBeUndefined();
    expect(next.body.pid).not.toBe(killedPid);
  });

  it('is a function error when killed from outside (pid from a first call), and the environment is replaced', async () => {
    const dir = fs.mkdtempSync(path.join(scratch, 'outside-'));
    const name = await deploy(`
      const fs = require('fs');
      exports.handler = async (event) => {
        if (event.hold) {
          fs.writeFileSync(event.dir + '/started', String(process.pid));
          setInterval(() => {}, 1000); // a busy event loop: the invocation holds until killed
          await new Promise(() => {});
        }
        return { pid: process.pid };
      };`);
    const { pid } = (await invoke(name, {})).body as { pid: number };
    expect(isAlive(pid)).toBe(true);
    const held = invoke(name, { hold: true, dir });
    // The file appears before its content does: wait for the pid itself.
    const holder = await waitFor(() => Number(fs.existsSync(path.join(dir, 'started')) && fs.readFileSync(path.join(dir, 'started'), 'utf8')) || undefined, {
      what: 'the invocation to start',
    });
    expect(holder).toBe(pid); // the warm process took it
    process.kill(pid, 'SIGKILL');
    const out = await held;
    expect(out.FunctionError).toBe('Unhandled');
    expect(out.body.errorType).toBe('Runtime.ExitError');
    expect(out.body.errorMessage).toMatch(/Runtime exited with error: signal: killed$/);
    const after = await invoke(name, {});
    expect(after.FunctionError).toBeUndefined();
    expect(after.body.pid).not.toBe(pid);
  });

  it('asynchronously: retried twice, then sent to the DLQ with the error', async () => {
    const dir = fs.mkdtempSync(path.join(scratch, 'async-'));
    const dlq = await queue('killed-dlq');
    const name = await deploy(SELF_KILL, { DeadLetterConfig: { TargetArn: dlq.arn } });
    const sent = await lambda.send(new InvokeCommand({ FunctionName: name, InvocationType: 'Event', Payload: Buffer.from(JSON.stringify({ dir })) }));
    expect(sent.StatusCode).toBe(202);
    const requestId = sent.$metadata.requestId!;

    const dead = await oneMessage(dlq.url, 'the killed invocation in the DLQ');
    expect(JSON.parse(dead.Body!)).toEqual({ dir });
    expect(dead.MessageAttributes?.RequestID?.StringValue).toBe(requestId);
    expect(dead.MessageAttributes?.ErrorCode).toMatchObject({ DataType: 'Number', StringValue: '200' });
    expect(dead.MessageAttributes?.ErrorMessage?.StringValue).toMatch(/Runtime exited with error: signal: killed/);
    // Three attempts, each in a process of its own (every one was killed).
    const attempts = filesIn(dir, 'attempt-');
    expect(attempts).toHaveLength(3);
    expect(new Set(attempts.map((f) => f.split('-')[1])).size).toBe(3);
    const starts = hops.filter((h) => h.type === 'lambda.invoke.start' && h.functionName === name);
    expect(starts.map((h) => h.attempt)).toEqual([1, 2, 3]);
    expect(hops.filter((h) => h.type === 'lambda.retry' && h.functionName === name).map((h) => h.delayMs)).toEqual([60_000, 120_000]);
  });
});

describe('a handler that never answers', () => {
  // A pending timer keeps the event loop busy: with a drained loop AWS's Node runtime ends the invocation
  // itself (see the last test here), so a handler only "hangs" while something is still scheduled.
  it('is timed out ("Task timed out after 1.00 seconds") and its process is killed', async () => {
    const dir = fs.mkdtempSync(path.join(scratch, 'timeout-'));
    const name = await deploy(
      `const fs = require('fs');
       exports.handler = (event) => {
         fs.writeFileSync(event.dir + '/pid', String(process.pid));
         setInterval(() => {}, 1000);
         return new Promise(() => {});
       };`,
      { Timeout: 1 },
    );
    const out = await invoke(name, { dir });
    expect(out.FunctionError).toBe('Unhandled');
    expect(out.body.errorMessage).toMatch(/Task timed out after 1\.00 seconds$/);
    const pid = Number(fs.readFileSync(path.join(dir, 'pid'), 'utf8'));
    await waitFor(() => !isAlive(pid), { what: `the timed-out process ${pid} to be gone` });
  });

  it('a callback-style handler that never calls back (its event loop kept busy) is timed out too', async () => {
    const name = await deploy(`exports.handler = (event, context, callback) => { setInterval(() => {}, 1000); };`, { Timeout: 1 });
    const out = await invoke(name, {});
    expect(out.FunctionError).toBe('Unhandled');
    expect(out.body.errorMessage).toMatch(/Task timed out after 1\.00 seconds$/);
  });

  it('asynchronously: each timed-out attempt is retried, then the event goes to the DLQ', async () => {
    const dir = fs.mkdtempSync(path.join(scratch, 'timeout-async-'));
    const dlq = await queue('timeout-dlq');
    const name = await deploy(
      `const fs = require('fs');
       exports.handler = async (event) => {
         fs.writeFileSync(event.dir + '/attempt-' + process.pid + '-' + Math.random(), '');
         setInterval(() => {}, 1000);
         await new Promise(() => {});
       };`,
      { Timeout: 1, DeadLetterConfig: { TargetArn: dlq.arn } },
    );
    await lambda.send(new InvokeCommand({ FunctionName: name, InvocationType: 'Event', Payload: Buffer.from(JSON.stringify({ dir })) }));
    const dead = await oneMessage(dlq.url, 'the timed-out event in the DLQ');
    expect(JSON.parse(dead.Body!)).toEqual({ dir });
    expect(dead.MessageAttributes?.ErrorMessage?.StringValue).toMatch(/Task timed out after 1\.00 seconds/);
    expect(filesIn(dir, 'attempt-')).toHaveLength(3);
  }, 60_000);

  it('a callback-style handler that never calls back, with nothing left to run, ends with null (AWS: the runtime wraps up on a drained event loop)', async () => {
    const name = await deploy(`exports.handler = (event, context, callback) => {};`, { Timeout: 3 });
    const out = await invoke(name, {});
    expect(out.FunctionError).toBeUndefined();
    expect(out.body).toBeNull();
  });

  // AWS's Node runtime interface client (src/Runtime.js, _setDefaultExitListener, since its 2025 NodeJsExit
  // change, aws-lambda-nodejs-runtime-interface-client PR #144) fails an async handler whose promise is still
  // pending when the event loop drains, with Runtime.NodeJsExit; any other handler gets null, as above.
  it('an async handler whose promise never settles, with nothing left to run, fails with Runtime.NodeJsExit', async () => {
    const name = await deploy(`exports.handler = async () => { await new Promise(() => {}); };`, { Timeout: 30 });
    const out = await invoke(name, {});
    expect(out.FunctionError).toBe('Unhandled');
    expect(out.body.errorType).toBe('Runtime.NodeJsExit');
    expect(out.body.errorMessage).toMatch(/^The Lambda runtime client detected an unexpected Node\.js exit code\. This is most commonly caused by a Promise that was never settled\./);
  });

  it('a plain (not async) handler returning a promise that never settles, with nothing left to run, ends with null', async () => {
    const name = await deploy(`exports.handler = () => new Promise(() => {});`, { Timeout: 30 });
    const out = await invoke(name, {});
    expect(out.FunctionError).toBeUndefined();
    expect(out.body).toBeNull();
  });
});

describe('serve stopped by a signal', () => {
  let serve: CliProcess | undefined;
  let home: string;
  beforeEach(() => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'serve-signal-'));
  });
  afterEach(async () => {
    await ensureStopped(serve);
    fs.rmSync(home, { recursive: true, force: true });
  });

  /** `serve --deploy queue` with its own TMPDIR, an upload through the pipeline, and the function processes it started. */
  async function serveWithRunningFunctions() {
    const tmp = path.join(home, 'tmp');
    const dataDir = path.join(home, 'data');
    fs.mkdirSync(tmp);
    serve = spawnCli(['serve', '--port', '0', '--deploy', 'queue', '--data-dir', dataDir], { env: { TMPDIR: tmp } });
    const endpoint = await serve.ready(120_000);
    const serverPid = serve.child.pid!;
    const resources = JSON.parse(fs.readFileSync(path.join(dataDir, 'resources.json'), 'utf8')) as { sourceBucket: string };

    // An upload runs the pipeline: S3 → SQS → the processor function, in a runtime process of its own.
    const s3 = new S3Client({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, forcePathStyle: true, maxAttempts: 1 });
    try {
      await s3.send(new PutObjectCommand({ Bucket: resources.sourceBucket, Key: 'data/orders.csv', Body: 'id,amount\n1,10\n2,20\n' }));
    } finally {
      s3.destroy();
    }
    const runtimes = await waitFor(
      () => {
        const found = descendants(serverPid).filter((p) => /bootstrap\.(js|py)/.test(p.cmdline));
        return found.length > 0 ? found : undefined;
      },
      { what: 'a function runtime process under serve', timeoutMs: 60_000, describe: () => JSON.stringify(descendants(serverPid)) },
    );
    const tempFolders = () => fs.readdirSync(tmp).filter((n) => n.startsWith('lambda-'));
    expect(tempFolders().length).toBeGreaterThan(0);
    return { cli: serve, runtimes, children: descendants(serverPid), tempFolders, tmp };
  }

  it.each(['SIGINT', 'SIGTERM'] as const)('%s: serve exits, and leaves no function process and no temporary folder behind', async (signal) => {
    const { cli, children, tempFolders } = await serveWithRunningFunctions();
    cli.child.kill(signal);
    expect(await cli.exited).toEqual({ code: 0, signal: null });
    expect(cli.stderr()).toContain(`${signal}: stopping`);
    await waitFor(() => children.every((p) => !isAlive(p.pid)), {
      what: 'every process serve started to be gone',
      describe: () => JSON.stringify(children.filter((p) => isAlive(p.pid))),
    });
    expect(tempFolders()).toEqual([]);
  }, 180_000);

  it('SIGKILL (no chance to clean up): the orphaned function processes still end on their own, and the next emulator sweeps the temporary folders', async () => {
    const { cli, runtimes, tempFolders, tmp } = await serveWithRunningFunctions();
    cli.child.kill('SIGKILL');
    await cli.exited;
    try {
      await waitFor(() => runtimes.every((p) => !isAlive(p.pid)), { what: 'the orphaned runtimes to exit', timeoutMs: 30_000 });
    } finally {
      for (const p of runtimes.filter((r) => isAlive(r.pid))) process.kill(-p.pid, 'SIGKILL');
    }
    // A killed process cannot remove its temporary folders; the next emulator to start sweeps them.
    const left = tempFolders();
    expect(left.length).toBeGreaterThan(0);
    expect(left.every((n) => n.includes(`-${cli.child.pid}-`))).toBe(true);
    serve = spawnCli(['serve', '--port', '0'], { env: { TMPDIR: tmp } });
    await serve.ready(120_000);
    await waitFor(() => tempFolders().length === 0, { what: 'the killed serve\'s temporary folders to be swept', describe: () => tempFolders().join(', ') });
  }, 180_000);
});
