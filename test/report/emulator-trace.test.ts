import { CreateBucketCommand, PutBucketNotificationConfigurationCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { buildLanes, lanesForKey, renderMermaid, TraceRecorder } from '../../harness/report';
import { waitFor } from '../../harness/wait';
import { clientConfig, useEmulator } from '../helpers/emulator';

/**
 * The trace of a real run through the embedded emulator (S3 → SQS, duplicates injected), recorded from its
 * bus: the hop shapes the services actually record must link into the right lanes.
 */
describe('lanes of a trace recorded from the emulator', () => {
  const emu = useEmulator({ faults: 'duplicate=1', seed: 3 });
  const key = 'in/<odd> key.csv';

  it('puts each write of an unversioned key in its own lane, with its duplicate delivery, receives and deletes', async () => {
    const s3 = new S3Client({ ...clientConfig(emu()), forcePathStyle: true });
    const sqs = new SQSClient(clientConfig(emu()));
    const recorder = new TraceRecorder({ seed: 3, faults: 'duplicate=1', scenario: 'emulator trace', backend: 'embedded' }).attach(emu().bus);
    try {
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'trace-q' }));
      const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
      await s3.send(new CreateBucketCommand({ Bucket: 'trace-bucket' }));
      await s3.send(
        new PutBucketNotificationConfigurationCommand({
          Bucket: 'trace-bucket',
          NotificationConfiguration: { QueueConfigurations: [{ Id: 'q', QueueArn: Attributes!.QueueArn!, Events: ['s3:ObjectCreated:*'] }] },
        }),
      );
      await s3.send(new PutObjectCommand({ Bucket: 'trace-bucket', Key: key, Body: 'one' }));
      await s3.send(new PutObjectCommand({ Bucket: 'trace-bucket', Key: key, Body: 'two' }));

      // Two writes, each delivered twice: four messages to receive and delete.
      const received: string[] = [];
      await waitFor(async () => {
        const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
        for (const m of Messages) {
          received.push(m.MessageId!);
          await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: m.ReceiptHandle! }));
        }
        return received.length >= 4;
      }, { timeoutMs: 20_000, what: 'four deliveries (two writes, each duplicated)', describe: () => `received ${received.length}: ${received.join(', ')}` });
    } finally {
      recorder.detach();
    }

    const trace = recorder.toTrace({ passed: true });
    if (process.env.REPORT_TRACE_OUT) recorder.write(process.env.REPORT_TRACE_OUT, { passed: true });
    const lanes = lanesForKey(buildLanes(trace), key);
    expect(lanes.map((l) => l.id)).toEqual([`s3://trace-bucket/${key}#1`, `s3://trace-bucket/${key}#2`]);
    for (const lane of lanes) {
      const types = lane.hops.map((h) => h.hop.type);
      expect(types.filter((t) => t === 'sqs.send')).toHaveLength(2);
      expect(types.filter((t) => t === 'sqs.receive')).toHaveLength(2);
      expect(types.filter((t) => t === 'sqs.delete')).toHaveLength(2);
      expect(lane.hops.filter((h) => h.flags.includes('duplicate')).map((h) => h.hop.type)).toEqual(['fault.duplicate', 'sqs.send']);
    }
    const diagram = renderMermaid(trace, key);
    expect(diagram.split('\n').filter((l) => /^ {2}\w+(->>|-->>|-x|--x)\w+: /.test(l))).toHaveLength(lanes.flatMap((l) => l.hops).filter((h) => !h.hop.type.startsWith('fault.')).length);
  });
});
