import { CloudWatchClient, GetMetricStatisticsCommand, ListMetricsCommand, type Dimension } from '@aws-sdk/client-cloudwatch';
import { CreateEventBusCommand, EventBridgeClient, PutEventsCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { waitFor } from '../../harness/wait';
import { clientConfig, useEmulator } from '../helpers/emulator';

/**
 * AWS/Events metrics, with AWS's dimensions: a rule on the default bus is named by RuleName alone, one on another bus
 * by EventBusName and RuleName; MatchedEvents and Invocations also have a series without dimensions.
 */
const emulator = useEmulator({ timeScale: 0.001 });
const DAY = 86_400_000;

it('publishes matches, invocations, failures and dead-letter sends per rule', async () => {
  const eb = new EventBridgeClient(clientConfig(emulator()));
  const sqs = new SQSClient(clientConfig(emulator()));
  const cw = new CloudWatchClient(clientConfig(emulator()));
  const queueArn = (name: string) => `arn:aws:sqs:us-east-1:000000000000:${name}`;
  await sqs.send(new CreateQueueCommand({ QueueName: 'm-target' }));
  await sqs.send(new CreateQueueCommand({ QueueName: 'm-dlq' }));
  await eb.send(new CreateEventBusCommand({ Name: 'm-bus' }));
  const pattern = JSON.stringify({ source: ['metrics.test'] });

  // Custom bus: delivered.
  await eb.send(new PutRuleCommand({ Name: 'to-queue', EventBusName: 'm-bus', EventPattern: pattern }));
  await eb.send(new PutTargetsCommand({ Rule: 'to-queue', EventBusName: 'm-bus', Targets: [{ Id: 'q', Arn: queueArn('m-target') }] }));
  // Default bus: the queue does not exist (fails for good), the event goes to the DLQ.
  await eb.send(new PutRuleCommand({ Name: 'to-missing', EventPattern: pattern }));
  await eb.send(
    new PutTargetsCommand({ Rule: 'to-missing', Targets: [{ Id: 'gone', Arn: queueArn('m-nowhere'), RetryPolicy: { MaximumRetryAttempts: 0 }, DeadLetterConfig: { Arn: queueArn('m-dlq') } }] }),
  );
  // Default bus: a log group target whose transformer does not make a log event is never invoked; its DLQ does not exist either.
  await eb.send(new PutRuleCommand({ Name: 'never-called', EventPattern: pattern }));
  await eb.send(
    new PutTargetsCommand({
      Rule: 'never-called',
      Targets: [
        {
          Id: 'logs',
          Arn: 'arn:aws:logs:us-east-1:000000000000:log-group:m-logs',
          InputTransformer: { InputTemplate: '"not a log event"' },
          DeadLetterConfig: { Arn: queueArn('m-no-dlq') },
        },
      ],
    }),
  );

  await eb.send(new PutEventsCommand({ Entries: [{ Source: 'metrics.test', DetailType: 't', Detail: '{}', EventBusName: 'm-bus' }, { Source: 'metrics.test', DetailType: 't', Detail: '{}' }] }));
  await eb.send(new PutEventsCommand({ Entries: [{ Source: 'unmatched', DetailType: 't', Detail: '{}' }] }));

  const sum = async (name: string, dims: Record<string, string>) => {
    const Dimensions: Dimension[] = Object.entries(dims).map(([Name, Value]) => ({ Name, Value }));
    const now = Date.now();
    const stats = await cw.send(
      new GetMetricStatisticsCommand({ Namespace: 'AWS/Events', MetricName: name, Dimensions, StartTime: new Date(now - DAY), EndTime: new Date(now + 2 * DAY), Period: 3 * 86_400, Statistics: ['Sum'] }),
    );
    return stats.Datapoints?.reduce((n, d) => n + (d.Sum ?? 0), 0) ?? 0;
  };
  const expected: [string, Record<string, string>, number][] = [
    ['MatchedEvents', {}, 2],
    ['MatchedEvents', { EventBusName: 'm-bus' }, 1],
    ['TriggeredRules', { EventBusName: 'm-bus', RuleName: 'to-queue' }, 1],
    ['TriggeredRules', { RuleName: 'to-missing' }, 1],
    ['TriggeredRules', { RuleName: 'never-called' }, 1],
    ['Invocations', {}, 2],
    ['Invocations', { EventBusName: 'm-bus', RuleName: 'to-queue' }, 1],
    ['Invocations', { RuleName: 'to-missing' }, 1],
    ['InvocationAttempts', {}, 2],
    ['FailedInvocations', { RuleName: 'to-missing' }, 1],
    ['InvocationsSentToDlq', { RuleName: 'to-missing' }, 1],
    ['DeadLetterInvocations', { RuleName: 'never-called' }, 1],
    ['InvocationsFailedToBeSentToDlq', { RuleName: 'never-called' }, 1],
  ];
  const actual = async () => Promise.all(expected.map(async ([name, dims]) => [name, dims, await sum(name, dims)] as const));
  await waitFor(async () => JSON.stringify(await actual()) === JSON.stringify(expected), { timeoutMs: 5000, what: 'AWS/Events metrics' }).catch(() => undefined);
  expect(await actual()).toEqual(expected);

  // No failure on the custom bus's rule, and rules on the default bus carry no EventBusName.
  expect(await sum('FailedInvocations', { EventBusName: 'm-bus', RuleName: 'to-queue' })).toBe(0);
  const listed = await cw.send(new ListMetricsCommand({ Namespace: 'AWS/Events', MetricName: 'TriggeredRules' }));
  expect(listed.Metrics!.filter((m) => m.Dimensions!.some((d) => d.Value === 'to-missing')).map((m) => m.Dimensions)).toEqual([[{ Name: 'RuleName', Value: 'to-missing' }]]);
  eb.destroy();
  sqs.destroy();
  cw.destroy();
});
