/**
 * `npm run load`: 256 concurrent clients send mixed S3 / SQS / SNS traffic to the embedded emulator on
 * loopback for a fixed time (default 60 s), then check that nothing acknowledged was lost:
 *   - every acknowledged PutObject is readable with the same bytes;
 *   - every acknowledged SendMessage is received exactly once (no faults are injected);
 *   - every acknowledged Publish reaches the subscribed queue exactly once;
 *   - RSS stays bounded (sampled every second).
 * Options: --seconds N (default 60), --clients N (default 256). Prints a summary and exits non-zero on a loss.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createHash } from 'node:crypto';
import { S3Client, CreateBucketCommand, PutObjectCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import {
  SQSClient,
  CreateQueueCommand,
  SendMessageCommand,
  ReceiveMessageCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  SetQueueAttributesCommand,
} from '@aws-sdk/client-sqs';
import { SNSClient, CreateTopicCommand, SubscribeCommand, PublishCommand } from '@aws-sdk/client-sns';
import { Agent } from 'node:http';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { startEmulator } from '../emulator';

export interface LoadResult {
  seconds: number;
  clients: number;
  puts: number;
  sends: number;
  publishes: number;
  errors: number;
  lostObjects: number;
  lostMessages: number;
  duplicateMessages: number;
  lostNotifications: number;
  peakRssMb: number;
  startRssMb: number;
  requestsPerSecond: number;
}

export async function runLoad(opts: { seconds: number; clients: number; log?: (s: string) => void }): Promise<LoadResult> {
  const log = opts.log ?? ((s: string) => process.stdout.write(`${s}\n`));
  const emu = await startEmulator({ port: 0 });
  const agent = new Agent({ keepAlive: true, maxSockets: opts.clients });
  const config = {
    endpoint: emu.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    requestHandler: new NodeHttpHandler({ httpAgent: agent }),
    maxAttempts: 1,
  };
  const s3 = new S3Client({ ...config, forcePathStyle: true });
  const sqs = new SQSClient(config);
  const sns = new SNSClient(config);
  try {
    await s3.send(new CreateBucketCommand({ Bucket: 'load' }));
    const direct = (await sqs.send(new CreateQueueCommand({ QueueName: 'load-direct' }))).QueueUrl!;
    const fanned = (await sqs.send(new CreateQueueCommand({ QueueName: 'load-fanned' }))).QueueUrl!;
    const fannedArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: fanned, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl: fanned, Attributes: { Policy: JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: '*', Action: 'sqs:SendMessage', Resource: fannedArn }] }) } }));
    const topic = (await sns.send(new CreateTopicCommand({ Name: 'load-topic' }))).TopicArn!;
    await sns.send(new SubscribeCommand({ TopicArn: topic, Protocol: 'sqs', Endpoint: fannedArn, Attributes: { RawMessageDelivery: 'true' } }));

    const objects = new Map<string, string>();
    const sent = new Set<string>();
    const published = new Set<string>();
    let errors = 0;
    const startRss = process.memoryUsage().rss;
    let peakRss = startRss;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 1000);
    const deadline = Date.now() + opts.seconds * 1000;
    let counter = 0;

    const client = async (id: number) => {
      while (Date.now() < deadline) {
        const n = counter++;
        const body = `client ${id} op ${n} ${'x'.repeat(n % 512)}`;
        try {
          switch (n % 3) {
            case 0: {
              const key = `objects/${id}/${n}`;
              await s3.send(new PutObjectCommand({ Bucket: 'load', Key: key, Body: body }));
              objects.set(key, createHash('md5').update(body).digest('hex'));
              break;
            }
            case 1:
              await sqs.send(new SendMessageCommand({ QueueUrl: direct, MessageBody: `m${n}` }));
              sent.add(`m${n}`);
              break;
            default:
              await sns.send(new PublishCommand({ TopicArn: topic, Message: `p${n}` }));
              published.add(`p${n}`);
          }
        } catch {
          errors++;
        }
      }
    };
    await Promise.all(Array.from({ length: opts.clients }, (_, i) => client(i)));
    clearInterval(sampler);
    const requests = objects.size + sent.size + published.size + errors;
    log(`load: ${requests} requests in ${opts.seconds}s (${Math.round(requests / opts.seconds)}/s), ${errors} errors; checking…`);

    let lostObjects = 0;
    const keys = [...objects.keys()];
    for (let i = 0; i < keys.length; i += 64) {
      await Promise.all(
        keys.slice(i, i + 64).map(async (key) => {
          try {
            const got = await s3.send(new GetObjectCommand({ Bucket: 'load', Key: key }));
            const text = await got.Body!.transformToString();
            if (createHash('md5').update(text).digest('hex') !== objects.get(key)) lostObjects++;
          } catch {
            lostObjects++;
          }
        }),
      );
    }
    const drain = async (url: string, expected: Set<string>) => {
      const seen = new Map<string, number>();
      let idle = 0;
      while (idle < 3) {
        const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
        const msgs = r.Messages ?? [];
        if (msgs.length === 0) idle++;
        else idle = 0;
        for (const m of msgs) seen.set(m.Body!, (seen.get(m.Body!) ?? 0) + 1);
        if (msgs.length) await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: url, Entries: msgs.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }));
      }
      let lost = 0;
      let dup = 0;
      for (const e of expected) {
        const c = seen.get(e) ?? 0;
        if (c === 0) lost++;
        if (c > 1) dup += c - 1;
      }
      return { lost, dup };
    };
    const direct$ = await drain(direct, sent);
    const fanned$ = await drain(fanned, published);
    return {
      seconds: opts.seconds,
      clients: opts.clients,
      puts: objects.size,
      sends: sent.size,
      publishes: published.size,
      errors,
      lostObjects,
      lostMessages: direct$.lost,
      duplicateMessages: direct$.dup + fanned$.dup,
      lostNotifications: fanned$.lost,
      startRssMb: Math.round(startRss / 1e6),
      peakRssMb: Math.round(peakRss / 1e6),
      requestsPerSecond: Math.round(requests / opts.seconds),
    };
  } finally {
    agent.destroy();
    await emu.stop();
  }
}

// bin/run-ts.js loads the script with require(), so require.main is run-ts.js there; it puts our path in argv[1].
if (require.main === module || path.resolve(process.argv[1] ?? '') === __filename) {
  const { values } = parseArgs({ options: { seconds: { type: 'string', default: '60' }, clients: { type: 'string', default: '256' } } });
  runLoad({ seconds: Number(values.seconds), clients: Number(values.clients) }).then((r) => {
    process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
    const bad = r.lostObjects + r.lostMessages + r.lostNotifications + r.duplicateMessages;
    process.exitCode = bad > 0 ? 1 : 0;
  });
}
