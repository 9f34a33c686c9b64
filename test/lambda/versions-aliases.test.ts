import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  AddPermissionCommand,
  CreateAliasCommand,
  CreateEventSourceMappingCommand,
  CreateFunctionCommand,
  DeleteAliasCommand,
  DeleteFunctionCommand,
  GetAliasCommand,
  GetEventSourceMappingCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  GetPolicyCommand,
  InvokeCommand,
  LambdaClient,
  ListAliasesCommand,
  ListEventSourceMappingsCommand,
  ListVersionsByFunctionCommand,
  PublishVersionCommand,
  PutFunctionEventInvokeConfigCommand,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { startEmulator } from '../../emulator';
import { waitFor } from '../../harness/wait';
import { clientConfig, useEmulator } from '../helpers/emulator';
import { deployNode, json, nodeZip, payload, rejection, ROLE, uniqueName, useLambdaAndSqs } from './helpers';

/** Versions and aliases: PublishVersion, qualifiers everywhere, alias routing, mappings and async on aliases, restarts. */

const emulator = useEmulator({ timeScale: 0.001, seed: 7 });
const { lambda, sqs, dir } = useLambdaAndSqs(emulator);

/** A handler that says which code it is and what Lambda told it about the version and ARN it runs as. */
const tagged = (code: string) =>
  `exports.handler = async (event, context) => ({ code: ${JSON.stringify(code)}, env: process.env.AWS_LAMBDA_FUNCTION_VERSION, version: context.functionVersion, arn: context.invokedFunctionArn });`;

async function settled(client: LambdaClient, name: string): Promise<void> {
  await waitFor(async () => (await client.send(new GetFunctionConfigurationCommand({ FunctionName: name }))).LastUpdateStatus === 'Successful', {
    what: `${name} updated`,
  });
}

async function updateCode(name: string, code: string, extra: { Publish?: boolean } = {}) {
  const out = await lambda().send(new UpdateFunctionCodeCommand({ FunctionName: name, ZipFile: nodeZip(tagged(code)), ...extra }));
  await settled(lambda(), name);
  return out;
}

const versionsOf = async (name: string) =>
  (await lambda().send(new ListVersionsByFunctionCommand({ FunctionName: name }))).Versions!.map((v) => v.Version);

