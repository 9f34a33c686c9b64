import { gunzipSync } from 'node:zlib';
import {
  CancelExportTaskCommand,
  CloudWatchLogsClient,
  CreateExportTaskCommand,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DescribeExportTasksCommand,
  PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutBucketNotificationConfigurationCommand, PutBucketPolicyCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { RunningEmulator } from '../../emulator';
import { VirtualClock } from '../../emulator/core/clock';
import { waitFor } from '../../harness/wait';
import { clientConfig, useEmulator } from '../helpers/emulator';

const START = Date.UTC(2026, 0, 1, 12, 0, 0);
const logsOf = (emu: RunningEmulator) => new CloudWatchLogsClient(clientConfig(emu));
const s3Of = (emu: RunningEmulator) => new S3Client({ ...clientConfig(emu), forcePathStyle: true });

async function groupWithEvents(emu: RunningEmulator, group: string, streams: Record<string, { timestamp: number; message: string }[]>) {
  const logs = logsOf(emu);
  await logs.send(new CreateLogGroupCommand({ logGroupName: group }));
  for (const [name, logEvents] of Object.entries(streams)) {
    await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: name }));
    await logs.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: name, logEvents }));
  }
}

const statusOf = async (emu: RunningEmulator, taskId: string) =>
  (await logsOf(emu).send(new DescribeExportTasksCommand({ taskId }))).exportTasks?.[0]?.status?.code;

const gunzipped = async (emu: RunningEmulator, Bucket: string, Key: string) => {
  const out = await s3Of(emu).send(new GetObjectCommand({ Bucket, Key }));
  return gunzipSync(Buffer.from(await out.Body!.transformToByteArray())).toString('utf8');
};

