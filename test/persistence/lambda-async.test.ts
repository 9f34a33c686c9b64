import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InvokeCommand, LambdaClient, PutFunctionConcurrencyCommand, PutFunctionEventInvokeConfigCommand } from '@aws-sdk/client-lambda';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import { startEmulator, type RunningEmulator, type StartOptions } from '../../emulator';
import { VirtualClock } from '../../emulator/core/clock';
import { waitFor } from '../../harness/wait';
import { clientConfig } from '../helpers/emulator';
import { deployNode, payload } from '../lambda/helpers';
import { ensureStopped, spawnCli, type CliProcess } from '../reliability/helpers';

/**
 * `dataDir` keeps Lambda's asynchronous invocation queue: an accepted event (Invoke Event, 202) waiting or running
 * when the emulator stops — or is killed — runs after the restart; one waiting for a retry is retried at its due
 * time on the emulator clock, then goes to its DLQ / on-failure destination with its attempt count.
 */

/** Appends the event's id to `started`, waits for the file `open`, then appends it to `done` (all in GATE_DIR). */
const GATED = `
const fs = require('fs');
exports.handler = async (event) => {
  const dir = process.env.GATE_DIR;
  fs.appendFileSync(dir + '/started', event.id + '\\n');
  const parent = process.ppid;
  await new Promise((resolve) => {
    const check = () => {
      // Orphaned by a killed emulator: this attempt is over.
      if (process.ppid !== parent) process.exit(1);
      if (fs.existsSync(dir + '/open')) resolve(clearInterval(timer));
    };
    const timer = setInterval(check, 20);
    check();
  });
  fs.appendFileSync(dir + '/done', event.id + '\\n');
  return 'ok';
};`;

/** Appends a line to ATTEMPTS, then fails. */
const FAILING = `
exports.handler = async (event) => {
  require('fs').appendFileSync(process.env.ATTEMPTS, 'attempt\\n');
  throw new Error('boom ' + event.id);
};`;

const lines = (file: string): string[] => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);
const count = (file: string, id: string): number => lines(file).filter((l) => l === id).length;

/** The async events saved under `dataDir` (snapshot, then the journal over it): their payloads. */
function savedEvents(dataDir: string): string[] {
  const events = new Map<string, string>();
  for (const file of ['snapshot.jsonl', 'journal.jsonl']) {
    type Entry = { k?: string; v?: { payload: string }; d?: boolean; b?: Entry[] };
    // A journal line holds one change, or a flush of several as {"b": [...]}.
    const entries = lines(path.join(dataDir, 'state', file)).flatMap((line) => {
      const entry = JSON.parse(line) as Entry;
      return entry.b ?? [entry];
    });
    for (const { k, v, d } of entries) {
      if (!k?.startsWith('lambda/a\u0000')) continue;
      if (d) events.delete(k);
      else events.set(k, v!.payload);
    }
  }
  return [...events.values()];
}

let root: string;
let emu: RunningEmulator | undefined;
let cli: CliProcess | undefined;
const clients: { destroy(): void }[] = [];
const client = <T extends { destroy(): void }>(c: T): T => (clients.push(c), c);

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'persist-lambda-async-'));
});
afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await emu?.stop();
  emu = undefined;
  await ensureStopped(cli);
  cli = undefined;
  fs.rmSync(root, { recursive: true, force: true });
});

const start = async (opts: StartOptions = {}) => (emu = await startEmulator({ port: 0, dataDir: path.join(root, 'data'), log: () => {}, ...opts }));
const lambdaOf = (endpoint: string) => client(new LambdaClient({ ...clientConfig({ endpoint } as RunningEmulator), maxAttempts: 1 }));

