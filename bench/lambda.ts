import {
  CreateEventSourceMappingCommand,
  CreateFunctionCommand,
  GetEventSourceMappingCommand,
  GetFunctionConfigurationCommand,
  InvokeCommand,
  LambdaClient,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { CreateBucketCommand, PutBucketNotificationConfigurationCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startEmulator, type RunningEmulator } from '../emulator';
import { zipFiles } from '../handlers/packaging/zip';
import { median, percentile, throughput, timeIt } from './lib/measure';
import { benchClientConfig } from './lib/pipeline';

/**
 * Lambda on its own, with the official Lambda client:
 *   - warm invoke: Invoke (RequestResponse) of a function that returns its event, one at a time, after one
 *     warm-up invoke; client-side latency p50/p99.
 *   - cold start: UpdateFunctionConfiguration (a new environment variable, so the warm environment no longer
 *     matches and a new one must start), wait until the update is Successful, then time the first Invoke.
 *     5 times; median and max.
 *   - S3 → SQS → Lambda: a bucket notifying a queue, the queue mapped to a do-nothing function with batch
 *     size 10 and batching window 0; n objects uploaded by 32 client workers; messages/s from the first
 *     PutObject to the last message deleted by the mapping after a successful invocation (the `sqs.delete`
 *     hop on the trace bus).
 */
const ROLE = 'arn:aws:iam::000000000000:role/bench';
const TRIVIAL = 'exports.handler = async (event) => event;\n';

export interface LambdaFigures {
  warmInvoke: { invokes: number; p50Ms: number; p99Ms: number };
  coldStart: { runs: number; medianMs: number; maxMs: number; runsMs: number[] };
  s3SqsLambda: { messages: number; perSec: number };
}

async function createTrivial(lambda: LambdaClient, name: string): Promise<void> {
  const zip = await zipFiles([{ name: 'index.js', data: Buffer.from(TRIVIAL) }]);
  await lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Code: { ZipFile: zip }, Timeout: 10 }));
  await settled(lambda, name);
}

/** Until the function is Active and its last update Successful (setup, not measured). */
async function settled(lambda: LambdaClient, name: string): Promise<void> {
  for (;;) {
    const c = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
    if (c.State === 'Active' && (c.LastUpdateStatus ?? 'Successful') === 'Successful') return;
  }
}

async function invoke(lambda: LambdaClient, name: string, payload: string): Promise<void> {
  const out = await lambda.send(new InvokeCommand({ FunctionName: name, InvocationType: 'RequestResponse', Payload: Buffer.from(payload) }));
  if (out.FunctionError) throw new Error(`${name} failed: ${Buffer.from(out.Payload ?? []).toString()}`);
}

async function s3SqsLambda(emu: RunningEmulator, lambda: LambdaClient, n: number): Promise<{ messages: number; perSec: number }> {
  const s3 = new S3Client({ ...benchClientConfig(emu.endpoint, 32), forcePathStyle: true });
  const sqs = new SQSClient(benchClientConfig(emu.endpoint, 4));
  try {
    await createTrivial(lambda, 'bench-sink');
    await s3.send(new CreateBucketCommand({ Bucket: 'bench-sqs-lambda' }));
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'bench-events' }));
    const queueArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    await s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: 'bench-sqs-lambda',
        NotificationConfiguration: { QueueConfigurations: [{ QueueArn: queueArn, Events: ['s3:ObjectCreated:*'] }] },
      }),
    );
    const { UUID } = await lambda.send(
      new CreateEventSourceMappingCommand({ FunctionName: 'bench-sink', EventSourceArn: queueArn, BatchSize: 10, MaximumBatchingWindowInSeconds: 0, Enabled: true }),
    );
    while ((await lambda.send(new GetEventSourceMappingCommand({ UUID }))).State !== 'Enabled');
    // The s3:TestEvent the notification configuration sent is in the queue too; it is deleted like the rest.
    const run = async (count: number, tag: string) => {
      let deleted = 0;
      let resolveAll!: () => void;
      const all = new Promise<void>((r) => (resolveAll = r));
      const off = emu.bus.onHop((hop) => {
        if (hop.type === 'sqs.delete' && hop.queueArn === queueArn && ++deleted >= count) resolveAll();
      });
      const t0 = process.hrtime.bigint();
      await throughput((i) => s3.send(new PutObjectCommand({ Bucket: 'bench-sqs-lambda', Key: `${tag}/${i}`, Body: 'x' })), count, 32);
      await all;
      off();
      return count / (Number(process.hrtime.bigint() - t0) / 1e9);
    };
    await run(Math.min(100, n), 'warm');
    // Nothing left over from the warm-up (or the s3:TestEvent) may be counted in the measured run.
    for (;;) {
      const a = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }))).Attributes!;
      if (a.ApproximateNumberOfMessages === '0' && a.ApproximateNumberOfMessagesNotVisible === '0') break;
    }
    return { messages: n, perSec: Math.round(await run(n, 'run')) };
  } finally {
    s3.destroy();
    sqs.destroy();
  }
}

export async function benchLambda(opts: { quick: boolean }): Promise<LambdaFigures> {
  const invokes = opts.quick ? 10 : 200;
  const coldRuns = opts.quick ? 2 : 5;
  const emu = await startEmulator({ port: 0, log: () => undefined });
  const lambda = new LambdaClient(benchClientConfig(emu.endpoint, 4));
  try {
    await createTrivial(lambda, 'bench-echo');
    await invoke(lambda, 'bench-echo', '{}');
    const warm: number[] = [];
    for (let i = 0; i < invokes; i++) warm.push((await timeIt(() => invoke(lambda, 'bench-echo', `{"i":${i}}`)))[1]);

    const cold: number[] = [];
    for (let i = 0; i < coldRuns; i++) {
      await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'bench-echo', Environment: { Variables: { RUN: String(i) } } }));
      await settled(lambda, 'bench-echo');
      cold.push((await timeIt(() => invoke(lambda, 'bench-echo', '{}')))[1]);
    }
    const r = (x: number) => Number(x.toFixed(2));
    return {
      warmInvoke: { invokes, p50Ms: r(percentile(warm, 50)), p99Ms: r(percentile(warm, 99)) },
      coldStart: { runs: coldRuns, medianMs: r(median(cold)), maxMs: r(Math.max(...cold)), runsMs: cold.map(r) },
      s3SqsLambda: await s3SqsLambda(emu, lambda, opts.quick ? 100 : 1000),
    };
  } finally {
    lambda.destroy();
    await emu.stop();
  }
}
