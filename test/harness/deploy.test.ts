import { CreateLogGroupCommand, DescribeLogGroupsCommand, ListTagsLogGroupCommand, TagLogGroupCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CreateRoleCommand, GetRoleCommand, ListRolesCommand, UntagRoleCommand } from '@aws-sdk/client-iam';
import {
  CreateFunctionCommand,
  DeleteFunctionCommand,
  GetFunctionCommand,
  ListEventSourceMappingsCommand,
  ListFunctionsCommand,
  ListTagsCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-lambda';
import { CreateBucketCommand, GetBucketTaggingCommand, ListBucketsCommand, PutBucketTaggingCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { CreateTopicCommand, ListTagsForResourceCommand, ListTopicsCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, ListQueueTagsCommand, ListQueuesCommand } from '@aws-sdk/client-sqs';
import { useEmbeddedClients } from '../helpers/emulator';
import { deployWithReport, queueArnFromUrl } from '../../deploy-scripts/deploy';
import type { Resources } from '../../deploy-scripts/pipeline';
import { STACK_TAG, stackTags } from '../../deploy-scripts/tags';
import { teardown } from '../../deploy-scripts/teardown';
import { DescribeRuleCommand, ListRulesCommand, ListTagsForResourceCommand as ListRuleTagsCommand, ListTargetsByRuleCommand, PutRuleCommand } from '@aws-sdk/client-eventbridge';
import { GetBucketNotificationConfigurationCommand } from '@aws-sdk/client-s3';
import { buildPipeline } from '../../deploy-scripts/topologies';
import { buildHandler } from '../../handlers/build';

const clientsOf = useEmbeddedClients();

/** What exists under a prefix, read back through the SDK. */
async function inventory(prefix: string) {
  const mine = (n?: string) => Boolean(n?.startsWith(`${prefix}-`));
  const functions = ((await clientsOf().lambda.send(new ListFunctionsCommand({}))).Functions ?? []).map((f) => f.FunctionName).filter(mine);
  const queues = ((await clientsOf().sqs.send(new ListQueuesCommand({ QueueNamePrefix: prefix }))).QueueUrls ?? []).map((u) => u.split('/').pop()).filter(mine);
  const buckets = ((await clientsOf().s3.send(new ListBucketsCommand({}))).Buckets ?? []).map((b) => b.Name).filter(mine);
  const topics = ((await clientsOf().sns.send(new ListTopicsCommand({}))).Topics ?? []).map((t) => t.TopicArn!.split(':').pop()).filter(mine);
  const roles = ((await clientsOf().iam.send(new ListRolesCommand({}))).Roles ?? []).map((r) => r.RoleName).filter(mine);
  const groups = ((await clientsOf().logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: `/aws/lambda/${prefix}-` }))).logGroups ?? []).map((g) => g.logGroupName);
  return { functions: functions.sort(), queues: queues.sort(), buckets: buckets.sort(), topics: topics.sort(), roles: roles.sort(), logGroups: groups.sort() };
}

/** Every resource of a deployment with its tags, read back through each service's own tag API. */
async function tagsOf(r: Resources): Promise<Record<string, Record<string, string>>> {
  const out: Record<string, Record<string, string>> = {};
  const list = (l: { Key?: string; Value?: string }[] | undefined) => Object.fromEntries((l ?? []).map((t) => [t.Key!, t.Value!]));
  for (const b of Object.values(r.buckets)) out[`bucket ${b.name}`] = list((await clientsOf().s3.send(new GetBucketTaggingCommand({ Bucket: b.name }))).TagSet);
  for (const q of Object.values(r.queues)) out[`queue ${q.name}`] = (await clientsOf().sqs.send(new ListQueueTagsCommand({ QueueUrl: q.url }))).Tags ?? {};
  for (const t of Object.values(r.topics)) out[`topic ${t.name}`] = list((await clientsOf().sns.send(new ListTagsForResourceCommand({ ResourceArn: t.arn }))).Tags);
  for (const f of Object.values(r.functions)) {
    out[`function ${f.name}`] = (await clientsOf().lambda.send(new ListTagsCommand({ Resource: f.arn }))).Tags ?? {};
    out[`log group ${f.logGroup}`] = (await clientsOf().logs.send(new ListTagsLogGroupCommand({ logGroupName: f.logGroup }))).tags ?? {};
  }
  out[`role ${r.role.name}`] = list((await clientsOf().iam.send(new GetRoleCommand({ RoleName: r.role.name }))).Role?.Tags);
  return out;
}

