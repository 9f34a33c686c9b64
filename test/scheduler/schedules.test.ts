import {
  CreateScheduleCommand,
  CreateScheduleGroupCommand,
  DeleteScheduleCommand,
  DeleteScheduleGroupCommand,
  GetScheduleCommand,
  GetScheduleGroupCommand,
  ListScheduleGroupsCommand,
  ListSchedulesCommand,
  ListTagsForResourceCommand,
  SchedulerClient,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateScheduleCommand,
  type CreateScheduleCommandInput,
} from '@aws-sdk/client-scheduler';
import { VirtualClock } from '../../emulator/core/clock';
import { clientConfig, useEmulator } from '../helpers/emulator';

const clock = new VirtualClock(Date.UTC(2026, 4, 1, 12, 0, 0));
const emulator = useEmulator({ clock });
let client: SchedulerClient;
beforeAll(() => {
  client = new SchedulerClient({ ...clientConfig(emulator()), maxAttempts: 1 });
});
afterAll(() => client.destroy());

const ROLE = 'arn:aws:iam::000000000000:role/scheduler-role';
const QUEUE = 'arn:aws:sqs:us-east-1:000000000000:not-used';
const GROUP_ARN = (name: string) => `arn:aws:scheduler:us-east-1:000000000000:schedule-group/${name}`;
const input = (name: string, extra: Partial<CreateScheduleCommandInput> = {}): CreateScheduleCommandInput => ({
  Name: name,
  ScheduleExpression: 'rate(1 hour)',
  FlexibleTimeWindow: { Mode: 'OFF' },
  Target: { Arn: QUEUE, RoleArn: ROLE },
  ...extra,
});
const errorOf = (p: Promise<unknown>) => p.then(() => undefined, (e: { name: string; message: string; $metadata?: { httpStatusCode?: number } }) => e);