describe('CloudWatch Logs export tasks to S3 (virtual clock)', () => {
  const clock = new VirtualClock(START);
  const emulator = useEmulator({ clock });

  it('writes each stream’s events in the range as gzip objects under <prefix>/<taskId>/<stream>/, PENDING → RUNNING → COMPLETED', async () => {
    const emu = emulator();
    const s3 = s3Of(emu);
    await s3.send(new CreateBucketCommand({ Bucket: 'exports' }));
    // The export's objects are ordinary writes: S3 notifies a queue of each (ObjectCreated:Put).
    const sqs = new SQSClient(clientConfig(emu));
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'export-writes' }));
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
    await s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: 'exports',
        NotificationConfiguration: { QueueConfigurations: [{ QueueArn: Attributes!.QueueArn, Events: ['s3:ObjectCreated:*'] }] },
      }),
    );
    await groupWithEvents(emu, '/app/export', {
      'web/1': [
        { timestamp: START - 5000, message: 'too early' },
        { timestamp: START - 1000, message: 'first line' },
        { timestamp: START, message: 'second line' },
      ],
      'web/2': [{ timestamp: START - 500, message: '{"level":"info"}' }],
      'worker/1': [{ timestamp: START - 500, message: 'not under the prefix' }],
      'web/3': [{ timestamp: START + 5000, message: 'too late' }],
    });

    const { taskId } = await logsOf(emu).send(
      new CreateExportTaskCommand({ taskName: 'nightly', logGroupName: '/app/export', logStreamNamePrefix: 'web/', from: START - 1000, to: START, destination: 'exports', destinationPrefix: 'archive' }),
    );
    expect(taskId).toMatch(/^[0-9a-f-]{36}$/);
    expect(await statusOf(emu, taskId!)).toBe('PENDING');
    clock.advance(1000);
    expect(await statusOf(emu, taskId!)).toBe('RUNNING');
    clock.advance(1000);
    await waitFor(async () => (await statusOf(emu, taskId!)) === 'COMPLETED', { what: 'the export to complete', timeoutMs: 10_000 });

    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'exports' }));
    expect(listed.Contents?.map((o) => o.Key).sort()).toEqual([`archive/${taskId}/web/1/000000.gz`, `archive/${taskId}/web/2/000000.gz`, 'archive/aws-logs-write-test'].sort());
    // Both ends of the range are included; lines are "<ISO timestamp> <message>".
    expect(await gunzipped(emu, 'exports', `archive/${taskId}/web/1/000000.gz`)).toBe(
      `${new Date(START - 1000).toISOString()} first line\n${new Date(START).toISOString()} second line\n`,
    );
    expect(await gunzipped(emu, 'exports', `archive/${taskId}/web/2/000000.gz`)).toBe(`${new Date(START - 500).toISOString()} {"level":"info"}\n`);
    const probe = await s3.send(new GetObjectCommand({ Bucket: 'exports', Key: 'archive/aws-logs-write-test' }));
    expect(await probe.Body!.transformToString()).toBe('Permission Check Successful');

    const [task] = (await logsOf(emu).send(new DescribeExportTasksCommand({ taskId }))).exportTasks!;
    expect(task).toMatchObject({ taskId, taskName: 'nightly', logGroupName: '/app/export', from: START - 1000, to: START, destination: 'exports', destinationPrefix: 'archive', status: { code: 'COMPLETED' } });
    expect(task!.executionInfo?.creationTime).toBe(START);
    expect(task!.executionInfo?.completionTime).toBeGreaterThanOrEqual(START + 2000);

    // Received messages stay invisible (the clock stands still): collect them across polls; skip the s3:TestEvent.
    const keys: string[] = [];
    await waitFor(
      async () => {
        const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }));
        for (const m of r.Messages ?? []) for (const rec of JSON.parse(m.Body!).Records ?? []) keys.push(`${rec.eventName} ${decodeURIComponent(rec.s3.object.key)}`);
        return keys.length >= 3;
      },
      { what: 'three S3 notifications', timeoutMs: 10_000, describe: () => keys.join('\n') },
    );
    expect(keys.sort()).toEqual([`ObjectCreated:Put archive/${taskId}/web/1/000000.gz`, `ObjectCreated:Put archive/${taskId}/web/2/000000.gz`, 'ObjectCreated:Put archive/aws-logs-write-test'].sort());
  });

  it('uses the default prefix "exportedlogs", filters by status, and cancels a task not yet finished', async () => {
    const emu = emulator();
    const logs = logsOf(emu);
    await s3Of(emu).send(new CreateBucketCommand({ Bucket: 'exports-default' }));
    await groupWithEvents(emu, '/app/cancel', { s: [{ timestamp: clock.now(), message: 'x' }] });
    const { taskId } = await logs.send(new CreateExportTaskCommand({ logGroupName: '/app/cancel', from: 0, to: clock.now(), destination: 'exports-default' }));
    // One active task per account.
    await expect(logs.send(new CreateExportTaskCommand({ logGroupName: '/app/cancel', from: 0, to: clock.now(), destination: 'exports-default' }))).rejects.toMatchObject({
      name: 'LimitExceededException',
    });
    expect((await logs.send(new DescribeExportTasksCommand({ statusCode: 'PENDING' }))).exportTasks?.map((t) => t.taskId)).toEqual([taskId]);
    await logs.send(new CancelExportTaskCommand({ taskId }));
    expect(await statusOf(emu, taskId!)).toBe('CANCELLED');
    await expect(logs.send(new CancelExportTaskCommand({ taskId }))).rejects.toMatchObject({ name: 'InvalidOperationException' });
    await expect(logs.send(new CancelExportTaskCommand({ taskId: 'no-such-task' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    clock.advance(5000);
    const listed = await s3Of(emu).send(new ListObjectsV2Command({ Bucket: 'exports-default' }));
    expect(listed.Contents?.map((o) => o.Key)).toEqual(['exportedlogs/aws-logs-write-test']);
    expect((await logs.send(new DescribeExportTasksCommand({ statusCode: 'COMPLETED' }))).exportTasks?.map((t) => t.taskId)).not.toContain(taskId);
  });

  it('refuses a missing bucket, a missing group and a reversed time range as AWS does', async () => {
    const emu = emulator();
    const logs = logsOf(emu);
    await groupWithEvents(emu, '/app/nobucket', {});
    await expect(logs.send(new CreateExportTaskCommand({ logGroupName: '/app/nobucket', from: 0, to: 1, destination: 'no-such-bucket' }))).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: 'The given bucket does not exist. Please make sure the bucket is valid.',
    });
    await expect(logs.send(new CreateExportTaskCommand({ logGroupName: '/app/missing', from: 0, to: 1, destination: 'exports' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
    await expect(logs.send(new CreateExportTaskCommand({ logGroupName: '/app/nobucket', from: 2, to: 1, destination: 'exports' }))).rejects.toMatchObject({
      name: 'InvalidParameterException',
    });
  });
});

describe('CloudWatch Logs export tasks with strict bucket policies', () => {
  const clock = new VirtualClock(START);
  const emulator = useEmulator({ clock, strict: true });
  const principal = { Service: 'logs.us-east-1.amazonaws.com' };

  it('needs the bucket policy to let logs.<region>.amazonaws.com GetBucketAcl and PutObject', async () => {
    const emu = emulator();
    const s3 = s3Of(emu);
    const logs = logsOf(emu);
    await s3.send(new CreateBucketCommand({ Bucket: 'guarded' }));
    await groupWithEvents(emu, '/app/strict', { s: [{ timestamp: START, message: 'kept' }] });
    const create = () => logs.send(new CreateExportTaskCommand({ logGroupName: '/app/strict', from: 0, to: START, destination: 'guarded' }));
    await expect(create()).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: 'GetBucketAcl call on the given bucket failed. Please check if CloudWatch Logs has been granted permission to perform this operation.',
    });
    const statement = (Action: string, Resource: string) => ({ Effect: 'Allow', Principal: principal, Action, Resource });
    await s3.send(new PutBucketPolicyCommand({ Bucket: 'guarded', Policy: JSON.stringify({ Version: '2012-10-17', Statement: [statement('s3:GetBucketAcl', 'arn:aws:s3:::guarded')] }) }));
    await expect(create()).rejects.toMatchObject({ name: 'InvalidParameterException', message: expect.stringMatching(/^PutObject call on the given bucket failed/) });
    await s3.send(
      new PutBucketPolicyCommand({
        Bucket: 'guarded',
        Policy: JSON.stringify({ Version: '2012-10-17', Statement: [statement('s3:GetBucketAcl', 'arn:aws:s3:::guarded'), statement('s3:PutObject', 'arn:aws:s3:::guarded/*')] }),
      }),
    );
    const { taskId } = await create();
    clock.advance(2000);
    await waitFor(async () => (await statusOf(emu, taskId!)) === 'COMPLETED', { what: 'the export to complete', timeoutMs: 10_000 });
    expect(await gunzipped(emu, 'guarded', `exportedlogs/${taskId}/s/000000.gz`)).toBe(`${new Date(START).toISOString()} kept\n`);
  });
});