const everyValue = <T>(o: Record<string, unknown>, v: T) => Object.fromEntries(Object.keys(o).map((k) => [k, v]));

describe('deploy', () => {
  it('is idempotent: a second run changes nothing, returns the same resources and keeps one mapping per function and queue', async () => {
    const pipeline = buildPipeline('fanout', { prefix: 'idem-fanout' });
    const first = await deployWithReport(clientsOf(), pipeline);
    expect(first.actions).toEqual(expect.arrayContaining(['create function idem-fanout-processor', 'create mapping idem-fanout-processor → idem-fanout-processor']));
    const sha = (await clientsOf().lambda.send(new GetFunctionCommand({ FunctionName: 'idem-fanout-processor' }))).Configuration;

    const second = await deployWithReport(clientsOf(), pipeline);
    expect(second.actions).toEqual([]);
    expect(second.resources).toEqual(first.resources);
    const again = (await clientsOf().lambda.send(new GetFunctionCommand({ FunctionName: 'idem-fanout-processor' }))).Configuration;
    // Same code: not uploaded again.
    expect(again?.CodeSha256).toBe(sha?.CodeSha256);
    expect(again?.LastModified).toBe(sha?.LastModified);

    for (const m of first.resources.mappings) {
      const fn = first.resources.functions[m.function]!.name;
      const listed = await clientsOf().lambda.send(new ListEventSourceMappingsCommand({ FunctionName: fn, EventSourceArn: first.resources.queues[m.queue]!.arn }));
      expect({ mapping: `${m.queue} → ${m.function}`, count: listed.EventSourceMappings?.length }).toEqual({ mapping: `${m.queue} → ${m.function}`, count: 1 });
    }
    expect(JSON.parse(JSON.stringify(first.resources))).toEqual(first.resources);
  });

  it('eventbridge: the bucket sends to EventBridge, the rule and its target converge, and a re-run changes nothing', async () => {
    const pipeline = buildPipeline('eventbridge', { prefix: 'idem-eb' });
    const first = await deployWithReport(clientsOf(), pipeline);
    expect(first.actions).toEqual(expect.arrayContaining(['create rule idem-eb-objects']));
    const rule = first.resources.rules!.objects!;
    expect(rule).toEqual({ name: 'idem-eb-objects', arn: `arn:aws:events:us-east-1:${first.resources.accountId}:rule/idem-eb-objects` });
    const config = await clientsOf().s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: 'idem-eb-data' }));
    expect(config.EventBridgeConfiguration).toEqual({});
    const targets = async () => (await clientsOf().events.send(new ListTargetsByRuleCommand({ Rule: rule.name }))).Targets;
    expect(await targets()).toEqual([
      { Id: 'queue', Arn: first.resources.queues.events!.arn, DeadLetterConfig: { Arn: first.resources.queues['events-rule-dlq']!.arn } },
      { Id: 'probe', Arn: first.resources.queues['probe-objects']!.arn },
    ]);
    expect(first.resources.probes).toEqual({ objects: 'probe-objects', alerts: 'probe-alerts' });
    const tags = (await clientsOf().events.send(new ListRuleTagsCommand({ ResourceARN: rule.arn }))).Tags;
    expect(Object.fromEntries((tags ?? []).map((t) => [t.Key, t.Value]))).toEqual(stackTags('idem-eb'));

    // Someone changed the pattern: deploy puts it back, and a further run has nothing to do.
    await clientsOf().events.send(new PutRuleCommand({ Name: rule.name, EventPattern: JSON.stringify({ source: ['elsewhere'] }) }));
    const second = await deployWithReport(clientsOf(), pipeline);
    expect(second.actions).toEqual([]);
    expect(second.resources).toEqual(first.resources);
    expect(JSON.parse((await clientsOf().events.send(new DescribeRuleCommand({ Name: rule.name }))).EventPattern!).source).toEqual(['aws.s3']);

    // The same prefix with the rule invoking the function instead: the queue target goes, the function's comes.
    const switched = await deployWithReport(clientsOf(), buildPipeline('eventbridge', { prefix: 'idem-eb', ruleTarget: 'function' }));
    expect(switched.actions).toEqual(expect.arrayContaining(['remove targets queue of rule idem-eb-objects', 'allow rule idem-eb-objects to invoke idem-eb-processor']));
    expect((await targets())!.map((t) => [t.Id, t.Arn]).sort()).toEqual([
      ['function', first.resources.functions.processor!.arn],
      ['probe', first.resources.queues['probe-objects']!.arn],
    ]);

    const report = await teardown(clientsOf(), 'idem-eb');
    expect(report.errors).toEqual([]);
    expect(report.deleted).toContain('rule idem-eb-objects');
    expect((await clientsOf().events.send(new ListRulesCommand({ NamePrefix: 'idem-eb-' }))).Rules).toEqual([]);
  });

  it('tags every resource it creates (buckets, queues and DLQs, topics, functions, log groups, role) with its stack', async () => {
    const { resources } = await deployWithReport(clientsOf(), buildPipeline('fanout', { prefix: 'tagged-fanout', fifo: true }));
    const tags = await tagsOf(resources);
    // Every bucket, queue (DLQs and probes included), topic, function and its log group, and the role.
    expect(Object.keys(tags).length).toBe(
      Object.keys(resources.buckets).length + Object.keys(resources.queues).length + Object.keys(resources.topics).length + 2 * Object.keys(resources.functions).length + 1,
    );
    expect(Object.keys(tags)).toEqual(expect.arrayContaining(['queue tagged-fanout-processor-dlq', 'queue tagged-fanout-fifo-dlq.fifo', 'log group /aws/lambda/tagged-fanout-error-handler']));
    expect(tags).toEqual(everyValue(tags, stackTags('tagged-fanout')));
    expect(stackTags('tagged-fanout')).toEqual({ 's3-event-harness:stack': 'tagged-fanout', 's3-event-harness:managed': 'true' });
  });

  it('re-deploying tags what exists without the tags (keeping other tags), then converges to no changes', async () => {
    // Resources with the names deploy uses, made by someone else, untagged (the bucket with a tag of its own).
    await clientsOf().s3.send(new CreateBucketCommand({ Bucket: 'adopt-data' }));
    await clientsOf().s3.send(new PutBucketTaggingCommand({ Bucket: 'adopt-data', Tagging: { TagSet: [{ Key: 'team', Value: 'x' }] } }));
    await clientsOf().sqs.send(new CreateQueueCommand({ QueueName: 'adopt-events-dlq' }));
    await clientsOf().sns.send(new CreateTopicCommand({ Name: 'adopt-alerts' }));
    await clientsOf().logs.send(new CreateLogGroupCommand({ logGroupName: '/aws/lambda/adopt-processor' }));
    // And one tagged for another stack: deploy makes it ours.
    await clientsOf().logs.send(new CreateLogGroupCommand({ logGroupName: '/aws/lambda/adopt-error-handler' }));
    await clientsOf().logs.send(new TagLogGroupCommand({ logGroupName: '/aws/lambda/adopt-error-handler', tags: { [STACK_TAG]: 'someone-else' } }));

    const first = await deployWithReport(clientsOf(), buildPipeline('queue', { prefix: 'adopt' }));
    expect(first.actions.filter((a) => a.startsWith('tag '))).toEqual([
      'tag bucket adopt-data',
      'tag topic adopt-alerts',
      'tag queue adopt-events-dlq',
      'tag log group /aws/lambda/adopt-processor',
      'tag log group /aws/lambda/adopt-error-handler',
    ]);
    const tags = await tagsOf(first.resources);
    expect(tags).toEqual({ ...everyValue(tags, stackTags('adopt')), 'bucket adopt-data': { ...stackTags('adopt'), team: 'x' } });

    // A function and a role that lost their tags.
    await clientsOf().lambda.send(new UntagResourceCommand({ Resource: first.resources.functions.processor!.arn, TagKeys: Object.keys(stackTags('adopt')) }));
    await clientsOf().iam.send(new UntagRoleCommand({ RoleName: first.resources.role.name, TagKeys: Object.keys(stackTags('adopt')) }));
    expect((await deployWithReport(clientsOf(), buildPipeline('queue', { prefix: 'adopt' }))).actions).toEqual([`tag role ${first.resources.role.name}`, 'tag function adopt-processor']);
    expect((await deployWithReport(clientsOf(), buildPipeline('queue', { prefix: 'adopt' }))).actions).toEqual([]);
    expect(await tagsOf(first.resources)).toEqual(tags);
  });

  it('derives queue ARNs from their URLs as SQS itself reports them', async () => {
    const { resources } = await deployWithReport(clientsOf(), buildPipeline('queue', { prefix: 'arn-check', fifo: true }));
    for (const q of Object.values(resources.queues)) {
      const reported = (await clientsOf().sqs.send(new GetQueueAttributesCommand({ QueueUrl: q.url, AttributeNames: ['QueueArn'] }))).Attributes?.QueueArn;
      expect({ queue: q.name, arn: q.arn }).toEqual({ queue: q.name, arn: reported });
    }
    expect(queueArnFromUrl('https://sqs.eu-west-1.amazonaws.com/123456789012/q-1.fifo', 'eu-west-1')).toBe('arn:aws:sqs:eu-west-1:123456789012:q-1.fifo');
    expect(queueArnFromUrl('http://localhost:4566/queue/us-east-1/000000000000/q', 'us-east-1')).toBe('arn:aws:sqs:us-east-1:000000000000:q');
    expect(queueArnFromUrl('http://localhost:4566/q', 'us-east-1')).toBeUndefined();
    expect(queueArnFromUrl('https://sqs.cn-north-1.amazonaws.com.cn/123456789012/q', 'cn-north-1')).toBe('arn:aws-cn:sqs:cn-north-1:123456789012:q');
  });

  it('converges a changed description in place (batch size, versioning) without a second mapping', async () => {
    const first = await deployWithReport(clientsOf(), buildPipeline('queue', { prefix: 'idem-change', batchSize: 10 }));
    const changed = await deployWithReport(clientsOf(), buildPipeline('queue', { prefix: 'idem-change', batchSize: 5, versioning: true }));
    expect(changed.actions).toEqual(['set versioning Enabled on idem-change-data', 'update mapping idem-change-events → idem-change-processor']);
    const listed = await clientsOf().lambda.send(new ListEventSourceMappingsCommand({ FunctionName: 'idem-change-processor', EventSourceArn: first.resources.queues.events!.arn }));
    expect(listed.EventSourceMappings?.map((m) => [m.UUID, m.BatchSize])).toEqual([[first.resources.mappings[0]!.uuid, 5]]);
  });
});

