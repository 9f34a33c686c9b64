import { EventBridgeClient, PutEventsCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  DeleteResourcePolicyCommand,
  DescribeResourcePoliciesCommand,
  FilterLogEventsCommand,
  PutResourcePolicyCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import type { Hop } from '../../emulator/core/delivery';
import { waitFor } from '../../harness/wait';
import { clientConfig, useEmulator, usePersistentEmulator } from '../helpers/emulator';

/*
 * A CloudWatch Logs log group as an EventBridge rule target (an audit trail of every S3 event, CDK's
 * targets.CloudWatchLogGroup) was refused by PutTargets as not supported, and Logs had no resource policies
 * (PutResourcePolicy, which CDK and Terraform call to let EventBridge write, answered NotImplemented).
 */
const ACCOUNT = '000000000000';
const groupArn = (name: string) => `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:${name}`;
const allowEvents = (resource: string) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: ['events.amazonaws.com', 'delivery.logs.amazonaws.com'] }, Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: resource }],
  });

async function ruleToGroup(events: EventBridgeClient, rule: string, source: string, target: Record<string, unknown>) {
  await events.send(new PutRuleCommand({ Name: rule, EventPattern: JSON.stringify({ source: [source] }) }));
  const out = await events.send(new PutTargetsCommand({ Rule: rule, Targets: [{ Id: 'log', ...target } as never] }));
  expect(out.FailedEntryCount).toBe(0);
}
async function logged(logs: CloudWatchLogsClient, logGroupName: string, count = 1) {
  return waitFor(
    async () => {
      const out = await logs.send(new FilterLogEventsCommand({ logGroupName }));
      return (out.events?.length ?? 0) >= count ? out.events! : undefined;
    },
    { what: `${count} event(s) in ${logGroupName}` },
  );
}

describe('a log group as an EventBridge target', () => {
  const emulator = useEmulator({ timeScale: 0.001 });
  const events = () => new EventBridgeClient(clientConfig(emulator()));
  const logs = () => new CloudWatchLogsClient(clientConfig(emulator()));

  it('gets the whole event as one log event, in a stream named after the event id, at the event time', async () => {
    await logs().send(new CreateLogGroupCommand({ logGroupName: '/aws/events/audit' }));
    await ruleToGroup(events(), 'audit', 'app.audit', { Arn: groupArn('/aws/events/audit') });
    const put = await events().send(new PutEventsCommand({ Entries: [{ Source: 'app.audit', DetailType: 'Thing Done', Detail: '{"n":1}', Time: new Date('2026-01-02T03:04:05Z') }] }));
    const [logEvent] = await logged(logs(), '/aws/events/audit');
    const event = JSON.parse(logEvent!.message!);
    expect(event).toMatchObject({ id: put.Entries![0]!.EventId, source: 'app.audit', 'detail-type': 'Thing Done', detail: { n: 1 } });
    expect(logEvent!.logStreamName).toBe(put.Entries![0]!.EventId);
    expect(logEvent!.timestamp).toBe(Date.parse('2026-01-02T03:04:05Z'));
  });

  it('takes {"timestamp", "message"} from an input transformer, and the group ARN with :*', async () => {
    await logs().send(new CreateLogGroupCommand({ logGroupName: '/aws/events/shaped' }));
    await ruleToGroup(events(), 'shaped', 'app.shaped', {
      Arn: `${groupArn('/aws/events/shaped')}:*`,
      InputTransformer: { InputPathsMap: { t: '$.time', n: '$.detail.n' }, InputTemplate: '{"timestamp": <t>, "message": "n is <n>"}' },
    });
    await events().send(new PutEventsCommand({ Entries: [{ Source: 'app.shaped', DetailType: 'x', Detail: '{"n":7}', Time: new Date('2026-01-02T00:00:00Z') }] }));
    const [logEvent] = await logged(logs(), '/aws/events/shaped');
    expect(logEvent).toMatchObject({ message: 'n is 7', timestamp: Date.parse('2026-01-02T00:00:00Z') });
  });

  it('PutTargets refuses a logs ARN that is not a log group', async () => {
    await events().send(new PutRuleCommand({ Name: 'bad-arn', EventPattern: JSON.stringify({ source: ['x'] }) }));
    const out = await events().send(new PutTargetsCommand({ Rule: 'bad-arn', Targets: [{ Id: 'l', Arn: `arn:aws:logs:us-east-1:${ACCOUNT}:destination:d` }] }));
    expect(out.FailedEntryCount).toBe(1);
  });
});

