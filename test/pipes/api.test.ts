import {
  CreatePipeCommand,
  DeletePipeCommand,
  DescribePipeCommand,
  ListPipesCommand,
  ListTagsForResourceCommand,
  StartPipeCommand,
  StopPipeCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdatePipeCommand,
  type ListPipesCommandInput,
  PipesClient,
} from '@aws-sdk/client-pipes';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { VirtualClock } from '../../emulator/core/clock';
import { waitFor } from '../../harness/wait';
import { clientConfig, useEmulator } from '../helpers/emulator';
import { createQueue, pipesClient, ROLE, waitForState } from './helpers';

/** The Pipes API: the life of a pipe (states), listing and paging, tags, and AWS's errors. */

const emulator = useEmulator({ timeScale: 0.01 });
let pipes: PipesClient;
let sqs: SQSClient;
beforeAll(() => {
  pipes = pipesClient(emulator());
  sqs = new SQSClient({ ...clientConfig(emulator()), maxAttempts: 1 });
});
afterAll(() => {
  pipes.destroy();
  sqs.destroy();
});

const rejection = async (p: Promise<unknown>): Promise<any> => p.then(() => { throw new Error('expected a failure'); }, (e) => e);

describe('life of a pipe', () => {
  it('creates CREATING then settles RUNNING; stops, starts, updates and deletes through AWS states', async () => {
    const src = await createQueue(sqs, 'api-src');
    const dst = await createQueue(sqs, 'api-dst');
    const created = await pipes.send(
      new CreatePipeCommand({ Name: 'life', Source: src.arn, Target: dst.arn, RoleArn: ROLE, Description: 'first', Tags: { team: 'a' }, SourceParameters: { SqsQueueParameters: { BatchSize: 5 } } }),
    );
    expect(created).toMatchObject({ Name: 'life', Arn: 'arn:aws:pipes:us-east-1:000000000000:pipe/life', DesiredState: 'RUNNING', CurrentState: 'CREATING' });
    expect(created.CreationTime).toBeInstanceOf(Date);

    const running = await waitForState(pipes, 'life', 'RUNNING');
    expect(running).toMatchObject({
      Source: src.arn,
      Target: dst.arn,
      RoleArn: ROLE,
      Description: 'first',
      Tags: { team: 'a' },
      SourceParameters: { SqsQueueParameters: { BatchSize: 5 } },
    });
    expect(running.StateReason).toBeUndefined();

    const stopping = await pipes.send(new StopPipeCommand({ Name: 'life' }));
    expect(stopping).toMatchObject({ DesiredState: 'STOPPED', CurrentState: 'STOPPING' });
    await waitForState(pipes, 'life', 'STOPPED');

    expect(await pipes.send(new StartPipeCommand({ Name: 'life' }))).toMatchObject({ DesiredState: 'RUNNING', CurrentState: 'STARTING' });
    await waitForState(pipes, 'life', 'RUNNING');

    const updated = await pipes.send(new UpdatePipeCommand({ Name: 'life', RoleArn: ROLE, Description: 'second', TargetParameters: { InputTemplate: '{"b": <$.body>}' } }));
    expect(updated.CurrentState).toBe('UPDATING');
    const after = await waitForState(pipes, 'life', 'RUNNING');
    expect(after).toMatchObject({ Description: 'second', TargetParameters: { InputTemplate: '{"b": <$.body>}' }, SourceParameters: { SqsQueueParameters: { BatchSize: 5 } } });

    const deleting = await pipes.send(new DeletePipeCommand({ Name: 'life' }));
    expect(deleting).toMatchObject({ DesiredState: 'DELETED', CurrentState: 'DELETING' });
    await waitFor(async () => (await rejection(pipes.send(new DescribePipeCommand({ Name: 'life' })))).name === 'NotFoundException', { what: 'the pipe to be gone' });
  });

  it('creates a pipe STOPPED when DesiredState says so', async () => {
    const src = await createQueue(sqs, 'api-stopped-src');
    await pipes.send(new CreatePipeCommand({ Name: 'born-stopped', Source: src.arn, Target: src.arn.replace('stopped-src', 'dst'), RoleArn: ROLE, DesiredState: 'STOPPED' }));
    expect((await waitForState(pipes, 'born-stopped', 'STOPPED')).DesiredState).toBe('STOPPED');
  });

  it('fails creation (CREATE_FAILED with a reason) when the source queue does not exist', async () => {
    await pipes.send(new CreatePipeCommand({ Name: 'no-queue', Source: 'arn:aws:sqs:us-east-1:000000000000:missing', Target: 'arn:aws:sqs:us-east-1:000000000000:x', RoleArn: ROLE }));
    const d = await waitForState(pipes, 'no-queue', 'CREATE_FAILED');
    expect(d.StateReason).toContain('does not exist');
  });

  it('keeps a pipe from a source the emulator does not poll, saying so in StateReason', async () => {
    await pipes.send(
      new CreatePipeCommand({
        Name: 'kinesis-pipe',
        Source: 'arn:aws:kinesis:us-east-1:000000000000:stream/orders',
        SourceParameters: { KinesisStreamParameters: { StartingPosition: 'LATEST' } },
        Target: 'arn:aws:sqs:us-east-1:000000000000:x',
        RoleArn: ROLE,
      }),
    );
    const d = await waitForState(pipes, 'kinesis-pipe', 'RUNNING');
    expect(d.StateReason).toMatch(/does not poll kinesis/);
  });
});