describe('teardown', () => {
  /** Untagged resources named like the stack's, made the way someone else would (no harness involved). */
  async function lookalikes(prefix: string) {
    const name = `${prefix}-lookalike`;
    await clientsOf().s3.send(new CreateBucketCommand({ Bucket: name }));
    const queueUrl = (await clientsOf().sqs.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl!;
    const topicArn = (await clientsOf().sns.send(new CreateTopicCommand({ Name: name }))).TopicArn!;
    const role = (await clientsOf().iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: '{}' }))).Role!;
    const { zip } = await buildHandler('error-handler');
    await clientsOf().lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: 'nodejs20.x', Handler: 'index.handler', Role: role.Arn, Code: { ZipFile: zip } }));
    await clientsOf().logs.send(new CreateLogGroupCommand({ logGroupName: `/aws/lambda/${name}` }));
    // Subscribed to the stack's topic: the subscription is a child of our topic and goes with it; the queue stays.
    const queueArn = (await clientsOf().sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    await clientsOf().sns.send(new SubscribeCommand({ TopicArn: `${topicArn.slice(0, topicArn.lastIndexOf(':'))}:${prefix}-alerts`, Protocol: 'sqs', Endpoint: queueArn }));
    return { name, queueUrl, topicArn };
  }

  it('deletes what deploy tagged under the prefix, leaves untagged lookalikes and other stacks, and says why', async () => {
    await deployWithReport(clientsOf(), buildPipeline('queue', { prefix: 'tear-me', fifo: true }));
    await deployWithReport(clientsOf(), buildPipeline('direct', { prefix: 'tear-keep' }));
    const look = await lookalikes('tear-me');
    // Tagged, but for a stack that is not under tear-me.
    await clientsOf().sqs.send(new CreateQueueCommand({ QueueName: 'tear-me-foreign', tags: { [STACK_TAG]: 'tear-keep' } }));
    // A bucket with objects in it must be emptied first.
    await clientsOf().s3.send(new PutObjectCommand({ Bucket: 'tear-me-data', Key: 'other/x.csv', Body: 'a\n1\n' }));
    expect((await inventory('tear-me')).functions).toEqual(['tear-me-error-handler', 'tear-me-lookalike', 'tear-me-processor']);

    const report = await teardown(clientsOf(), 'tear-me');
    expect(report.errors).toEqual([]);
    expect(await inventory('tear-me')).toEqual({
      functions: [look.name],
      queues: ['tear-me-foreign', look.name],
      buckets: [look.name],
      topics: [look.name],
      roles: [look.name],
      logGroups: [`/aws/lambda/${look.name}`],
    });
    expect([...report.skipped].sort()).toEqual(
      [
        `function ${look.name}: not tagged by s3-event-harness`,
        `bucket ${look.name}: not tagged by s3-event-harness`,
        `topic ${look.topicArn}: not tagged by s3-event-harness`,
        `queue ${look.queueUrl}: not tagged by s3-event-harness`,
        `queue ${look.queueUrl.replace(look.name, 'tear-me-foreign')}: tagged for s3-event-harness stack "tear-keep", which is not under "tear-me"`,
        `role ${look.name}: not tagged by s3-event-harness`,
        `log group /aws/lambda/${look.name}: not tagged by s3-event-harness`,
      ].sort(),
    );
    // Children went with their parents: the functions' mappings and log groups, the topic's subscriptions.
    expect(report.deleted).toEqual(expect.arrayContaining(['function tear-me-processor', 'log group /aws/lambda/tear-me-processor', 'role tear-me-lambda']));
    expect(report.deleted.filter((d) => d.startsWith('mapping ')).length).toBe(4); // events, events-dlq, fifo, fifo-dlq
    expect(report.deleted.filter((d) => d.startsWith('subscription ')).length).toBe(2); // probe-alerts and the lookalike queue's
    expect((await inventory('tear-keep')).functions).toEqual(['tear-keep-error-handler', 'tear-keep-processor']);
  });

  it('is idempotent: a second run deletes nothing and skips the same lookalikes', async () => {
    const again = await teardown(clientsOf(), 'tear-me');
    expect(again.deleted).toEqual([]);
    expect(again.errors).toEqual([]);
    expect(again.skipped.length).toBe(7);
    await expect(teardown(clientsOf(), 'never-deployed')).resolves.toEqual({ deleted: [], skipped: [], errors: [] });
  });

  it('a parent prefix takes the stacks under it; a tagged log group outlives its function until then', async () => {
    await deployWithReport(clientsOf(), buildPipeline('direct', { prefix: 'parent-run-1a2b3c' }));
    // A teardown that stopped after deleting the function: its log group (tagged by deploy) is left.
    await clientsOf().lambda.send(new DeleteFunctionCommand({ FunctionName: 'parent-run-1a2b3c-processor' }));
    const report = await teardown(clientsOf(), 'parent');
    expect({ errors: report.errors, skipped: report.skipped }).toEqual({ errors: [], skipped: [] });
    expect(report.deleted).toEqual(expect.arrayContaining(['log group /aws/lambda/parent-run-1a2b3c-processor', 'function parent-run-1a2b3c-error-handler']));
    expect(await inventory('parent')).toEqual({ functions: [], queues: [], buckets: [], topics: [], roles: [], logGroups: [] });
  });

  it('refuses an empty or malformed prefix (it would match everything)', async () => {
    await expect(teardown(clientsOf(), '')).rejects.toThrow(/invalid resource prefix/);
    await expect(teardown(clientsOf(), '*')).rejects.toThrow(/invalid resource prefix/);
  });
});
