import { GetFunctionCommand, ListEventSourceMappingsCommand, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { ListRolesCommand } from '@aws-sdk/client-iam';
import { ListBucketsCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { ListTopicsCommand } from '@aws-sdk/client-sns';
import { ListQueuesCommand } from '@aws-sdk/client-sqs';
import { createClients, type AwsClients } from '../../deploy-scripts/clients';
import { deployWithReport } from '../../deploy-scripts/deploy';
import { teardown } from '../../deploy-scripts/teardown';
import { buildPipeline } from '../../deploy-scripts/topologies';
import { embeddedBackend } from '../../harness/backends/embedded';
import type { Backend } from '../../harness/backends/types';

let backend: Backend;
let clients: AwsClients;

beforeAll(async () => {
  backend = embeddedBackend({ port: 0 });
  clients = createClients(await backend.start());
}, 60_000);
afterAll(async () => {
  clients?.destroy();
  await backend?.stop();
});

/** What exists under a prefix, read back through the SDK. */
async function inventory(prefix: string) {
  const mine = (n?: string) => Boolean(n?.startsWith(`${prefix}-`));
  const functions = ((await clients.lambda.send(new ListFunctionsCommand({}))).Functions ?? []).map((f) => f.FunctionName).filter(mine);
  const queues = ((await clients.sqs.send(new ListQueuesCommand({ QueueNamePrefix: prefix }))).QueueUrls ?? []).map((u) => u.split('/').pop()).filter(mine);
  const buckets = ((await clients.s3.send(new ListBucketsCommand({}))).Buckets ?? []).map((b) => b.Name).filter(mine);
  const topics = ((await clients.sns.send(new ListTopicsCommand({}))).Topics ?? []).map((t) => t.TopicArn!.split(':').pop()).filter(mine);
  const roles = ((await clients.iam.send(new ListRolesCommand({}))).Roles ?? []).map((r) => r.RoleName).filter(mine);
  return { functions: functions.sort(), queues: queues.sort(), buckets: buckets.sort(), topics: topics.sort(), roles: roles.sort() };
}

describe('deploy', () => {
  it('is idempotent: a second run changes nothing, returns the same resources and keeps one mapping per function and queue', async () => {
    const pipeline = buildPipeline('fanout', { prefix: 'idem-fanout' });
    const first = await deployWithReport(clients, pipeline);
    expect(first.actions).toEqual(expect.arrayContaining(['create function idem-fanout-processor', 'create mapping idem-fanout-processor → idem-fanout-processor']));
    const sha = (await clients.lambda.send(new GetFunctionCommand({ FunctionName: 'idem-fanout-processor' }))).Configuration;

    const second = await deployWithReport(clients, pipeline);
    expect(second.actions).toEqual([]);
    expect(second.resources).toEqual(first.resources);
    const again = (await clients.lambda.send(new GetFunctionCommand({ FunctionName: 'idem-fanout-processor' }))).Configuration;
    // Same code: not uploaded again.
    expect(again?.CodeSha256).toBe(sha?.CodeSha256);
    expect(again?.LastModified).toBe(sha?.LastModified);

    for (const m of first.resources.mappings) {
      const fn = first.resources.functions[m.function]!.name;
      const listed = await clients.lambda.send(new ListEventSourceMappingsCommand({ FunctionName: fn, EventSourceArn: first.resources.queues[m.queue]!.arn }));
      expect({ mapping: `${m.queue} → ${m.function}`, count: listed.EventSourceMappings?.length }).toEqual({ mapping: `${m.queue} → ${m.function}`, count: 1 });
    }
    expect(JSON.parse(JSON.stringify(first.resources))).toEqual(first.resources);
  });

  it('converges a changed description in place (batch size, versioning) without a second mapping', async () => {
    const first = await deployWithReport(clients, buildPipeline('queue', { prefix: 'idem-change', batchSize: 10 }));
    const changed = await deployWithReport(clients, buildPipeline('queue', { prefix: 'idem-change', batchSize: 5, versioning: true }));
    expect(changed.actions).toEqual(['set versioning Enabled on idem-change-data', 'update mapping idem-change-events → idem-change-processor']);
    const listed = await clients.lambda.send(new ListEventSourceMappingsCommand({ FunctionName: 'idem-change-processor', EventSourceArn: first.resources.queues.events!.arn }));
    expect(listed.EventSourceMappings?.map((m) => [m.UUID, m.BatchSize])).toEqual([[first.resources.mappings[0]!.uuid, 5]]);
  });
});

describe('teardown', () => {
  it('deletes everything deploy created under the prefix, and nothing else', async () => {
    await deployWithReport(clients, buildPipeline('queue', { prefix: 'tear-me', fifo: true }));
    await deployWithReport(clients, buildPipeline('direct', { prefix: 'tear-keep' }));
    // A bucket with objects in it must be emptied first.
    await clients.s3.send(new PutObjectCommand({ Bucket: 'tear-me-data', Key: 'other/x.csv', Body: 'a\n1\n' }));
    expect((await inventory('tear-me')).functions).toEqual(['tear-me-error-handler', 'tear-me-processor']);

    const report = await teardown(clients, 'tear-me');
    expect(report.errors).toEqual([]);
    expect(await inventory('tear-me')).toEqual({ functions: [], queues: [], buckets: [], topics: [], roles: [] });
    expect((await inventory('tear-keep')).functions).toEqual(['tear-keep-error-handler', 'tear-keep-processor']);
  });

  it('tolerates what is already gone', async () => {
    const again = await teardown(clients, 'tear-me');
    expect(again).toEqual({ deleted: [], errors: [] });
    await expect(teardown(clients, 'never-deployed')).resolves.toEqual({ deleted: [], errors: [] });
  });

  it('refuses an empty or malformed prefix (it would match everything)', async () => {
    await expect(teardown(clients, '')).rejects.toThrow(/invalid resource prefix/);
    await expect(teardown(clients, '*')).rejects.toThrow(/invalid resource prefix/);
  });
});
