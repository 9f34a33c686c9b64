import { CloudWatchClient, PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { waitFor } from '../../harness/wait';
import { clientConfig, useEmulator } from '../helpers/emulator';
import { deployNode, lambdaClient } from '../lambda/helpers';

// At this scale a CloudWatch minute is 60 ms: queue depth is sampled and alarms re-evaluated that often.
const emulator = useEmulator({ timeScale: 0.001 });

describe('three alarms firing into the alert topic', () => {
  it('function errors ≥ 1, DLQ depth > 5 and average duration over a threshold each publish an ALARM notification', async () => {
    const sqs = new SQSClient(clientConfig(emulator()));
    const sns = new SNSClient(clientConfig(emulator()));
    const cw = new CloudWatchClient(clientConfig(emulator()));
    const lambda = lambdaClient(emulator());
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'alarm-alerts' }));
    const probe = (await sqs.send(new CreateQueueCommand({ QueueName: 'alarm-probe' }))).QueueUrl!;
    const probeArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: probe, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: probeArn, Attributes: { RawMessageDelivery: 'true' } }));
    const dlq = (await sqs.send(new CreateQueueCommand({ QueueName: 'alarm-dlq' }))).QueueUrl!;
    await deployNode(lambda, 'alarm-fn', `exports.handler = async (e) => { if (e.fail) throw new Error('boom'); return 'ok'; };`);

    const alarm = (name: string, metric: Record<string, unknown>) =>
      cw.send(new PutMetricAlarmCommand({ AlarmName: name, Period: 60, EvaluationPeriods: 1, AlarmActions: [TopicArn!], ...metric } as any));
    await alarm('fn-errors', { Namespace: 'AWS/Lambda', MetricName: 'Errors', Dimensions: [{ Name: 'FunctionName', Value: 'alarm-fn' }], Statistic: 'Sum', Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
    await alarm('dlq-depth', { Namespace: 'AWS/SQS', MetricName: 'ApproximateNumberOfMessagesVisible', Dimensions: [{ Name: 'QueueName', Value: 'alarm-dlq' }], Statistic: 'Maximum', Threshold: 5, ComparisonOperator: 'GreaterThanThreshold' });
    await alarm('fn-duration', { Namespace: 'AWS/Lambda', MetricName: 'Duration', Dimensions: [{ Name: 'FunctionName', Value: 'alarm-fn' }], Statistic: 'Average', Threshold: 0.001, ComparisonOperator: 'GreaterThanThreshold' });

    const failed = await lambda.send(new InvokeCommand({ FunctionName: 'alarm-fn', Payload: Buffer.from('{"fail":true}') }));
    expect(failed.FunctionError).toBe('Unhandled');
    for (let i = 0; i < 6; i++) await sqs.send(new SendMessageCommand({ QueueUrl: dlq, MessageBody: `dead ${i}` }));

    const fired = new Map<string, { NewStateValue: string; Trigger: { MetricName: string } }>();
    await waitFor(
      async () => {
        const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl: probe, MaxNumberOfMessages: 10 }));
        for (const m of r.Messages ?? []) {
          const n = JSON.parse(m.Body!);
          if (n.NewStateValue === 'ALARM') fired.set(n.AlarmName, n);
          await sqs.send(new DeleteMessageCommand({ QueueUrl: probe, ReceiptHandle: m.ReceiptHandle! }));
        }
        return fired.size === 3;
      },
      { timeoutMs: 20_000, what: 'three ALARM notifications', describe: () => JSON.stringify([...fired.keys()]) },
    );
    expect(fired.get('fn-errors')?.Trigger.MetricName).toBe('Errors');
    expect(fired.get('dlq-depth')?.Trigger.MetricName).toBe('ApproximateNumberOfMessagesVisible');
    expect(fired.get('fn-duration')?.Trigger.MetricName).toBe('Duration');
  });
});
