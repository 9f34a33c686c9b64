import {
  GetPolicyCommand,
  ListEventSourceMappingsCommand,
  PutFunctionConcurrencyCommand,
  PutFunctionEventInvokeConfigCommand,
  RemovePermissionCommand,
  UpdateEventSourceMappingCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionUpdatedV2,
} from '@aws-sdk/client-lambda';
import { CreateQueueCommand, GetQueueAttributesCommand, SetQueueAttributesCommand, DeleteQueueCommand } from '@aws-sdk/client-sqs';
import { createClients } from '../../deploy-scripts/clients';
import { SetSubscriptionAttributesCommand } from '@aws-sdk/client-sns';
import { PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { AddPermissionCommand } from '@aws-sdk/client-lambda';
import { PutBucketNotificationConfigurationCommand } from '@aws-sdk/client-s3';
import { useEmbeddedClients } from '../helpers/emulator';
import { deploy } from '../../deploy-scripts/deploy';
import type { PipelineSpec, Resources, Topology } from '../../deploy-scripts/pipeline';
import { buildPipeline, type TopologyOptions } from '../../deploy-scripts/topologies';
import { lintDeployment, type Finding, type LintOptions } from '../../harness/lint';

const clientsOf = useEmbeddedClients();

let deployments = 0;

/** Deploys a pipeline under a prefix of its own, after `change` has had its way with the spec. */
async function deployed(topology: Topology, options: Omit<TopologyOptions, 'prefix'> = {}, change: (p: PipelineSpec) => void = () => {}) {
  const prefix = `lint${++deployments}`;
  const spec = buildPipeline(topology, { prefix, ...options });
  change(spec);
  const resources = await deploy(clientsOf(), spec);
  return { prefix, resources };
}

/** The lint's findings about one deployment (the lint reads every mapping in the account, so others are filtered out). */
function findingsFor(d: { prefix: string; resources: Resources }, opts: LintOptions = {}): Promise<Finding[]> {
  return lintDeployment(clientsOf(), { buckets: Object.values(d.resources.buckets).map((b) => b.name), prefix: d.prefix, ...opts });
}

const rules = (findings: Finding[]) => findings.map((f) => `${f.severity} ${f.rule}`).sort();

describe('deployment lint', () => {
  it.each([
    ['direct', {}],
    ['queue', {}],
    ['queue', { fifo: true }],
    ['fanout', {}],
    ['eventbridge', {}],
    ['eventbridge', { ruleTarget: 'function' }],
  ] as const)('the harness\'s own %s pipeline (%j) has no findings with its defaults', async (topology, options) => {
    expect(await findingsFor(await deployed(topology, options))).toEqual([]);
  }, 60_000);

  it('visibility timeout below the function timeout is an error, below six times it plus the window a warning', async () => {
    // Lambda refuses the mapping while the queue's timeout is the shorter; it can still be shortened afterwards.
    const short = await deployed('queue', { functionTimeoutSeconds: 10 });
    for (const q of [short.resources.queues.events!, short.resources.queues['events-dlq']!]) {
      await clientsOf().sqs.send(new SetQueueAttributesCommand({ QueueUrl: q.url, Attributes: { VisibilityTimeout: '5' } }));
    }
    const below = (await findingsFor(short)).filter((f) => f.rule === 'visibility-timeout');
    // The processor's queue and the error handler's DLQ: both consumed by a function with a 10 s timeout.
    expect(below.map((f) => f.severity)).toEqual(['error', 'error']);
    expect(below[0]!.fix).toMatch(/to at least 61 s/);

    const notSix = await deployed('queue', { visibilityTimeoutSeconds: 60, functionTimeoutSeconds: 10, batchWindowSeconds: 1 });
    const warned = (await findingsFor(notSix)).filter((f) => f.rule === 'visibility-timeout');
    expect(warned.map((f) => f.severity)).toEqual(['warning', 'warning']);
    expect(warned[0]!.message).toMatch(/plus the batching window \(1 s\)/);
  }, 60_000);

  it('a low maxReceiveCount and a consumed queue without a DLQ are warnings', async () => {
    const low = await deployed('queue', { maxReceiveCount: 3 });
    expect(rules(await findingsFor(low))).toEqual(['warning max-receive-count', 'warning max-receive-count']);

    const noDlq = await deployed('queue', {}, (p) => {
      delete p.queues.find((q) => q.id === 'events')!.deadLetter;
    });
    const found = await findingsFor(noDlq);
    expect(rules(found)).toEqual(['warning no-dlq']);
    expect(found[0]!.resource).toMatch(/:lint\d+-events$/);
  }, 60_000);

  it('a function writing where its own notification fires is a recursive loop, directly and through SNS', async () => {
    const everyKey = (p: PipelineSpec) => {
      for (const n of p.buckets[0]!.notifications!) n.prefix = '';
    };
    const viaQueue = await findingsFor(await deployed('queue', {}, everyKey));
    expect(rules(viaQueue)).toEqual(['error recursive-loop']);
    expect(viaQueue[0]!.message).toMatch(/writes under s3:\/\/lint\d+-data\/reports\//);

    // Fan-out: only the processor reports into the data bucket (audit and archive have buckets of their own).
    const viaTopic = await findingsFor(await deployed('fanout', {}, everyKey));
    expect(rules(viaTopic)).toEqual(['error recursive-loop']);
    expect(viaTopic[0]!.resource).toMatch(/:function:lint\d+-processor$/);
  }, 60_000);

  it('a consumer expecting bare S3 events behind an enveloped subscription is an error; a raw one is not', async () => {
    const d = await deployed('fanout');
    const found = await findingsFor(d, { expectsBareS3Events: [`${d.prefix}-processor`, `${d.prefix}-audit`] });
    expect(rules(found)).toEqual(['error sns-envelope']);
    expect(found[0]!.message).toMatch(new RegExp(`^${d.prefix}-processor expects bare S3 events`));
  }, 60_000);

  it('destinations S3 may no longer use: a queue policy taken away, a permission removed, a queue deleted', async () => {
    const queue = await deployed('queue');
    const events = queue.resources.queues.events!;
    await clientsOf().sqs.send(new SetQueueAttributesCommand({ QueueUrl: events.url, Attributes: { Policy: '' } }));
    expect(rules(await findingsFor(queue))).toEqual(['error queue-policy']);
    await clientsOf().sqs.send(new DeleteQueueCommand({ QueueUrl: events.url }));
    expect(rules(await findingsFor(queue))).toEqual(['error missing-destination']);

    const direct = await deployed('direct');
    const fn = direct.resources.functions.processor!;
    const policy = JSON.parse((await clientsOf().lambda.send(new GetPolicyCommand({ FunctionName: fn.name }))).Policy!);
    for (const st of policy.Statement) await clientsOf().lambda.send(new RemovePermissionCommand({ FunctionName: fn.name, StatementId: st.Sid }));
    const found = await findingsFor(direct);
    expect(rules(found)).toEqual(['error lambda-permission']);
    expect(found[0]!.fix).toMatch(/aws lambda add-permission --function-name lint\d+-processor/);
  }, 60_000);

  it('a function S3 invokes directly with no DLQ and no on-failure destination loses what fails every retry', async () => {
    const d = await deployed('direct');
    const fn = d.resources.functions.processor!;
    await clientsOf().lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: fn.name, DeadLetterConfig: { TargetArn: '' } }));
    await waitUntilFunctionUpdatedV2({ client: clientsOf().lambda, maxWaitTime: 30, minDelay: 1 }, { FunctionName: fn.name });
    const found = await findingsFor(d);
    expect(rules(found)).toEqual(['warning async-failure-destination']);
    expect(found[0]!.resource).toBe(fn.arn);

    const dlq = d.resources.queues['processor-dlq']!;
    await clientsOf().lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: fn.name, DestinationConfig: { OnFailure: { Destination: dlq.arn } } }));
    expect(await findingsFor(d)).toEqual([]);
  }, 60_000);

  it('a DLQ that keeps messages no longer than its standard source queue is a warning', async () => {
    const d = await deployed('queue');
    const dlq = d.resources.queues['events-dlq']!;
    await clientsOf().sqs.send(new SetQueueAttributesCommand({ QueueUrl: dlq.url, Attributes: { MessageRetentionPeriod: '345600' } }));
    const found = await findingsFor(d);
    expect(rules(found)).toEqual(['warning dlq-retention']);
    expect(found[0]!.resource).toBe(dlq.arn);
    expect(found[0]!.message).toMatch(/keeps messages 345600 s, no longer than lint\d+-events \(345600 s\)/);

    // FIFO: the move resets the enqueue time, so the rule does not apply.
    const fifo = await deployed('queue', { fifo: true });
    await clientsOf().sqs.send(new SetQueueAttributesCommand({ QueueUrl: fifo.resources.queues['fifo-dlq']!.url, Attributes: { MessageRetentionPeriod: '60' } }));
    expect(await findingsFor(fifo)).toEqual([]);
  }, 60_000);

  it('batches without ReportBatchItemFailures are a warning; batches of one are not', async () => {
    const d = await deployed('queue', { reportBatchItemFailures: false });
    const found = await findingsFor(d);
    // The error handler's own mapping keeps ReportBatchItemFailures.
    expect(rules(found)).toEqual(['warning partial-batch']);
    expect(found[0]!.resource).toBe(d.resources.queues.events!.arn);
    expect(await findingsFor(await deployed('queue', { reportBatchItemFailures: false, batchSize: 1 }))).toEqual([]);
  }, 60_000);

  it('reserved concurrency: 0 is an error; without a mapping maximum, or below the maxima\'s sum, a warning', async () => {
    const d = await deployed('queue');
    const fn = d.resources.functions.processor!;
    const events = d.resources.queues.events!;
    const mapping = (await clientsOf().lambda.send(new ListEventSourceMappingsCommand({ FunctionName: fn.name, EventSourceArn: events.arn }))).EventSourceMappings![0]!;
    const reserve = (n: number) => clientsOf().lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: fn.name, ReservedConcurrentExecutions: n }));
    const limit = (n: number) => clientsOf().lambda.send(new UpdateEventSourceMappingCommand({ UUID: mapping.UUID, ScalingConfig: { MaximumConcurrency: n } }));

    await reserve(3);
    expect((await findingsFor(d)).map((f) => [f.severity, f.rule, f.resource])).toEqual([['warning', 'reserved-concurrency', events.arn]]);
    await limit(5);
    const above = await findingsFor(d);
    expect(rules(above)).toEqual(['warning reserved-concurrency']);
    expect(above[0]!.message).toMatch(/may run 5 batches at once, above its reserved concurrency 3/);
    await limit(3);
    expect(await findingsFor(d)).toEqual([]);
    await reserve(0);
    expect(rules(await findingsFor(d))).toEqual(['error reserved-concurrency']);
  }, 60_000);

  it('a subscription feeding a function\'s queue without a DLQ is a warning; the probes (no function) are not', async () => {
    const d = await deployed('fanout');
    const sub = d.resources.subscriptions.find((x) => x.queue === 'audit')!;
    await clientsOf().sns.send(new SetSubscriptionAttributesCommand({ SubscriptionArn: sub.arn, AttributeName: 'RedrivePolicy', AttributeValue: '' }));
    const found = await findingsFor(d);
    expect(found.map((f) => [f.severity, f.rule, f.resource])).toEqual([['warning', 'subscription-dlq', sub.arn]]);
    expect(found[0]!.message).toMatch(new RegExp(`${d.prefix}-audit never sees it`));

    // A DLQ in another Region: SNS needs the subscription and its DLQ in one account and Region.
    const west = createClients({ ...clientsOf().config, region: 'us-west-2' });
    try {
      const { QueueUrl } = await west.sqs.send(new CreateQueueCommand({ QueueName: `${d.prefix}-west-dlq` }));
      const { Attributes } = await west.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
      expect(Attributes!.QueueArn).toMatch(/^arn:aws:sqs:us-west-2:/);
      await clientsOf().sns.send(new SetSubscriptionAttributesCommand({ SubscriptionArn: sub.arn, AttributeName: 'RedrivePolicy', AttributeValue: JSON.stringify({ deadLetterTargetArn: Attributes!.QueueArn }) }));
    } finally {
      west.destroy();
    }
    const elsewhere = await findingsFor(d);
    expect(elsewhere.map((f) => [f.severity, f.rule, f.resource])).toEqual([['error', 'subscription-dlq', sub.arn]]);
    expect(elsewhere[0]!.message).toMatch(/in 000000000000\/us-west-2, the subscription in 000000000000\/us-east-1/);
  }, 60_000);

  it('S3 → EventBridge: a rule on a bucket that does not send to EventBridge, a target the queue refuses, a target without a DLQ', async () => {
    const d = await deployed('eventbridge');
    const rule = d.resources.rules!.objects!;
    const events = d.resources.queues.events!;
    await clientsOf().events.send(new PutTargetsCommand({ Rule: rule.name, Targets: [{ Id: 'queue', Arn: events.arn }] }));
    expect((await findingsFor(d)).map((f) => [f.severity, f.rule, f.resource])).toEqual([['warning', 'rule-target-dlq', rule.arn]]);

    await clientsOf().sqs.send(new SetQueueAttributesCommand({ QueueUrl: events.url, Attributes: { Policy: '' } }));
    expect(rules(await findingsFor(d))).toEqual(['error queue-policy', 'warning rule-target-dlq']);

    await clientsOf().s3.send(new PutBucketNotificationConfigurationCommand({ Bucket: d.resources.buckets.data!.name, NotificationConfiguration: {} }));
    // A rule on every bucket's S3 events does not wait for this one in particular: no finding for it.
    await clientsOf().events.send(new PutRuleCommand({ Name: `${d.prefix}-any-bucket`, EventPattern: JSON.stringify({ source: ['aws.s3'] }) }));
    const off = await findingsFor(d);
    expect(off.map((f) => [f.severity, f.rule, f.resource])).toEqual([['error', 'eventbridge-off', rule.arn]]);
    expect(off[0]!.message).toMatch(/matches S3 events of lint\d+-data, but the bucket does not send its events to EventBridge/);
  }, 60_000);

  it('a rule invoking a function: the function must let the rule invoke it and keep what fails; a topic target must let it publish', async () => {
    const d = await deployed('eventbridge');
    const rule = d.resources.rules!.objects!;
    const fn = d.resources.functions.processor!;
    const alerts = d.resources.topics.alerts!;
    const put = (targets: { Id: string; Arn: string }[]) => clientsOf().events.send(new PutTargetsCommand({ Rule: rule.name, Targets: targets }));
    await put([{ Id: 'fn', Arn: fn.arn }, { Id: 'topic', Arn: alerts.arn }]);
    const found = await findingsFor(d);
    expect(found.map((f) => [f.severity, f.rule, f.resource]).sort()).toEqual([
      ['error', 'lambda-permission', fn.arn],
      ['error', 'topic-policy', alerts.arn],
      ['warning', 'async-failure-destination', fn.arn],
      // One per target without a DLQ: the function and the topic.
      ['warning', 'rule-target-dlq', rule.arn],
      ['warning', 'rule-target-dlq', rule.arn],
    ]);
    expect(found.find((f) => f.rule === 'lambda-permission')!.fix).toContain(`--principal events.amazonaws.com --action lambda:InvokeFunction --source-arn ${rule.arn}`);

    await clientsOf().lambda.send(new AddPermissionCommand({ FunctionName: fn.name, StatementId: 'rule', Action: 'lambda:InvokeFunction', Principal: 'events.amazonaws.com', SourceArn: rule.arn }));
    expect(rules(await findingsFor(d))).toEqual(['error topic-policy', 'warning async-failure-destination', 'warning rule-target-dlq', 'warning rule-target-dlq']);
  }, 60_000);
});