describe('schedules', () => {
  it('creates, reads back, replaces in full and deletes a schedule', async () => {
    const created = await client.send(
      new CreateScheduleCommand(input('nightly', { Description: 'd', ScheduleExpression: 'cron(0 2 * * ? *)', ScheduleExpressionTimezone: 'Europe/Paris', KmsKeyArn: 'arn:aws:kms:us-east-1:000000000000:key/k' })),
    );
    expect(created.ScheduleArn).toBe('arn:aws:scheduler:us-east-1:000000000000:schedule/default/nightly');
    const got = await client.send(new GetScheduleCommand({ Name: 'nightly' }));
    expect(got).toMatchObject({
      Name: 'nightly',
      GroupName: 'default',
      ScheduleExpression: 'cron(0 2 * * ? *)',
      ScheduleExpressionTimezone: 'Europe/Paris',
      Description: 'd',
      State: 'ENABLED',
      ActionAfterCompletion: 'NONE',
      KmsKeyArn: 'arn:aws:kms:us-east-1:000000000000:key/k',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: { Arn: QUEUE, RoleArn: ROLE },
    });
    expect(got.CreationDate?.getTime()).toBe(clock.now());

    clock.advance(60_000);
    // UpdateSchedule replaces everything: what it leaves out (Description, time zone, KMS key) is gone.
    await client.send(new UpdateScheduleCommand(input('nightly', { State: 'DISABLED', FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 15 } })));
    const updated = await client.send(new GetScheduleCommand({ Name: 'nightly', GroupName: 'default' }));
    expect(updated).toMatchObject({ ScheduleExpression: 'rate(1 hour)', State: 'DISABLED', ScheduleExpressionTimezone: 'UTC', FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 15 } });
    expect(updated.Description).toBeUndefined();
    expect(updated.KmsKeyArn).toBeUndefined();
    expect(updated.CreationDate).toEqual(got.CreationDate);
    expect(updated.LastModificationDate!.getTime()).toBe(got.CreationDate!.getTime() + 60_000);

    await client.send(new DeleteScheduleCommand({ Name: 'nightly' }));
    const gone = await errorOf(client.send(new GetScheduleCommand({ Name: 'nightly' })));
    expect(gone).toMatchObject({ name: 'ResourceNotFoundException', message: 'Schedule nightly does not exist.', $metadata: { httpStatusCode: 404 } });
    expect(await errorOf(client.send(new UpdateScheduleCommand(input('nightly'))))).toMatchObject({ name: 'ResourceNotFoundException' });
    expect(await errorOf(client.send(new DeleteScheduleCommand({ Name: 'nightly' })))).toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('refuses a name already taken in the group, but not in another group', async () => {
    await client.send(new CreateScheduleGroupCommand({ Name: 'other' }));
    await client.send(new CreateScheduleCommand(input('twice')));
    const conflict = await errorOf(client.send(new CreateScheduleCommand(input('twice'))));
    expect(conflict).toMatchObject({ name: 'ConflictException', message: 'Schedule twice already exists.', $metadata: { httpStatusCode: 409 } });
    const other = await client.send(new CreateScheduleCommand(input('twice', { GroupName: 'other' })));
    expect(other.ScheduleArn).toBe('arn:aws:scheduler:us-east-1:000000000000:schedule/other/twice');
    expect(await errorOf(client.send(new CreateScheduleCommand(input('x', { GroupName: 'missing' }))))).toMatchObject({
      name: 'ResourceNotFoundException',
      message: 'Schedule group missing does not exist.',
    });
  });

  it.each([
    ['an unknown expression', { ScheduleExpression: 'every(5 minutes)' }, /Invalid Schedule Expression every\(5 minutes\)/],
    ['a cron with both day fields', { ScheduleExpression: 'cron(0 12 * * MON *)' }, /Invalid Schedule Expression/],
    ['a cron with five fields', { ScheduleExpression: 'cron(0 12 * * ?)' }, /Invalid Schedule Expression/],
    ['an at() on a day that does not exist', { ScheduleExpression: 'at(2026-02-30T10:00:00)' }, /Invalid Schedule Expression/],
    ['a rate of zero', { ScheduleExpression: 'rate(0 minutes)' }, /Invalid Schedule Expression/],
    ['an unknown time zone', { ScheduleExpressionTimezone: 'Mars/Olympus' }, /Invalid time zone: Mars\/Olympus/],
    ['a name outside the pattern', { Name: 'bad name' }, /Value 'bad name' at 'name' failed to satisfy constraint/],
    ['a flexible window without its size', { FlexibleTimeWindow: { Mode: 'FLEXIBLE' } }, /MaximumWindowInMinutes must be provided/],
    ['a window over a day', { FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 1441 } }, /less than or equal to 1440/],
    ['too many retries', { Target: { Arn: QUEUE, RoleArn: ROLE, RetryPolicy: { MaximumRetryAttempts: 186 } } }, /maximumRetryAttempts/],
    ['a DLQ that is not a queue', { Target: { Arn: QUEUE, RoleArn: ROLE, DeadLetterConfig: { Arn: 'arn:aws:sns:us-east-1:000000000000:t' } } }, /deadLetterConfig/],
    ['an EndDate before the StartDate', { StartDate: new Date(Date.UTC(2026, 5, 2)), EndDate: new Date(Date.UTC(2026, 5, 1)) }, /EndDate must be after the StartDate/],
    ['an EndDate in the past', { EndDate: new Date(Date.UTC(2026, 0, 1)) }, /EndDate you specify cannot be earlier than the current time/],
    ['an event bus target without its parameters', { Target: { Arn: 'arn:aws:events:us-east-1:000000000000:event-bus/default', RoleArn: ROLE } }, /EventBridgeParameters/],
  ])('refuses %s with ValidationException', async (_what, extra, message) => {
    const err = await errorOf(client.send(new CreateScheduleCommand(input('v', extra as Partial<CreateScheduleCommandInput>))));
    expect(err).toMatchObject({ name: 'ValidationException', $metadata: { httpStatusCode: 400 } });
    expect(err!.message).toMatch(message);
  });

  it('lists by group, name prefix and state, a page at a time', async () => {
    await client.send(new CreateScheduleGroupCommand({ Name: 'listing' }));
    for (const n of ['job-c', 'job-a', 'job-b', 'other']) await client.send(new CreateScheduleCommand(input(n, { GroupName: 'listing', State: n === 'job-b' ? 'DISABLED' : 'ENABLED' })));
    const first = await client.send(new ListSchedulesCommand({ GroupName: 'listing', NamePrefix: 'job-', MaxResults: 2 }));
    expect(first.Schedules!.map((s) => s.Name)).toEqual(['job-a', 'job-b']);
    expect(first.Schedules![0]).toMatchObject({ GroupName: 'listing', State: 'ENABLED', Target: { Arn: QUEUE } });
    const second = await client.send(new ListSchedulesCommand({ GroupName: 'listing', NamePrefix: 'job-', MaxResults: 2, NextToken: first.NextToken }));
    expect(second.Schedules!.map((s) => s.Name)).toEqual(['job-c']);
    expect(second.NextToken).toBeUndefined();
    const disabled = await client.send(new ListSchedulesCommand({ GroupName: 'listing', State: 'DISABLED' }));
    expect(disabled.Schedules!.map((s) => s.Name)).toEqual(['job-b']);
    expect(await errorOf(client.send(new ListSchedulesCommand({ NextToken: 'bogus' })))).toMatchObject({ name: 'ValidationException' });
  });
});