describe('PublishVersion', () => {
  it('freezes code and configuration: version 1 runs the old code after $LATEST changes', async () => {
    const name = uniqueName('ver');
    const arn = await deployNode(lambda(), name, tagged('A'), { Environment: { Variables: { STAGE: 'one' } } });
    await settled(lambda(), name);
    const v1 = await lambda().send(new PublishVersionCommand({ FunctionName: name, Description: 'first' }));
    expect(v1.Version).toBe('1');
    expect(v1.FunctionArn).toBe(`${arn}:1`);
    expect(v1.Description).toBe('first');
    expect(v1.State).toBe('Active');
    // Nothing changed since version 1: AWS answers with version 1 again.
    expect((await lambda().send(new PublishVersionCommand({ FunctionName: name }))).Version).toBe('1');

    await updateCode(name, 'B');
    const old = await lambda().send(new InvokeCommand({ FunctionName: name, Qualifier: '1', LogType: 'Tail' }));
    expect(old.ExecutedVersion).toBe('1');
    expect(json(old.Payload)).toEqual({ code: 'A', env: '1', version: '1', arn: `${arn}:1` });
    expect(Buffer.from(old.LogResult!, 'base64').toString('utf8')).toMatch(/START RequestId: \S+ Version: 1\n/);

    const latest = await lambda().send(new InvokeCommand({ FunctionName: name }));
    expect(latest.ExecutedVersion).toBe('$LATEST');
    expect(json(latest.Payload)).toEqual({ code: 'B', env: '$LATEST', version: '$LATEST', arn });
    // The qualifier as a suffix of the name or ARN works the same.
    expect(json((await lambda().send(new InvokeCommand({ FunctionName: `${name}:1` }))).Payload).code).toBe('A');
    expect(json((await lambda().send(new InvokeCommand({ FunctionName: `${arn}:1` }))).Payload).code).toBe('A');

    const c1 = await lambda().send(new GetFunctionConfigurationCommand({ FunctionName: name, Qualifier: '1' }));
    expect(c1).toMatchObject({ Version: '1', FunctionArn: `${arn}:1`, CodeSha256: v1.CodeSha256, Environment: { Variables: { STAGE: 'one' } } });
    const g1 = await lambda().send(new GetFunctionCommand({ FunctionName: `${name}:1` }));
    expect(g1.Configuration?.Version).toBe('1');
    expect((await lambda().send(new GetFunctionCommand({ FunctionName: name }))).Configuration?.CodeSha256).not.toBe(v1.CodeSha256);
  });

  it('lists versions ($LATEST first, pages), never reuses a number, and checks preconditions', async () => {
    const name = uniqueName('list');
    const created = await lambda().send(new CreateFunctionCommand({ FunctionName: name, Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Code: { ZipFile: nodeZip(tagged('A')) }, Publish: true }));
    // CreateFunction with Publish answers with version 1 under the unqualified ARN.
    const arn = created.FunctionArn!;
    expect(arn).toBe(`arn:aws:lambda:us-east-1:000000000000:function:${name}`);
    expect(created.Version).toBe('1');
    await settled(lambda(), name);
    expect(await versionsOf(name)).toEqual(['$LATEST', '1']);
    const v2 = await updateCode(name, 'B', { Publish: true });
    expect(v2.Version).toBe('2');
    expect(v2.FunctionArn).toBe(`${arn}:2`);

    const page1 = await lambda().send(new ListVersionsByFunctionCommand({ FunctionName: name, MaxItems: 2 }));
    expect(page1.Versions!.map((v) => [v.Version, v.FunctionArn])).toEqual([['$LATEST', `${arn}:$LATEST`], ['1', `${arn}:1`]]);
    const page2 = await lambda().send(new ListVersionsByFunctionCommand({ FunctionName: name, MaxItems: 2, Marker: page1.NextMarker }));
    expect(page2.Versions!.map((v) => v.Version)).toEqual(['2']);
    expect(page2.NextMarker).toBeUndefined();

    await lambda().send(new DeleteFunctionCommand({ FunctionName: name, Qualifier: '2' }));
    expect(await versionsOf(name)).toEqual(['$LATEST', '1']);
    await lambda().send(new UpdateFunctionConfigurationCommand({ FunctionName: name, Timeout: 5 }));
    await settled(lambda(), name);
    expect((await lambda().send(new PublishVersionCommand({ FunctionName: name }))).Version).toBe('3');

    const bad = await rejection(lambda().send(new PublishVersionCommand({ FunctionName: name, RevisionId: 'not-the-revision' })));
    expect(bad.name).toBe('PreconditionFailedException');
    expect(bad.$metadata.httpStatusCode).toBe(412);
    const sha = await rejection(lambda().send(new PublishVersionCommand({ FunctionName: name, CodeSha256: 'AAAA' })));
    expect(sha.name).toBe('InvalidParameterValueException');
    expect(sha.message).toMatch(/CodeSHA256 \(AAAA\) is different from current CodeSHA256 in \$LATEST/);
  });

  it("changes $LATEST's RevisionId when it publishes a version (and only then), as LocalStack's AWS-validated test shows", async () => {
    const name = uniqueName('rev');
    await deployNode(lambda(), name, tagged('A'));
    await settled(lambda(), name);
    const before = (await lambda().send(new GetFunctionConfigurationCommand({ FunctionName: name }))).RevisionId;
    const v1 = await lambda().send(new PublishVersionCommand({ FunctionName: name, RevisionId: before }));
    expect(v1.RevisionId).not.toBe(before);
    const after = (await lambda().send(new GetFunctionConfigurationCommand({ FunctionName: name }))).RevisionId;
    expect(after).not.toBe(before);
    // The RevisionId read before publishing is stale now; the new one is accepted.
    expect((await rejection(lambda().send(new UpdateFunctionConfigurationCommand({ FunctionName: name, Description: 'x', RevisionId: before })))).name).toBe('PreconditionFailedException');
    // Nothing to publish: version 1 again, and $LATEST's RevisionId stays.
    expect((await lambda().send(new PublishVersionCommand({ FunctionName: name }))).Version).toBe('1');
    expect((await lambda().send(new GetFunctionConfigurationCommand({ FunctionName: name }))).RevisionId).toBe(after);
    // The version keeps its own.
    expect((await lambda().send(new GetFunctionConfigurationCommand({ FunctionName: name, Qualifier: '1' }))).RevisionId).toBe(v1.RevisionId);
  });

  it('answers 404 for a version or alias that does not exist, with the qualified ARN', async () => {
    const name = uniqueName('missing');
    const arn = await deployNode(lambda(), name, tagged('A'));
    const e = await rejection(lambda().send(new GetFunctionCommand({ FunctionName: name, Qualifier: '99' })));
    expect(e.name).toBe('ResourceNotFoundException');
    expect(e.$metadata.httpStatusCode).toBe(404);
    expect(e.message).toBe(`Function not found: ${arn}:99`);
    const i = await rejection(lambda().send(new InvokeCommand({ FunctionName: `${name}:nope` })));
    expect(i.name).toBe('ResourceNotFoundException');
    expect(i.message).toBe(`Function not found: ${arn}:nope`);
    const latest = await rejection(lambda().send(new DeleteFunctionCommand({ FunctionName: name, Qualifier: '$LATEST' })));
    expect(latest.name).toBe('InvalidParameterValueException');
  });
});

