import { DescribePipeCommand, PipesClient, type DescribePipeCommandOutput } from '@aws-sdk/client-pipes';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { RunningEmulator } from '../../emulator';
import { waitFor } from '../../harness/wait';
import { clientConfig } from '../helpers/emulator';

export const ROLE = 'arn:aws:iam::000000000000:role/pipes-role';

export function pipesClient(emu: RunningEmulator): PipesClient {
  return new PipesClient({ ...clientConfig(emu), maxAttempts: 1 });
}

/** Waits until the pipe is in `state` (a client polling DescribePipe, as deploy scripts do). */
export async function waitForState(pipes: PipesClient, name: string, state: string): Promise<DescribePipeCommandOutput> {
  return waitFor(
    async () => {
      const d = await pipes.send(new DescribePipeCommand({ Name: name }));
      return d.CurrentState === state ? d : undefined;
    },
    { what: `pipe ${name} to be ${state}` },
  );
}

export async function createQueue(sqs: SQSClient, name: string, attributes: Record<string, string> = {}): Promise<{ url: string; arn: string }> {
  const url = (await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }))).QueueUrl!;
  const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
  return { url, arn };
}

/** Receives (and keeps) messages until `count` have arrived, by message id. */
export async function receiveAll(sqs: SQSClient, url: string, count: number): Promise<{ Body?: string; MessageId?: string; Attributes?: Record<string, string> }[]> {
  const seen = new Map<string, { Body?: string; MessageId?: string; Attributes?: Record<string, string> }>();
  await waitFor(
    async () => {
      const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, VisibilityTimeout: 600, MessageSystemAttributeNames: ['All'] }));
      for (const m of out.Messages ?? []) seen.set(m.MessageId!, m);
      return seen.size >= count;
    },
    { what: `${count} message(s) in ${url}`, describe: () => `got ${seen.size}` },
  );
  return [...seen.values()];
}