describe('schedule groups', () => {
  it('has a default group that cannot be deleted', async () => {
    const g = await client.send(new GetScheduleGroupCommand({ Name: 'default' }));
    expect(g).toMatchObject({ Name: 'default', Arn: GROUP_ARN('default'), State: 'ACTIVE' });
    expect(await errorOf(client.send(new DeleteScheduleGroupCommand({ Name: 'default' })))).toMatchObject({ name: 'ValidationException' });
  });

  it('creates, lists and deletes a group with its schedules', async () => {
    const created = await client.send(new CreateScheduleGroupCommand({ Name: 'doomed', Tags: [{ Key: 'team', Value: 'a' }] }));
    expect(created.ScheduleGroupArn).toBe(GROUP_ARN('doomed'));
    expect(await errorOf(client.send(new CreateScheduleGroupCommand({ Name: 'doomed' })))).toMatchObject({ name: 'ConflictException', $metadata: { httpStatusCode: 409 } });
    await client.send(new CreateScheduleCommand(input('inside', { GroupName: 'doomed' })));
    const listed = await client.send(new ListScheduleGroupsCommand({ NamePrefix: 'doo' }));
    expect(listed.ScheduleGroups!.map((x) => x.Name)).toEqual(['doomed']);

    await client.send(new DeleteScheduleGroupCommand({ Name: 'doomed' }));
    expect(await errorOf(client.send(new GetScheduleGroupCommand({ Name: 'doomed' })))).toMatchObject({ name: 'ResourceNotFoundException', message: 'Schedule group doomed does not exist.' });
    // Its schedules went with it: a new group of the same name starts empty.
    await client.send(new CreateScheduleGroupCommand({ Name: 'doomed' }));
    expect((await client.send(new ListSchedulesCommand({ GroupName: 'doomed' }))).Schedules).toEqual([]);
  });

  it('tags groups, not schedules', async () => {
    await client.send(new CreateScheduleGroupCommand({ Name: 'tagged', Tags: [{ Key: 'team', Value: 'a' }] }));
    await client.send(new TagResourceCommand({ ResourceArn: GROUP_ARN('tagged'), Tags: [{ Key: 'team', Value: 'b' }, { Key: 'env', Value: 'dev' }] }));
    expect((await client.send(new ListTagsForResourceCommand({ ResourceArn: GROUP_ARN('tagged') }))).Tags).toEqual([
      { Key: 'team', Value: 'b' },
      { Key: 'env', Value: 'dev' },
    ]);
    await client.send(new UntagResourceCommand({ ResourceArn: GROUP_ARN('tagged'), TagKeys: ['team'] }));
    expect((await client.send(new ListTagsForResourceCommand({ ResourceArn: GROUP_ARN('tagged') }))).Tags).toEqual([{ Key: 'env', Value: 'dev' }]);

    const { ScheduleArn } = await client.send(new CreateScheduleCommand(input('untaggable')));
    expect(await errorOf(client.send(new TagResourceCommand({ ResourceArn: ScheduleArn, Tags: [{ Key: 'a', Value: 'b' }] })))).toMatchObject({ name: 'ValidationException' });
    expect(await errorOf(client.send(new ListTagsForResourceCommand({ ResourceArn: GROUP_ARN('nope') })))).toMatchObject({ name: 'ResourceNotFoundException' });
  });
});

