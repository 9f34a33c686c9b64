import { AddPermissionCommand } from '@aws-sdk/client-lambda';
import { CreateTopicCommand, PublishCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { waitFor } from '../../harness/wait';
import { clientConfig, useEmulator } from '../helpers/emulator';
import { deployNode, lambdaClient, recordHops, uniqueName } from './helpers';

const emulator = useEmulator({ timeScale: 0.001 });

describe('recursive loop detection through SNS', () => {
  it('stops a function that publishes to the topic that invokes it after 16 invocations', async () => {
    const lambda = lambdaClient(emulator());
    const sns = new SNSClient(clientConfig(emulator()));
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: uniqueName('loop-topic') }));
    const name = uniqueName('sns-looper');
    const arn = await deployNode(
      lambda,
      name,
      `const { SNSClient, PublishCommand } = require('@aws-sdk/client-sns');
const sns = new SNSClient({});
exports.handler = async () => {
  await sns.send(new PublishCommand({ TopicArn: process.env.TOPIC_ARN, Message: 'again' }));
};`,
      { Environment: { Variables: { TOPIC_ARN: TopicArn! } }, Timeout: 10 },
    );
    await lambda.send(new AddPermissionCommand({ FunctionName: name, StatementId: 'sns', Action: 'lambda:InvokeFunction', Principal: 'sns.amazonaws.com', SourceArn: TopicArn }));
    await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'lambda', Endpoint: arn }));
    const hops = recordHops(emulator());
    try {
      await sns.send(new PublishCommand({ TopicArn, Message: 'start' }));
      const stop = await waitFor(() => hops.of('lambda.recursion', name)[0], { what: 'the loop through SNS to be detected', timeoutMs: 30_000 });
      expect(stop.count).toBe(17);
      expect(hops.of('lambda.invoke.start', name).length).toBe(16);
    } finally {
      hops.stop();
    }
  });
});
