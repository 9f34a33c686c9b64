import * as fs from 'node:fs';
import * as path from 'node:path';
import { AddPermissionCommand } from '@aws-sdk/client-lambda';
import { CreateBucketCommand, PutBucketNotificationConfigurationCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateTopicCommand, PublishCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { waitFor } from '../../harness/wait';
import { clientConfig, useEmulator } from '../helpers/emulator';
import { deployNode, lambdaClient, rejection, scratchDir, uniqueName } from './helpers';

/** S3 → Lambda and SNS → Lambda through the delivery bus: events arrive as asynchronous invocations. */

const emulator = useEmulator({ timeScale: 0.001 });
let lambdaC: ReturnType<typeof lambdaClient> | undefined;
let s3C: S3Client | undefined;
let snsC: SNSClient | undefined;
const lambda = () => (lambdaC ??= lambdaClient(emulator()));
const sns = () => (snsC ??= new SNSClient({ ...clientConfig(emulator()), maxAttempts: 1 }));
const s3 = () => (s3C ??= new S3Client({ ...clientConfig(emulator()), forcePathStyle: true, maxAttempts: 1 }));
afterAll(() => {
  lambdaC?.destroy();
  s3C?.destroy();
  snsC?.destroy();
});

it('refuses the notification until the function allows S3, then invokes it for each new object', async () => {
  const dir = scratchDir();
  try {
    const bucket = uniqueName('uploads');
    await s3().send(new CreateBucketCommand({ Bucket: bucket }));
    const name = uniqueName('on-upload');
    const arn = await deployNode(lambda(), name, `const fs = require('fs'); exports.handler = async (e) => { fs.writeFileSync(process.env.OUT, JSON.stringify(e)); };`, {
      Environment: { Variables: { OUT: path.join(dir, 'event.json') } },
    });
    const notify = () =>
      s3().send(
        new PutBucketNotificationConfigurationCommand({
          Bucket: bucket,
          NotificationConfiguration: { LambdaFunctionConfigurations: [{ LambdaFunctionArn: arn, Events: ['s3:ObjectCreated:*'] }] },
        }),
      );
    const refused = await rejection(notify());
    expect(refused.name).toBe('InvalidArgument');

    await lambda().send(
      new AddPermissionCommand({ FunctionName: name, StatementId: 's3', Action: 'lambda:InvokeFunction', Principal: 's3.amazonaws.com', SourceArn: `arn:aws:s3:::${bucket}` }),
    );
    await notify();
    await s3().send(new PutObjectCommand({ Bucket: bucket, Key: 'photos/cat.jpg', Body: 'meow' }));
    const file = path.join(dir, 'event.json');
    const event = await waitFor(() => fs.existsSync(file) && JSON.parse(fs.readFileSync(file, 'utf8')), { what: 'the S3 event to reach the function' });
    expect(event.Records[0]).toMatchObject({ eventSource: 'aws:s3', s3: { bucket: { name: bucket }, object: { key: 'photos/cat.jpg', size: 4 } } });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

it('runs a function subscribed to an SNS topic with the SNS event', async () => {
  const dir = scratchDir();
  try {
    const name = uniqueName('on-message');
    const arn = await deployNode(lambda(), name, `const fs = require('fs'); exports.handler = async (e) => { fs.writeFileSync(process.env.OUT, JSON.stringify(e)); };`, {
      Environment: { Variables: { OUT: path.join(dir, 'event.json') } },
    });
    const topicArn = (await sns().send(new CreateTopicCommand({ Name: uniqueName('alerts') }))).TopicArn!;
    await sns().send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'lambda', Endpoint: arn }));
    await sns().send(new PublishCommand({ TopicArn: topicArn, Message: 'disk full', Subject: 'alert' }));
    const file = path.join(dir, 'event.json');
    const event = await waitFor(() => fs.existsSync(file) && JSON.parse(fs.readFileSync(file, 'utf8')), { what: 'the SNS event to reach the function' });
    expect(event.Records[0]).toMatchObject({ EventSource: 'aws:sns', Sns: { TopicArn: topicArn, Message: 'disk full', Subject: 'alert' } });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
