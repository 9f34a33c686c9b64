import { S3Client, CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { SQSClient, CreateQueueCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { SNSClient, CreateTopicCommand } from '@aws-sdk/client-sns';
import type { RunningEmulator } from '../../emulator';

/** Resources the fuzzed requests name, so that mutated valid requests reach deep into each service. */
export async function seedFuzzResources(emu: RunningEmulator): Promise<void> {
  const config = { endpoint: emu.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
  const s3 = new S3Client({ ...config, forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: 'fuzz-bucket' }));
  await s3.send(new PutObjectCommand({ Bucket: 'fuzz-bucket', Key: 'obj.csv', Body: 'a,b\n1,2\n' }));
  const sqs = new SQSClient(config);
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'fuzz-q' }));
  await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'kept' }));
  await new SNSClient(config).send(new CreateTopicCommand({ Name: 'fuzz-topic' }));
}
