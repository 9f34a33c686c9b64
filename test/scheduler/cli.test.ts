import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { VirtualClock } from '../../emulator/core/clock';
import { waitFor } from '../../harness/wait';
import { awsCli, CLIENTS } from '../helpers/cli';
import { clientConfig, useEmulator } from '../helpers/emulator';

const clock = new VirtualClock(Date.UTC(2026, 8, 1, 8, 0, 0));
const emulator = useEmulator({ clock });
const cli = (...args: string[]) => awsCli(CLIENTS.awsCliV1, emulator().endpoint, ['scheduler', ...args]);

it('creates, reads, lists and runs a schedule through the AWS CLI v1', async () => {
  const sqs = new SQSClient(clientConfig(emulator()));
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'cli-scheduled' }));
  const target = { Arn: 'arn:aws:sqs:us-east-1:000000000000:cli-scheduled', RoleArn: 'arn:aws:iam::000000000000:role/scheduler', Input: '{"from":"cli","at":"<aws.scheduler.scheduled-time>"}' };

  const group = JSON.parse(await cli('create-schedule-group', '--name', 'cli-group', '--tags', 'Key=team,Value=ops'));
  expect(group.ScheduleGroupArn).toBe('arn:aws:scheduler:us-east-1:000000000000:schedule-group/cli-group');
  const created = JSON.parse(
    await cli(
      'create-schedule', '--name', 'cli-daily', '--group-name', 'cli-group',
      '--schedule-expression', 'cron(15 10 * * ? *)', '--schedule-expression-timezone', 'Europe/Berlin',
      '--flexible-time-window', 'Mode=OFF', '--target', JSON.stringify(target),
    ),
  );
  expect(created.ScheduleArn).toBe('arn:aws:scheduler:us-east-1:000000000000:schedule/cli-group/cli-daily');

  const got = JSON.parse(await cli('get-schedule', '--name', 'cli-daily', '--group-name', 'cli-group'));
  expect(got).toMatchObject({ Name: 'cli-daily', GroupName: 'cli-group', ScheduleExpression: 'cron(15 10 * * ? *)', ScheduleExpressionTimezone: 'Europe/Berlin', State: 'ENABLED', Target: target });
  const listed = JSON.parse(await cli('list-schedules', '--group-name', 'cli-group'));
  expect(listed.Schedules.map((s: { Name: string }) => s.Name)).toEqual(['cli-daily']);
  const tags = JSON.parse(await cli('list-tags-for-resource', '--resource-arn', group.ScheduleGroupArn));
  expect(tags.Tags).toEqual([{ Key: 'team', Value: 'ops' }]);

  // 10:15 in Berlin (CEST, UTC+2) is 08:15 UTC.
  clock.advance(15 * 60_000);
  const message = await waitFor(async () => (await sqs.send(new ReceiveMessageCommand({ QueueUrl }))).Messages?.[0], { what: 'the scheduled message' });
  expect(JSON.parse(message.Body!)).toEqual({ from: 'cli', at: '2026-09-01T08:15:00Z' });

  await cli('delete-schedule', '--name', 'cli-daily', '--group-name', 'cli-group');
  await expect(cli('get-schedule', '--name', 'cli-daily', '--group-name', 'cli-group')).rejects.toThrow(/ResourceNotFoundException/);
  sqs.destroy();
});