describe('aliases', () => {
  it('create, get, list, update with revision checks, invoke, delete', async () => {
    const name = uniqueName('alias');
    const arn = await deployNode(lambda(), name, tagged('A'), { Publish: true });
    await settled(lambda(), name);
    await updateCode(name, 'B', { Publish: true });

    const created = await lambda().send(new CreateAliasCommand({ FunctionName: name, Name: 'live', FunctionVersion: '1', Description: 'prod' }));
    expect(created).toMatchObject({ AliasArn: `${arn}:live`, Name: 'live', FunctionVersion: '1', Description: 'prod' });
    expect((await lambda().send(new GetAliasCommand({ FunctionName: name, Name: 'live' }))).RevisionId).toBe(created.RevisionId);
    await lambda().send(new CreateAliasCommand({ FunctionName: name, Name: 'edge', FunctionVersion: '$LATEST' }));
    expect((await lambda().send(new ListAliasesCommand({ FunctionName: name }))).Aliases!.map((a) => a.Name)).toEqual(['edge', 'live']);
    expect((await lambda().send(new ListAliasesCommand({ FunctionName: name, FunctionVersion: '1' }))).Aliases!.map((a) => a.Name)).toEqual(['live']);

    const viaAlias = await lambda().send(new InvokeCommand({ FunctionName: `${name}:live`, Payload: payload({}) }));
    expect(viaAlias.ExecutedVersion).toBe('1');
    expect(json(viaAlias.Payload)).toEqual({ code: 'A', env: '1', version: '1', arn: `${arn}:live` });
    const cfg = await lambda().send(new GetFunctionConfigurationCommand({ FunctionName: name, Qualifier: 'live' }));
    expect(cfg).toMatchObject({ Version: '1', FunctionArn: `${arn}:live` });

    const stale = await rejection(lambda().send(new UpdateAliasCommand({ FunctionName: name, Name: 'live', FunctionVersion: '2', RevisionId: 'old' })));
    expect(stale.name).toBe('PreconditionFailedException');
    const updated = await lambda().send(new UpdateAliasCommand({ FunctionName: name, Name: 'live', FunctionVersion: '2', RevisionId: created.RevisionId }));
    expect(updated.FunctionVersion).toBe('2');
    expect(updated.RevisionId).not.toBe(created.RevisionId);
    expect(json((await lambda().send(new InvokeCommand({ FunctionName: name, Qualifier: 'live' }))).Payload).code).toBe('B');

    // A version an alias points at cannot be deleted; one no alias uses can.
    const conflict = await rejection(lambda().send(new DeleteFunctionCommand({ FunctionName: name, Qualifier: '2' })));
    expect(conflict.name).toBe('ResourceConflictException');
    expect(conflict.$metadata.httpStatusCode).toBe(409);
    expect(conflict.message).toBe('Unable to delete version because the following aliases reference it: [live]');
    await lambda().send(new DeleteFunctionCommand({ FunctionName: name, Qualifier: '1' }));

    await lambda().send(new DeleteAliasCommand({ FunctionName: name, Name: 'live' }));
    expect((await rejection(lambda().send(new GetAliasCommand({ FunctionName: name, Name: 'live' })))).name).toBe('ResourceNotFoundException');
    expect((await rejection(lambda().send(new InvokeCommand({ FunctionName: `${name}:live` })))).name).toBe('ResourceNotFoundException');

    // Deleting the function takes its aliases with it.
    await lambda().send(new DeleteFunctionCommand({ FunctionName: name }));
    await deployNode(lambda(), name, tagged('C'));
    expect((await lambda().send(new ListAliasesCommand({ FunctionName: name }))).Aliases).toEqual([]);
  });

  it('validates names, versions and routing as AWS does', async () => {
    const name = uniqueName('aliasval');
    const arn = await deployNode(lambda(), name, tagged('A'), { Publish: true });
    await settled(lambda(), name);
    const numeric = await rejection(lambda().send(new CreateAliasCommand({ FunctionName: name, Name: '123', FunctionVersion: '1' })));
    expect(numeric.name).toBe('ValidationException');
    const missing = await rejection(lambda().send(new CreateAliasCommand({ FunctionName: name, Name: 'x', FunctionVersion: '9' })));
    expect(missing.name).toBe('ResourceNotFoundException');
    expect(missing.message).toBe(`Function not found: ${arn}:9`);
    await lambda().send(new CreateAliasCommand({ FunctionName: name, Name: 'x', FunctionVersion: '1' }));
    const dup = await rejection(lambda().send(new CreateAliasCommand({ FunctionName: name, Name: 'x', FunctionVersion: '1' })));
    expect(dup.name).toBe('ResourceConflictException');
    expect(dup.message).toBe(`Alias already exists: ${arn}:x`);
    const onLatest = await rejection(
      lambda().send(new CreateAliasCommand({ FunctionName: name, Name: 'y', FunctionVersion: '$LATEST', RoutingConfig: { AdditionalVersionWeights: { '1': 0.5 } } })),
    );
    expect(onLatest.name).toBe('InvalidParameterValueException');
    expect(onLatest.message).toBe('$LATEST is not supported for an alias pointing to more than 1 version');
    const self = await rejection(lambda().send(new CreateAliasCommand({ FunctionName: name, Name: 'y', FunctionVersion: '1', RoutingConfig: { AdditionalVersionWeights: { '1': 0.5 } } })));
    expect(self.name).toBe('InvalidParameterValueException');
    const heavy = await rejection(lambda().send(new CreateAliasCommand({ FunctionName: name, Name: 'y', FunctionVersion: '1', RoutingConfig: { AdditionalVersionWeights: { '2': 1.5 } } })));
    expect(heavy.name).toBe('ValidationException');
  });

  it('splits traffic by weight with the seeded random source', async () => {
    const name = uniqueName('canary');
    await deployNode(lambda(), name, tagged('A'), { Publish: true });
    await settled(lambda(), name);
    await updateCode(name, 'B', { Publish: true });
    await lambda().send(new CreateAliasCommand({ FunctionName: name, Name: 'canary', FunctionVersion: '1', RoutingConfig: { AdditionalVersionWeights: { '2': 0.5 } } }));
    const seen: string[] = [];
    for (let i = 0; i < 24; i++) {
      const out = await lambda().send(new InvokeCommand({ FunctionName: name, Qualifier: 'canary' }));
      expect(json(out.Payload).code).toBe(out.ExecutedVersion === '1' ? 'A' : 'B');
      seen.push(out.ExecutedVersion!);
    }
    expect(new Set(seen)).toEqual(new Set(['1', '2']));

    const alias = await lambda().send(new UpdateAliasCommand({ FunctionName: name, Name: 'canary', RoutingConfig: { AdditionalVersionWeights: { '2': 0 } } }));
    expect(alias.RoutingConfig?.AdditionalVersionWeights).toEqual({ '2': 0 });
    for (let i = 0; i < 5; i++) expect((await lambda().send(new InvokeCommand({ FunctionName: name, Qualifier: 'canary' }))).ExecutedVersion).toBe('1');
    // Version 2 is still routed to, so it cannot be deleted.
    expect((await rejection(lambda().send(new DeleteFunctionCommand({ FunctionName: name, Qualifier: '2' })))).name).toBe('ResourceConflictException');
  });

  it('keeps a resource policy per alias', async () => {
    const name = uniqueName('policy');
    const arn = await deployNode(lambda(), name, tagged('A'), { Publish: true });
    await settled(lambda(), name);
    await lambda().send(new CreateAliasCommand({ FunctionName: name, Name: 'live', FunctionVersion: '1' }));
    const added = await lambda().send(
      new AddPermissionCommand({ FunctionName: name, Qualifier: 'live', StatementId: 's3', Action: 'lambda:InvokeFunction', Principal: 's3.amazonaws.com' }),
    );
    expect(JSON.parse(added.Statement!).Resource).toBe(`${arn}:live`);
    const policy = JSON.parse((await lambda().send(new GetPolicyCommand({ FunctionName: `${name}:live` }))).Policy!);
    expect(policy.Statement.map((s: { Sid: string }) => s.Sid)).toEqual(['s3']);
    expect((await rejection(lambda().send(new GetPolicyCommand({ FunctionName: name })))).name).toBe('ResourceNotFoundException');
  });
});