describe('transitions on a virtual clock', () => {
  const clock = new VirtualClock();
  const frozen = useEmulator({ clock });
  let client: PipesClient;
  beforeAll(() => {
    client = pipesClient(frozen());
  });
  afterAll(() => client.destroy());

  it('holds CREATING and STOPPING until the clock turns, refusing other changes meanwhile with ConflictException', async () => {
    const q = 'arn:aws:sqs:us-east-1:000000000000:frozen';
    const frozenSqs = new SQSClient({ ...clientConfig(frozen()), maxAttempts: 1 });
    await frozenSqs.send(new CreateQueueCommand({ QueueName: 'frozen' }));
    frozenSqs.destroy();
    await client.send(new CreatePipeCommand({ Name: 'slow', Source: q, Target: q, RoleArn: ROLE }));
    expect((await client.send(new DescribePipeCommand({ Name: 'slow' }))).CurrentState).toBe('CREATING');
    const busy = await rejection(client.send(new UpdatePipeCommand({ Name: 'slow', RoleArn: ROLE })));
    expect([busy.name, busy.resourceId, busy.resourceType]).toEqual(['ConflictException', 'slow', 'pipe']);
    clock.advance(5);
    await waitForState(client, 'slow', 'RUNNING');

    expect((await client.send(new StopPipeCommand({ Name: 'slow' }))).CurrentState).toBe('STOPPING');
    expect((await rejection(client.send(new StartPipeCommand({ Name: 'slow' })))).name).toBe('ConflictException');
    clock.advance(5);
    await waitForState(client, 'slow', 'STOPPED');
  });
});

