import { CreatePipeCommand, DescribePipeCommand, ListPipesCommand, StopPipeCommand, type PipesClient } from '@aws-sdk/client-pipes';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { clientConfig, usePersistentEmulator } from '../helpers/emulator';
import { createQueue, pipesClient, receiveAll, ROLE, waitForState } from './helpers';

/** Pipes kept with --data-dir: settings, tags and states come back after a restart, and running pipes poll again. */
const { emulator, restart } = usePersistentEmulator('pipes', { timeScale: 0.001 });
let pipes: PipesClient;
let sqs: SQSClient;
const connect = () => {
  pipes = pipesClient(emulator());
  sqs = new SQSClient({ ...clientConfig(emulator()), maxAttempts: 1 });
};
const disconnect = () => {
  pipes.destroy();
  sqs.destroy();
};
beforeAll(connect);
afterAll(disconnect);

it('brings pipes back after a restart, and a running one delivers again', async () => {
  const src = await createQueue(sqs, 'keep-src');
  const dst = await createQueue(sqs, 'keep-dst');
  await pipes.send(
    new CreatePipeCommand({
      Name: 'kept',
      Source: src.arn,
      SourceParameters: { SqsQueueParameters: { BatchSize: 3 } },
      Target: dst.arn,
      TargetParameters: { InputTemplate: '{"copy": <$.body>, "pipe": "<aws.pipes.pipe-name>"}' },
      RoleArn: ROLE,
      Tags: { env: 'test' },
    }),
  );
  await pipes.send(new CreatePipeCommand({ Name: 'parked', Source: src.arn, Target: dst.arn, RoleArn: ROLE }));
  await waitForState(pipes, 'kept', 'RUNNING');
  await waitForState(pipes, 'parked', 'RUNNING');
  await pipes.send(new StopPipeCommand({ Name: 'parked' }));
  await waitForState(pipes, 'parked', 'STOPPED');
  const before = await pipes.send(new DescribePipeCommand({ Name: 'kept' }));

  disconnect();
  await restart();
  connect();

  const after = await waitForState(pipes, 'kept', 'RUNNING');
  expect(after).toMatchObject({
    Arn: before.Arn,
    Source: src.arn,
    Target: dst.arn,
    SourceParameters: { SqsQueueParameters: { BatchSize: 3 } },
    TargetParameters: before.TargetParameters,
    Tags: { env: 'test' },
    CreationTime: before.CreationTime,
  });
  expect((await pipes.send(new DescribePipeCommand({ Name: 'parked' }))).CurrentState).toBe('STOPPED');
  expect((await pipes.send(new ListPipesCommand({}))).Pipes!.map((p) => p.Name).sort()).toEqual(['kept', 'parked']);

  await sqs.send(new SendMessageCommand({ QueueUrl: src.url, MessageBody: JSON.stringify({ after: 'restart' }) }));
  const [m] = await receiveAll(sqs, dst.url, 1);
  expect(JSON.parse(m!.Body!)).toEqual({ copy: { after: 'restart' }, pipe: 'kept' });
});
