import {
  CreateEventBusCommand,
  DeleteRuleCommand,
  DescribeEventBusCommand,
  EventBridgeClient,
  ListEventBusesCommand,
  ListTagsForResourceCommand,
  PutPermissionCommand,
  PutRuleCommand,
  RemovePermissionCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateEventBusCommand,
} from '@aws-sdk/client-eventbridge';
import { clientConfig, useEmulator } from '../helpers/emulator';
import { awsCli, CLIENTS, hasCommand, skipBecause } from '../helpers/cli';

const emulator = useEmulator();
const events = () => new EventBridgeClient(clientConfig(emulator()));

describe('EventBridge tags on buses and rules', () => {
  it('keeps CreateEventBus and PutRule Tags and lists, adds and removes them by ARN', async () => {
    const { EventBusArn } = await events().send(new CreateEventBusCommand({ Name: 'tagged-bus', Tags: [{ Key: 'team', Value: 'orders' }] }));
    expect((await events().send(new ListTagsForResourceCommand({ ResourceARN: EventBusArn }))).Tags).toEqual([{ Key: 'team', Value: 'orders' }]);

    await events().send(new TagResourceCommand({ ResourceARN: EventBusArn, Tags: [{ Key: 'env', Value: 'test' }, { Key: 'team', Value: 'billing' }] }));
    await events().send(new UntagResourceCommand({ ResourceARN: EventBusArn, TagKeys: ['env'] }));
    expect((await events().send(new ListTagsForResourceCommand({ ResourceARN: EventBusArn }))).Tags).toEqual([{ Key: 'team', Value: 'billing' }]);

    // A rule on a custom bus (…:rule/<bus>/<rule>) and one on the default bus (…:rule/<rule>).
    const custom = await events().send(
      new PutRuleCommand({ Name: 'r1', EventBusName: 'tagged-bus', EventPattern: JSON.stringify({ source: ['a'] }), Tags: [{ Key: 'k', Value: 'v' }] }),
    );
    expect(custom.RuleArn).toMatch(/:rule\/tagged-bus\/r1$/);
    expect((await events().send(new ListTagsForResourceCommand({ ResourceARN: custom.RuleArn }))).Tags).toEqual([{ Key: 'k', Value: 'v' }]);
    const onDefault = await events().send(new PutRuleCommand({ Name: 'r2', EventPattern: JSON.stringify({ source: ['a'] }) }));
    expect((await events().send(new ListTagsForResourceCommand({ ResourceARN: onDefault.RuleArn }))).Tags).toEqual([]);
    await events().send(new TagResourceCommand({ ResourceARN: onDefault.RuleArn, Tags: [{ Key: 'owner', Value: 'me' }] }));
    // Updating the rule keeps its tags.
    await events().send(new PutRuleCommand({ Name: 'r2', EventPattern: JSON.stringify({ source: ['b'] }) }));
    expect((await events().send(new ListTagsForResourceCommand({ ResourceARN: onDefault.RuleArn }))).Tags).toEqual([{ Key: 'owner', Value: 'me' }]);
  });

  it('answers ResourceNotFoundException for an unknown bus or rule ARN, and a deleted rule loses its tags', async () => {
    const unknownBus = 'arn:aws:events:us-east-1:000000000000:event-bus/nope';
    await expect(events().send(new ListTagsForResourceCommand({ ResourceARN: unknownBus }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      message: 'Event bus nope does not exist.',
      $metadata: { httpStatusCode: 400 },
    });
    await expect(events().send(new TagResourceCommand({ ResourceARN: 'arn:aws:events:us-east-1:000000000000:rule/ghost', Tags: [{ Key: 'a', Value: 'b' }] }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      $metadata: { httpStatusCode: 400 },
    });
    const { RuleArn } = await events().send(new PutRuleCommand({ Name: 'short-lived', EventPattern: JSON.stringify({ source: ['a'] }), Tags: [{ Key: 'a', Value: 'b' }] }));
    await events().send(new DeleteRuleCommand({ Name: 'short-lived' }));
    await expect(events().send(new ListTagsForResourceCommand({ ResourceARN: RuleArn }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await expect(events().send(new ListTagsForResourceCommand({ ResourceARN: 'arn:aws:sqs:us-east-1:000000000000:q' }))).rejects.toMatchObject({
      name: 'ValidationException',
      $metadata: { httpStatusCode: 400 },
    });
  });
});

describe('EventBridge bus settings and resource policy', () => {
  it('stores CreateEventBus and UpdateEventBus settings and shows them in DescribeEventBus', async () => {
    const created = await events().send(new CreateEventBusCommand({ Name: 'configured', Description: 'first', KmsKeyIdentifier: 'alias/one' }));
    expect(created).toMatchObject({ Description: 'first', KmsKeyIdentifier: 'alias/one' });
    const dlq = 'arn:aws:sqs:us-east-1:000000000000:bus-dlq';
    const updated = await events().send(new UpdateEventBusCommand({ Name: 'configured', Description: 'second', DeadLetterConfig: { Arn: dlq }, KmsKeyIdentifier: 'alias/two' }));
    expect(updated).toMatchObject({ Name: 'configured', Arn: created.EventBusArn, Description: 'second', KmsKeyIdentifier: 'alias/two', DeadLetterConfig: { Arn: dlq } });
    const described = await events().send(new DescribeEventBusCommand({ Name: 'configured' }));
    expect(described).toMatchObject({ Name: 'configured', Description: 'second', KmsKeyIdentifier: 'alias/two', DeadLetterConfig: { Arn: dlq } });
    expect(described.LastModifiedTime).toBeInstanceOf(Date);
    const listed = await events().send(new ListEventBusesCommand({ NamePrefix: 'configured' }));
    expect(listed.EventBuses).toEqual([expect.objectContaining({ Name: 'configured', Description: 'second' })]);
    await expect(events().send(new UpdateEventBusCommand({ Name: 'missing-bus', Description: 'x' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('builds the bus policy from PutPermission statements and removes them by StatementId', async () => {
    await events().send(new CreateEventBusCommand({ Name: 'shared' }));
    const busArn = 'arn:aws:events:us-east-1:000000000000:event-bus/shared';
    await events().send(new PutPermissionCommand({ EventBusName: 'shared', Action: 'events:PutEvents', Principal: '111122223333', StatementId: 'acct' }));
    await events().send(
      new PutPermissionCommand({
        EventBusName: 'shared',
        Action: 'events:PutEvents',
        Principal: '*',
        StatementId: 'org',
        Condition: { Type: 'StringEquals', Key: 'aws:PrincipalOrgID', Value: 'o-1234567890' },
      }),
    );
    const policy = JSON.parse((await events().send(new DescribeEventBusCommand({ Name: 'shared' }))).Policy!);
    expect(policy).toEqual({
      Version: '2012-10-17',
      Statement: [
        { Sid: 'acct', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'events:PutEvents', Resource: busArn },
        { Sid: 'org', Effect: 'Allow', Principal: '*', Action: 'events:PutEvents', Resource: busArn, Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-1234567890' } } },
      ],
    });

    await expect(events().send(new RemovePermissionCommand({ EventBusName: 'shared', StatementId: 'nope' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      message: 'Statement with the provided id does not exist.',
      $metadata: { httpStatusCode: 400 },
    });
    await events().send(new RemovePermissionCommand({ EventBusName: 'shared', StatementId: 'acct' }));
    const after = JSON.parse((await events().send(new DescribeEventBusCommand({ Name: 'shared' }))).Policy!);
    expect(after.Statement.map((s: { Sid: string }) => s.Sid)).toEqual(['org']);
    await events().send(new RemovePermissionCommand({ EventBusName: 'shared', RemoveAllPermissions: true }));
    expect((await events().send(new DescribeEventBusCommand({ Name: 'shared' }))).Policy).toBeUndefined();
    await expect(events().send(new RemovePermissionCommand({ EventBusName: 'shared', StatementId: 'org' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('takes a whole Policy document, and validates the statement form', async () => {
    const doc = { Version: '2012-10-17', Statement: [{ Sid: 'all', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'events:PutEvents', Resource: '*' }] };
    await events().send(new PutPermissionCommand({ Policy: JSON.stringify(doc) }));
    expect(JSON.parse((await events().send(new DescribeEventBusCommand({}))).Policy!)).toEqual(doc);
    await events().send(new RemovePermissionCommand({ StatementId: 'all' }));
    expect((await events().send(new DescribeEventBusCommand({}))).Policy).toBeUndefined();

    await expect(events().send(new PutPermissionCommand({ Action: 'events:PutRule', Principal: '111122223333', StatementId: 's' }))).rejects.toMatchObject({
      name: 'ValidationException',
      $metadata: { httpStatusCode: 400 },
    });
    await expect(events().send(new PutPermissionCommand({ Action: 'events:PutEvents', Principal: 'someone', StatementId: 's' }))).rejects.toMatchObject({
      name: 'ValidationException',
    });
    await expect(events().send(new PutPermissionCommand({ EventBusName: 'no-such-bus', Action: 'events:PutEvents', Principal: '*', StatementId: 's' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
  });
});

describe('EventBridge tags through the AWS CLI v1', () => {
  it('events list-tags-for-resource reads a rule\'s tags', async () => {
    if (!(await hasCommand(CLIENTS.awsCliV1))) return skipBecause('the AWS CLI v1 (aws) is not on PATH');
    const { RuleArn } = await events().send(new PutRuleCommand({ Name: 'cli-tagged', EventPattern: JSON.stringify({ source: ['cli'] }), Tags: [{ Key: 'via', Value: 'sdk' }] }));
    const out = JSON.parse(await awsCli(CLIENTS.awsCliV1, emulator().endpoint, ['events', 'list-tags-for-resource', '--resource-arn', RuleArn!]));
    expect(out.Tags).toEqual([{ Key: 'via', Value: 'sdk' }]);
  });
});