describe('errors', () => {
  it('refuses a second pipe of the same name with ConflictException', async () => {
    const src = await createQueue(sqs, 'api-dup');
    await pipes.send(new CreatePipeCommand({ Name: 'dup', Source: src.arn, Target: src.arn, RoleArn: ROLE }));
    const e = await rejection(pipes.send(new CreatePipeCommand({ Name: 'dup', Source: src.arn, Target: src.arn, RoleArn: ROLE })));
    expect(e.name).toBe('ConflictException');
    expect(e.$metadata.httpStatusCode).toBe(409);
    expect(e.resourceType).toBe('pipe');
  });

  it('answers NotFoundException for an unknown pipe', async () => {
    for (const cmd of [new DescribePipeCommand({ Name: 'nope' }), new StopPipeCommand({ Name: 'nope' }), new DeletePipeCommand({ Name: 'nope' })]) {
      const e = await rejection(pipes.send(cmd as any));
      expect(e.name).toBe('NotFoundException');
      expect(e.$metadata.httpStatusCode).toBe(404);
    }
  });

  it('validates names, ARNs, roles and SQS batch settings with fieldList', async () => {
    const base = { Source: 'arn:aws:sqs:us-east-1:000000000000:q', Target: 'arn:aws:sqs:us-east-1:000000000000:t', RoleArn: ROLE };
    const bad = [
      [{ ...base, Name: 'has space' }, 'name'],
      [{ ...base, Name: 'x'.repeat(65) }, 'name'],
      [{ ...base, Name: 'ok', Source: 'not-an-arn' }, 'source'],
      [{ ...base, Name: 'ok', RoleArn: 'arn:aws:iam::000000000000:user/u' }, 'roleArn'],
      [{ ...base, Name: 'ok', SourceParameters: { SqsQueueParameters: { BatchSize: 20000 } } }, 'sourceParameters.sqsQueueParameters.batchSize'],
      [{ ...base, Name: 'ok', SourceParameters: { SqsQueueParameters: { BatchSize: 100 } } }, 'sourceParameters.sqsQueueParameters.maximumBatchingWindowInSeconds'],
      [{ ...base, Name: 'ok', SourceParameters: { FilterCriteria: { Filters: [{ Pattern: '{"body": "x"}' }] } } }, 'sourceParameters.filterCriteria.filters.1.member.pattern'],
      [{ ...base, Name: 'ok', TargetParameters: { LambdaFunctionParameters: { InvocationType: 'REQUEST_RESPONSE' } } }, 'targetParameters.lambdaFunctionParameters'],
    ] as const;
    for (const [input, field] of bad) {
      const e = await rejection(pipes.send(new CreatePipeCommand(input as any)));
      expect([e.name, e.fieldList?.[0]?.name]).toEqual(['ValidationException', field]);
    }
  });
});

describe('listing and tags', () => {
  it('filters by name, source, target and state prefixes and pages with NextToken', async () => {
    const a = await createQueue(sqs, 'list-a');
    const b = await createQueue(sqs, 'list-b');
    for (const [name, src] of [['list-1', a.arn], ['list-2', a.arn], ['list-3', b.arn]] as const) {
      await pipes.send(new CreatePipeCommand({ Name: name, Source: src, Target: b.arn, RoleArn: ROLE, DesiredState: name === 'list-3' ? 'STOPPED' : 'RUNNING' }));
    }
    await waitForState(pipes, 'list-3', 'STOPPED');
    const names = async (input: ListPipesCommandInput) => (await pipes.send(new ListPipesCommand(input))).Pipes!.map((p) => p.Name);
    expect(await names({ NamePrefix: 'list-' })).toEqual(['list-1', 'list-2', 'list-3']);
    expect(await names({ NamePrefix: 'list-', SourcePrefix: a.arn })).toEqual(['list-1', 'list-2']);
    expect(await names({ NamePrefix: 'list-', DesiredState: 'STOPPED' })).toEqual(['list-3']);
    expect(await names({ NamePrefix: 'list-', CurrentState: 'STOPPED' })).toEqual(['list-3']);
    expect(await names({ TargetPrefix: 'arn:aws:sqs:us-east-1:000000000000:list-b', NamePrefix: 'list' })).toHaveLength(3);

    const first = await pipes.send(new ListPipesCommand({ NamePrefix: 'list-', Limit: 2 }));
    expect(first.Pipes!.map((p) => p.Name)).toEqual(['list-1', 'list-2']);
    expect(first.Pipes![0]).toMatchObject({ Source: a.arn, Target: b.arn, Arn: expect.stringContaining(':pipe/list-1') });
    const second = await pipes.send(new ListPipesCommand({ NamePrefix: 'list-', Limit: 2, NextToken: first.NextToken }));
    expect(second.Pipes!.map((p) => p.Name)).toEqual(['list-3']);
    expect(second.NextToken).toBeUndefined();
  });

  it('tags and untags a pipe by ARN', async () => {
    const q = await createQueue(sqs, 'tags-q');
    const { Arn } = await pipes.send(new CreatePipeCommand({ Name: 'tagged', Source: q.arn, Target: q.arn, RoleArn: ROLE, Tags: { a: '1' } }));
    await pipes.send(new TagResourceCommand({ resourceArn: Arn, tags: { b: '2', a: '3' } }));
    expect((await pipes.send(new ListTagsForResourceCommand({ resourceArn: Arn }))).tags).toEqual({ a: '3', b: '2' });
    await pipes.send(new UntagResourceCommand({ resourceArn: Arn, tagKeys: ['a'] }));
    expect((await pipes.send(new DescribePipeCommand({ Name: 'tagged' }))).Tags).toEqual({ b: '2' });
    const e = await rejection(pipes.send(new ListTagsForResourceCommand({ resourceArn: 'arn:aws:pipes:us-east-1:000000000000:pipe/none' })));
    expect(e.name).toBe('NotFoundException');
  });
});