describe('with strict policies', () => {
  const emulator = useEmulator({ timeScale: 0.001, strict: true });
  const events = () => new EventBridgeClient(clientConfig(emulator()));
  const logs = () => new CloudWatchLogsClient(clientConfig(emulator()));

  it('EventBridge writes only once a resource policy lets it (account-scoped or on the group)', async () => {
    const hops: Hop[] = [];
    emulator().bus.onHop((h) => hops.push(h));
    await logs().send(new CreateLogGroupCommand({ logGroupName: '/aws/events/guarded' }));
    await ruleToGroup(events(), 'guarded', 'app.guarded', { Arn: groupArn('/aws/events/guarded'), RetryPolicy: { MaximumRetryAttempts: 0 } });
    // An account-scoped policy covers its own Region's groups only.
    const otherRegion = new CloudWatchLogsClient({ ...clientConfig(emulator()), region: 'eu-west-1' });
    await otherRegion.send(new PutResourcePolicyCommand({ policyName: 'eventbridge', policyDocument: allowEvents('*') }));
    const refused = await events().send(new PutEventsCommand({ Entries: [{ Source: 'app.guarded', DetailType: 'x', Detail: '{"try":1}' }] }));
    await waitFor(() => hops.some((h) => h.type === 'events.target.exhausted' && h.eventId === refused.Entries![0]!.EventId), { what: 'the refused delivery' });

    await logs().send(new PutResourcePolicyCommand({ policyName: 'eventbridge', policyDocument: allowEvents(`${groupArn('/aws/events/*')}:*`) }));
    await events().send(new PutEventsCommand({ Entries: [{ Source: 'app.guarded', DetailType: 'x', Detail: '{"try":2}' }] }));
    const got = await logged(logs(), '/aws/events/guarded');
    expect(got.map((e) => JSON.parse(e.message!).detail)).toEqual([{ try: 2 }]);

    // The group's own policy is enough too.
    await logs().send(new DeleteResourcePolicyCommand({ policyName: 'eventbridge' }));
    await logs().send(new PutResourcePolicyCommand({ resourceArn: groupArn('/aws/events/guarded'), policyDocument: allowEvents(`${groupArn('/aws/events/guarded')}:*`) }));
    await events().send(new PutEventsCommand({ Entries: [{ Source: 'app.guarded', DetailType: 'x', Detail: '{"try":3}' }] }));
    await logged(logs(), '/aws/events/guarded', 2);
  });
});

describe('Logs resource policies', () => {
  const { emulator, restart } = usePersistentEmulator('logs-resource-policies');
  const logs = () => new CloudWatchLogsClient(clientConfig(emulator()));

  it('account-scoped: put, replace by name, describe, delete; at most 10', async () => {
    const put = (policyName: string, doc = allowEvents('*')) => logs().send(new PutResourcePolicyCommand({ policyName, policyDocument: doc }));
    const first = await put('a');
    expect(first.resourcePolicy).toMatchObject({ policyName: 'a', policyScope: 'ACCOUNT', policyDocument: allowEvents('*') });
    await put('a', allowEvents(groupArn('x')));
    for (let i = 1; i < 10; i++) await put(`p${i}`);
    await expect(put('eleventh')).rejects.toMatchObject({ name: 'LimitExceededException' });
    const listed = await logs().send(new DescribeResourcePoliciesCommand({}));
    expect(listed.resourcePolicies).toHaveLength(10);
    expect(listed.resourcePolicies?.find((p) => p.policyName === 'a')?.policyDocument).toBe(allowEvents(groupArn('x')));
    await logs().send(new DeleteResourcePolicyCommand({ policyName: 'a' }));
    await expect(logs().send(new DeleteResourcePolicyCommand({ policyName: 'a' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await expect(put('bad', 'not json')).rejects.toMatchObject({ name: 'InvalidParameterException', $metadata: { httpStatusCode: 400 } });
  });

  it('resource-scoped: replaced only with the current revision id; both kinds kept across a restart', async () => {
    await logs().send(new CreateLogGroupCommand({ logGroupName: 'scoped' }));
    const resourceArn = groupArn('scoped');
    const created = await logs().send(new PutResourcePolicyCommand({ resourceArn, policyDocument: allowEvents(resourceArn) }));
    expect(created.resourcePolicy).toMatchObject({ policyScope: 'RESOURCE', resourceArn });
    const stale = created.revisionId!;
    const updated = await logs().send(new PutResourcePolicyCommand({ resourceArn, policyDocument: allowEvents('*'), expectedRevisionId: stale }));
    expect(updated.revisionId).not.toBe(stale);
    await expect(logs().send(new PutResourcePolicyCommand({ resourceArn, policyDocument: allowEvents('*'), expectedRevisionId: stale }))).rejects.toMatchObject({
      name: 'OperationAbortedException',
    });
    await logs().send(new PutResourcePolicyCommand({ policyName: 'kept', policyDocument: allowEvents('*') }));

    await restart();
    const scoped = await logs().send(new DescribeResourcePoliciesCommand({ resourceArn }));
    expect(scoped.resourcePolicies).toEqual([expect.objectContaining({ revisionId: updated.revisionId, policyDocument: allowEvents('*') })]);
    const account = await logs().send(new DescribeResourcePoliciesCommand({ policyScope: 'ACCOUNT' }));
    expect(account.resourcePolicies?.map((p) => p.policyName)).toContain('kept');
  });
});