/** A gated function with room for one event at a time; `a` is accepted and running, `b` accepted and waiting. */
async function runningAndWaiting(lambda: LambdaClient, gateDir: string): Promise<void> {
  await deployNode(lambda, 'gated', GATED, { Environment: { Variables: { GATE_DIR: gateDir } } });
  await lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: 'gated', ReservedConcurrentExecutions: 1 }));
  for (const id of ['a', 'b']) {
    const out = await lambda.send(new InvokeCommand({ FunctionName: 'gated', InvocationType: 'Event', Payload: payload({ id }) }));
    expect(out.StatusCode).toBe(202);
  }
  await waitFor(() => lines(path.join(gateDir, 'started')).includes('a'), { what: 'event a running' });
  expect(lines(path.join(gateDir, 'started'))).toEqual(['a']);
}

it('runs an accepted event after a restart: the waiting one once, the one cut off mid-run again', async () => {
  const gate = path.join(root, 'gate');
  fs.mkdirSync(gate);
  await start();
  await runningAndWaiting(lambdaOf(emu!.endpoint), gate);
  await emu!.stop();
  emu = undefined;

  await start();
  let ended = 0;
  emu!.bus.onHop(() => ended++, ['lambda.invoke.end']);
  fs.writeFileSync(path.join(gate, 'open'), '');
  await waitFor(() => ended === 2, { what: 'both events to run after the restart' });
  await emu!.stop();
  emu = undefined;
  const done = path.join(gate, 'done');
  expect(count(done, 'a')).toBe(1);
  expect(count(done, 'b')).toBe(1);
  expect(savedEvents(path.join(root, 'data'))).toEqual([]);
});

/** On a virtual clock: a failing function with a DLQ and an on-failure queue; its first event failed once. */
async function failedOnce(clock: VirtualClock, config: { MaximumRetryAttempts?: number; MaximumEventAgeInSeconds?: number }) {
  const attempts = path.join(root, 'attempts');
  await start({ clock });
  const sqs = client(new SQSClient({ ...clientConfig(emu!), maxAttempts: 1 }));
  for (const QueueName of ['dlq', 'failures']) await sqs.send(new CreateQueueCommand({ QueueName }));
  const lambda = lambdaOf(emu!.endpoint);
  const arn = await deployNode(lambda, 'flaky', FAILING, {
    Environment: { Variables: { ATTEMPTS: attempts } },
    DeadLetterConfig: { TargetArn: 'arn:aws:sqs:us-east-1:000000000000:dlq' },
  });
  clock.advance(10);
  await lambda.send(
    new PutFunctionEventInvokeConfigCommand({ FunctionName: 'flaky', ...config, DestinationConfig: { OnFailure: { Destination: 'arn:aws:sqs:us-east-1:000000000000:failures' } } }),
  );
  const acceptedAt = clock.now();
  const retries = retryDelays();
  const out = await lambda.send(new InvokeCommand({ FunctionName: 'flaky', InvocationType: 'Event', Payload: payload({ id: 'r' }) }));
  // The first attempt failed; the retry is due a minute later (emulated).
  await waitFor(() => retries.length > 0, { what: 'the retry to be scheduled' });
  expect(retries).toEqual([60_000]);
  expect(lines(attempts)).toHaveLength(1);
  await emu!.stop();
  emu = undefined;
  return { arn, acceptedAt, requestId: out.$metadata.requestId!, attempts };
}

/** The delays of the retries the running emulator schedules from now on. */
function retryDelays(): number[] {
  const delays: number[] = [];
  emu!.bus.onHop((h) => delays.push(h.delayMs as number), ['lambda.retry']);
  return delays;
}

/** The DLQ message and the on-failure record, once there. */
async function deadLettered(): Promise<{ dead: Message; record: any }> {
  const sqs = client(new SQSClient({ ...clientConfig(emu!), maxAttempts: 1 }));
  const receive = (queue: string) =>
    waitFor(
      async () => {
        const url = `${emu!.endpoint}/000000000000/${queue}`;
        return (await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MessageAttributeNames: ['All'] }))).Messages?.[0];
      },
      { what: `a message in ${queue}` },
    );
  const dead = await receive('dlq');
  return { dead, record: JSON.parse((await receive('failures')).Body!) };
}