describe('reset', () => {
  it('forgets every pipe (and stops their pollers) on the harness reset', async () => {
    const q = await createQueue(sqs, 'reset-q');
    await pipes.send(new CreatePipeCommand({ Name: 'to-forget', Source: q.arn, Target: q.arn, RoleArn: ROLE }));
    await waitForState(pipes, 'to-forget', 'RUNNING');
    await emulator().reset();
    expect((await pipes.send(new ListPipesCommand({}))).Pipes).toEqual([]);
    expect((await rejection(pipes.send(new DescribePipeCommand({ Name: 'to-forget' })))).name).toBe('NotFoundException');
  });
});

describe('pipes the emulator keeps without running', () => {
  it('says in StateReason that it does not call a Step Functions enrichment, and leaves the queue alone', async () => {
    const q = await createQueue(sqs, 'unrun-q');
    await pipes.send(
      new CreatePipeCommand({ Name: 'sfn-enriched', Source: q.arn, Enrichment: 'arn:aws:states:us-east-1:000000000000:stateMachine:s', Target: q.arn, RoleArn: ROLE }),
    );
    const d = await waitForState(pipes, 'sfn-enriched', 'RUNNING');
    expect(d.StateReason).toMatch(/Lambda function enrichments only/);
  });
});

describe('Pipes are kept per Region', () => {
  it('lets each Region have a pipe of the same name, each listed, described and tagged in its own Region only', async () => {
    const west = new PipesClient({ ...clientConfig(emulator()), region: 'us-west-2', maxAttempts: 1 });
    try {
      const source = await createQueue(sqs, 'regional-source');
      const target = await createQueue(sqs, 'regional-target');
      const pipe = { Name: 'regional', Source: source.arn, Target: target.arn, RoleArn: ROLE, DesiredState: 'STOPPED' as const };
      const east = await pipes.send(new CreatePipeCommand(pipe));
      const westOut = await west.send(new CreatePipeCommand(pipe));
      expect(east.Arn).toBe('arn:aws:pipes:us-east-1:000000000000:pipe/regional');
      expect(westOut.Arn).toBe('arn:aws:pipes:us-west-2:000000000000:pipe/regional');
      await expect(west.send(new CreatePipeCommand(pipe))).rejects.toMatchObject({ name: 'ConflictException' });
      expect((await west.send(new ListPipesCommand({ NamePrefix: 'regional' }))).Pipes?.map((p) => p.Arn)).toEqual([westOut.Arn]);
      await west.send(new TagResourceCommand({ resourceArn: westOut.Arn, tags: { region: 'west' } }));
      expect((await pipes.send(new ListTagsForResourceCommand({ resourceArn: east.Arn }))).tags).toEqual({});
      await west.send(new DeletePipeCommand({ Name: 'regional' }));
      await waitFor(async () => !(await west.send(new ListPipesCommand({ NamePrefix: 'regional' }))).Pipes?.length, { what: "west's pipe to go" });
      expect((await pipes.send(new DescribePipeCommand({ Name: 'regional' }))).Arn).toBe(east.Arn);
    } finally {
      west.destroy();
    }
  });
});