describe('Scheduler keeps groups and schedules per Region', () => {
  const inRegion = (region: string) => new SchedulerClient({ ...clientConfig(emulator()), region, maxAttempts: 1 });
  const schedule = (name: string, group: string): CreateScheduleCommandInput => ({
    Name: name,
    GroupName: group,
    ScheduleExpression: 'rate(1 hour)',
    FlexibleTimeWindow: { Mode: 'OFF' },
    Target: { Arn: QUEUE, RoleArn: ROLE },
  });

  it('lets each Region have a group and a schedule of the same name, and lists only its own', async () => {
    const west = inRegion('us-west-2');
    const south = inRegion('eu-south-1');
    try {
      for (const c of [west, south]) {
        await c.send(new CreateScheduleGroupCommand({ Name: 'regional' }));
        await c.send(new CreateScheduleCommand(schedule('nightly', 'regional')));
      }
      expect((await west.send(new GetScheduleGroupCommand({ Name: 'regional' }))).Arn).toBe('arn:aws:scheduler:us-west-2:000000000000:schedule-group/regional');
      expect((await south.send(new GetScheduleCommand({ Name: 'nightly', GroupName: 'regional' }))).Arn).toBe(
        'arn:aws:scheduler:eu-south-1:000000000000:schedule/regional/nightly',
      );
      const westGroups = (await west.send(new ListScheduleGroupsCommand({}))).ScheduleGroups?.map((g) => g.Arn);
      expect(westGroups).toEqual(['arn:aws:scheduler:us-west-2:000000000000:schedule-group/default', 'arn:aws:scheduler:us-west-2:000000000000:schedule-group/regional']);
      expect((await west.send(new ListSchedulesCommand({}))).Schedules?.map((s) => s.Arn)).toEqual(['arn:aws:scheduler:us-west-2:000000000000:schedule/regional/nightly']);
      // Deleting west's group takes west's schedule only; the home Region never saw either.
      await west.send(new DeleteScheduleGroupCommand({ Name: 'regional' }));
      await expect(south.send(new GetScheduleCommand({ Name: 'nightly', GroupName: 'regional' }))).resolves.toMatchObject({ Name: 'nightly' });
      await expect(client.send(new GetScheduleGroupCommand({ Name: 'regional' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
      // A group is tagged in the Region its ARN names.
      await client.send(new TagResourceCommand({ ResourceArn: 'arn:aws:scheduler:eu-south-1:000000000000:schedule-group/regional', Tags: [{ Key: 'k', Value: 'v' }] }));
      expect((await south.send(new ListTagsForResourceCommand({ ResourceArn: 'arn:aws:scheduler:eu-south-1:000000000000:schedule-group/regional' }))).Tags).toEqual([{ Key: 'k', Value: 'v' }]);
    } finally {
      west.destroy();
      south.destroy();
    }
  });
});