it('retries an event waiting for its retry at its due time on the emulator clock, then dead-letters it with its attempt count', async () => {
  const { arn, acceptedAt, requestId, attempts } = await failedOnce(new VirtualClock(), { MaximumRetryAttempts: 1 });

  // 30 s (emulated) pass while the emulator is down; the retry is armed on the new clock for the same instant.
  const clock = new VirtualClock(acceptedAt + 30_000);
  await start({ clock });
  expect(clock.nextDue()).toBe(acceptedAt + 60_000);
  clock.advance(29_999);
  expect(clock.nextDue()).toBe(acceptedAt + 60_000);
  clock.advance(1);

  const { dead, record } = await deadLettered();
  expect(JSON.parse(dead.Body!)).toEqual({ id: 'r' });
  expect(dead.MessageAttributes?.RequestID?.StringValue).toBe(requestId);
  expect(record.requestContext).toEqual({ requestId, functionArn: `${arn}:$LATEST`, condition: 'RetriesExhausted', approximateInvokeCount: 2 });
  expect(lines(attempts)).toHaveLength(2);
  await emu!.stop();
  emu = undefined;
  expect(savedEvents(path.join(root, 'data'))).toEqual([]);
});

it('counts MaximumEventAgeInSeconds from the first acceptance, across the restart', async () => {
  const { requestId, acceptedAt, attempts } = await failedOnce(new VirtualClock(), { MaximumEventAgeInSeconds: 90 });

  const clock = new VirtualClock(acceptedAt + 40_000);
  await start({ clock });
  const retries = retryDelays();
  clock.advance(20_000);
  // The second attempt fails at +60 s: the next (2 minutes later) would be past the event's age, so it comes at +90 s.
  await waitFor(() => retries.length > 0, { what: 'the second retry to be scheduled' });
  expect(clock.nextDue()).toBe(acceptedAt + 90_001);
  clock.advance(30_001);

  const { record } = await deadLettered();
  expect(record.requestContext).toMatchObject({ requestId, condition: 'EventAgeExceeded', approximateInvokeCount: 2 });
  expect(lines(attempts)).toHaveLength(2);
});

it('keeps no event after POST /_harness/reset', async () => {
  const gate = path.join(root, 'gate');
  fs.mkdirSync(gate);
  await start();
  const lambda = lambdaOf(emu!.endpoint);
  await runningAndWaiting(lambda, gate);
  expect(savedEvents(path.join(root, 'data')).sort()).toEqual(['{"id":"a"}', '{"id":"b"}']);
  expect((await fetch(`${emu!.endpoint}/_harness/reset`, { method: 'POST' })).status).toBe(200);
  expect(savedEvents(path.join(root, 'data'))).toEqual([]);
});

it('keeps accepted events through a kill -9', async () => {
  const gate = path.join(root, 'gate');
  fs.mkdirSync(gate);
  const data = path.join(root, 'data');
  cli = spawnCli(['serve', '--port', '0', '--data-dir', data]);
  await runningAndWaiting(lambdaOf(await cli.ready()), gate);
  cli.child.kill('SIGKILL');
  await cli.exited;

  cli = spawnCli(['serve', '--port', '0', '--data-dir', data]);
  await cli.ready();
  fs.writeFileSync(path.join(gate, 'open'), '');
  const done = path.join(gate, 'done');
  await waitFor(() => count(done, 'a') >= 1 && count(done, 'b') >= 1, { what: 'both events to run after the restart' });
  cli.child.kill('SIGTERM');
  await cli.exited;
  // `a` was cut off mid-run: at least once (its orphaned attempt may have finished too); `b` had not started.
  expect(count(done, 'b')).toBe(1);
}, 60_000);