describe('aliases as event targets', () => {
  async function queue(name: string): Promise<{ url: string; arn: string }> {
    const url = (await sqs().send(new CreateQueueCommand({ QueueName: name, Attributes: { VisibilityTimeout: '1000' } }))).QueueUrl!;
    const arn = (await sqs().send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    return { url, arn };
  }

  it('an SQS mapping on an alias invokes the alias version, as the alias', async () => {
    const name = uniqueName('esm');
    const out = path.join(dir(), `${name}.jsonl`);
    const writer = (code: string) =>
      `const fs = require('fs'); exports.handler = async (event, context) => { fs.appendFileSync(${JSON.stringify(out)}, JSON.stringify({ code: ${JSON.stringify(code)}, version: process.env.AWS_LAMBDA_FUNCTION_VERSION, arn: context.invokedFunctionArn }) + '\\n'); return {}; };`;
    const arn = await deployNode(lambda(), name, writer('A'), { Publish: true });
    await settled(lambda(), name);
    await lambda().send(new UpdateFunctionCodeCommand({ FunctionName: name, ZipFile: nodeZip(writer('B')) }));
    await settled(lambda(), name);
    await lambda().send(new CreateAliasCommand({ FunctionName: name, Name: 'live', FunctionVersion: '1' }));
    const q = await queue(uniqueName('esm-q'));
    const m = await lambda().send(new CreateEventSourceMappingCommand({ FunctionName: `${name}:live`, EventSourceArn: q.arn, BatchSize: 1 }));
    expect(m.FunctionArn).toBe(`${arn}:live`);
    expect((await lambda().send(new ListEventSourceMappingsCommand({ FunctionName: `${name}:live` }))).EventSourceMappings!.map((x) => x.UUID)).toEqual([m.UUID]);
    expect((await lambda().send(new ListEventSourceMappingsCommand({ FunctionName: `${name}:1` }))).EventSourceMappings).toEqual([]);
    expect((await lambda().send(new ListEventSourceMappingsCommand({ FunctionName: name }))).EventSourceMappings!.map((x) => x.UUID)).toEqual([m.UUID]);
    await waitFor(async () => (await lambda().send(new GetEventSourceMappingCommand({ UUID: m.UUID }))).State === 'Enabled', { what: 'mapping enabled' });

    await sqs().send(new SendMessageCommand({ QueueUrl: q.url, MessageBody: 'hello' }));
    // The file exists before the function's line is in it: parse inside the probe, so a half-written line is retried.
    const first = await waitFor(() => fs.existsSync(out) && JSON.parse(fs.readFileSync(out, 'utf8').split('\n')[0]!), { what: 'the batch written by the function' });
    expect(first).toEqual({ code: 'A', version: '1', arn: `${arn}:live` });
  });

  it("an SQS mapping on a version holds its batch for that version's timeout, not $LATEST's", async () => {
    const name = uniqueName('esmt');
    const release = path.join(dir(), `${name}.release`);
    // Runs until the test lets it go, so the batch is in flight while the test looks at it; woken by the release
    // file appearing (inotify, as HOLDING_HANDLER), not by polling.
    const gated = `const fs = require('fs'), path = require('path');
exports.handler = async () => {
  const release = ${JSON.stringify(release)};
  await new Promise((resolve) => {
    const check = () => fs.existsSync(release) && (watcher.close(), resolve());
    const watcher = fs.watch(path.dirname(release), check);
    check();
  });
  return {};
};`;
    await deployNode(lambda(), name, gated, { Publish: true, Timeout: 900 });
    await settled(lambda(), name);
    await lambda().send(new UpdateFunctionConfigurationCommand({ FunctionName: name, Timeout: 3 }));
    await settled(lambda(), name);
    const url = (await sqs().send(new CreateQueueCommand({ QueueName: uniqueName('esmt-q'), Attributes: { VisibilityTimeout: '1000' } }))).QueueUrl!;
    const arn = (await sqs().send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    const m = await lambda().send(new CreateEventSourceMappingCommand({ FunctionName: `${name}:1`, EventSourceArn: arn, BatchSize: 1 }));
    await waitFor(async () => (await lambda().send(new GetEventSourceMappingCommand({ UUID: m.UUID }))).State === 'Enabled', { what: 'mapping enabled' });
    try {
      const sentAt = emulator().clock.now();
      await sqs().send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'slow' }));
      type Peeked = { state: string; visibleAt?: number };
      const held = await waitFor(async () => (await emulator().bus.ask<{ queue: string }, Peeked[]>('sqs.peek', { queue: url })).find((p) => p.state === 'inflight'), {
        what: 'the batch in flight',
      });
      // Emulated time runs 1000× faster while the function runs in real time: the hold covers version 1's
      // 900 s as real seconds (capped at SQS's 12 h), far beyond what $LATEST's 3 s would need (23 000 s).
      expect(held.visibleAt! - sentAt).toBeGreaterThan(40_000_000);
    } finally {
      fs.writeFileSync(release, '');
    }
  });

  it('an asynchronous invoke of an alias uses the alias settings and names it in the destination record', async () => {
    const name = uniqueName('async');
    const arn = await deployNode(lambda(), name, tagged('A'), { Publish: true });
    await settled(lambda(), name);
    await lambda().send(new CreateAliasCommand({ FunctionName: name, Name: 'live', FunctionVersion: '1' }));
    const dest = await queue(uniqueName('dest'));
    await lambda().send(new PutFunctionEventInvokeConfigCommand({ FunctionName: name, Qualifier: 'live', DestinationConfig: { OnSuccess: { Destination: dest.arn } } }));
    const out = await lambda().send(new InvokeCommand({ FunctionName: name, Qualifier: 'live', InvocationType: 'Event', Payload: payload({ n: 1 }) }));
    expect(out.StatusCode).toBe(202);
    const body = await waitFor(async () => (await sqs().send(new ReceiveMessageCommand({ QueueUrl: dest.url }))).Messages?.[0]?.Body, { what: 'the OnSuccess record' });
    const record = JSON.parse(body);
    expect(record.requestContext.functionArn).toBe(`${arn}:live`);
    expect(record.responseContext.executedVersion).toBe('1');
    expect(record.responsePayload).toEqual({ code: 'A', env: '1', version: '1', arn: `${arn}:live` });
  });
});

