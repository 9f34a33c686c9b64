import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  PutLogEventsCommand,
  StartLiveTailCommand,
  type StartLiveTailResponseStream,
} from '@aws-sdk/client-cloudwatch-logs';
import type { RunningEmulator } from '../../emulator';
import { waitFor } from '../../harness/wait';
import { clientConfig, useEmulator } from '../helpers/emulator';

const logsOf = (emu: RunningEmulator) => new CloudWatchLogsClient(clientConfig(emu));
/** StartLiveTail's endpoint has the host prefix `stream-`, which an emulator at 127.0.0.1 cannot take. */
const tailClient = (emu: RunningEmulator) => new CloudWatchLogsClient({ ...clientConfig(emu), disableHostPrefix: true });
const arnOf = (group: string) => `arn:aws:logs:us-east-1:000000000000:log-group:${group}`;

async function groupWithStreams(emu: RunningEmulator, group: string, streams: string[]) {
  await logsOf(emu).send(new CreateLogGroupCommand({ logGroupName: group }));
  for (const s of streams) await logsOf(emu).send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: s }));
}
const put = (emu: RunningEmulator, group: string, stream: string, messages: string[]) =>
  logsOf(emu).send(new PutLogEventsCommand({ logGroupName: group, logStreamName: stream, logEvents: messages.map((message) => ({ timestamp: Date.now(), message })) }));

/** Reads a session's stream in the background, collecting what arrives. */
function reader(stream: AsyncIterable<StartLiveTailResponseStream>) {
  const seen: StartLiveTailResponseStream[] = [];
  let ended = false;
  const done = (async () => {
    for await (const e of stream) seen.push(e);
    ended = true;
  })();
  const messages = () => seen.flatMap((e) => e.sessionUpdate?.sessionResults ?? []);
  return { seen, messages, done, ended: () => ended };
}

describe('CloudWatch Logs StartLiveTail (scaled time)', () => {
  const emulator = useEmulator({ timeScale: 0.01 });

  it('starts with sessionStart, then delivers matching events written afterwards in sessionUpdate batches', async () => {
    const emu = emulator();
    const group = '/live/app';
    await groupWithStreams(emu, group, ['web-1', 'web-2', 'worker']);
    await put(emu, group, 'web-1', ['ERROR before the session']);
    const abort = new AbortController();
    const out = await tailClient(emu).send(
      new StartLiveTailCommand({ logGroupIdentifiers: [arnOf(group)], logStreamNamePrefixes: ['web-'], logEventFilterPattern: 'ERROR' }),
      { abortSignal: abort.signal },
    );
    const r = reader(out.responseStream!);
    await waitFor(() => r.seen.length >= 1, { what: 'sessionStart', timeoutMs: 10_000 });
    expect(r.seen[0]!.sessionStart).toMatchObject({ logGroupIdentifiers: [arnOf(group)], logStreamNamePrefixes: ['web-'], logEventFilterPattern: 'ERROR' });
    expect(r.seen[0]!.sessionStart!.sessionId).toMatch(/^[0-9a-f-]{36}$/);

    await put(emu, group, 'web-1', ['ERROR one', 'INFO skipped']);
    await put(emu, group, 'worker', ['ERROR not a web stream']);
    await put(emu, group, 'web-2', ['ERROR two']);
    await waitFor(() => r.messages().length >= 2, { what: 'two matching events', timeoutMs: 10_000, describe: () => JSON.stringify(r.seen) });
    expect(r.messages().map((e) => `${e.logStreamName}: ${e.message}`).sort()).toEqual(['web-1: ERROR one', 'web-2: ERROR two']);
    expect(r.messages()[0]).toMatchObject({ logGroupIdentifier: arnOf(group), timestamp: expect.any(Number), ingestionTime: expect.any(Number) });
    const update = r.seen.find((e) => e.sessionUpdate?.sessionResults?.length)!.sessionUpdate!;
    expect(update.sessionMetadata).toEqual({ sampled: false });
    // Quiet seconds bring empty updates, as on AWS.
    await waitFor(() => r.seen.some((e) => e.sessionUpdate && e.sessionUpdate.sessionResults?.length === 0), { what: 'an empty update', timeoutMs: 10_000 });

    // Closing the stream ends the session on the emulator's side too.
    abort.abort();
    await r.done.catch(() => undefined);
    await waitFor(() => emu.providers.logs!.liveTailSessions() === 0, { what: 'the session to end', timeoutMs: 10_000 });
  });

  it('takes log group names, several groups, and refuses what AWS refuses', async () => {
    const emu = emulator();
    await groupWithStreams(emu, '/live/a', ['s']);
    await groupWithStreams(emu, '/live/b', ['s']);
    const logs = tailClient(emu);
    const abort = new AbortController();
    const out = await logs.send(new StartLiveTailCommand({ logGroupIdentifiers: [arnOf('/live/a'), '/live/b'] }), { abortSignal: abort.signal });
    const r = reader(out.responseStream!);
    await put(emu, '/live/a', 's', ['from a']);
    await put(emu, '/live/b', 's', ['from b']);
    await waitFor(() => r.messages().length >= 2, { what: 'events of both groups', timeoutMs: 10_000 });
    expect(r.messages().map((e) => `${e.logGroupIdentifier} ${e.message}`).sort()).toEqual([`${arnOf('/live/a')} from a`, '/live/b from b'].sort());
    abort.abort();
    await r.done.catch(() => undefined);

    await expect(logs.send(new StartLiveTailCommand({ logGroupIdentifiers: [arnOf('/live/missing')] }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await expect(logs.send(new StartLiveTailCommand({ logGroupIdentifiers: [`${arnOf('/live/a')}:*`] }))).rejects.toMatchObject({ name: 'InvalidParameterException' });
    await expect(
      logs.send(new StartLiveTailCommand({ logGroupIdentifiers: [arnOf('/live/a'), arnOf('/live/b')], logStreamNames: ['s'] })),
    ).rejects.toMatchObject({ name: 'InvalidParameterException' });
  });
});