it('versions and aliases survive a restart with dataDir', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'persist-versions-'));
  let emu = await startEmulator({ port: 0, dataDir, log: () => {} });
  let client = new LambdaClient({ ...clientConfig(emu), maxAttempts: 1 });
  try {
    await client.send(new CreateFunctionCommand({ FunctionName: 'kept', Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Code: { ZipFile: nodeZip(tagged('A')) }, Publish: true }));
    await settled(client, 'kept');
    await client.send(new UpdateFunctionCodeCommand({ FunctionName: 'kept', ZipFile: nodeZip(tagged('B')) }));
    await settled(client, 'kept');
    await client.send(new CreateAliasCommand({ FunctionName: 'kept', Name: 'live', FunctionVersion: '1' }));
    client.destroy();
    await emu.stop();

    emu = await startEmulator({ port: 0, dataDir, log: () => {} });
    client = new LambdaClient({ ...clientConfig(emu), maxAttempts: 1 });
    expect((await client.send(new ListVersionsByFunctionCommand({ FunctionName: 'kept' }))).Versions!.map((v) => v.Version)).toEqual(['$LATEST', '1']);
    expect((await client.send(new GetAliasCommand({ FunctionName: 'kept', Name: 'live' }))).FunctionVersion).toBe('1');
    const viaAlias = await client.send(new InvokeCommand({ FunctionName: 'kept:live' }));
    expect(viaAlias.ExecutedVersion).toBe('1');
    expect(json(viaAlias.Payload).code).toBe('A');
    expect(json((await client.send(new InvokeCommand({ FunctionName: 'kept' }))).Payload).code).toBe('B');
    // Numbers are never reused, across a restart too.
    await client.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'kept', Timeout: 7 }));
    await settled(client, 'kept');
    expect((await client.send(new PublishVersionCommand({ FunctionName: 'kept' }))).Version).toBe('2');
  } finally {
    client.destroy();
    await emu.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
