import type { Clock } from '../core/clock';
import type { DeliveryBus, Hop } from '../core/delivery';
import { parseArn } from '../core/ids';
import type { MetricStore } from './metrics';

/**
 * AWS/Lambda, AWS/SQS and AWS/SNS metrics, derived from the hops the providers already record on the bus,
 * so no service reports to CloudWatch directly. Queue depth gauges are sampled every minute of emulated time.
 */
const nameOf = (arn: unknown): string => (typeof arn === 'string' ? parseArn(arn)?.resource.split(':').pop() ?? arn : '');

export function recordServiceMetrics(bus: DeliveryBus, store: MetricStore, clock: Clock): () => void {
  const running = new Map<string, number>();
  const lambda = (fn: string, name: string, value: number, unit = 'Count') => {
    store.observe({ namespace: 'AWS/Lambda', name, dimensions: [{ Name: 'FunctionName', Value: fn }] }, clock.now(), value, unit);
    store.observe({ namespace: 'AWS/Lambda', name, dimensions: [] }, clock.now(), value, unit);
  };
  const sqs = (queueArn: unknown, name: string, value = 1) =>
    store.observe({ namespace: 'AWS/SQS', name, dimensions: [{ Name: 'QueueName', Value: nameOf(queueArn) }] }, clock.now(), value, 'Count');
  const sns = (topicArn: unknown, name: string) =>
    store.observe({ namespace: 'AWS/SNS', name, dimensions: [{ Name: 'TopicName', Value: nameOf(topicArn) }] }, clock.now(), 1, 'Count');

  const onHop = (hop: Hop) => {
    const fn = String(hop.functionName ?? nameOf(hop.functionArn));
    switch (hop.type) {
      case 'lambda.invoke.start': {
        const n = (running.get(fn) ?? 0) + 1;
        running.set(fn, n);
        lambda(fn, 'Invocations', 1);
        lambda(fn, 'ConcurrentExecutions', n);
        break;
      }
      case 'lambda.invoke.end':
      case 'lambda.invoke.error': {
        running.set(fn, Math.max(0, (running.get(fn) ?? 1) - 1));
        if (typeof hop.durationMs === 'number') lambda(fn, 'Duration', hop.durationMs, 'Milliseconds');
        if (hop.type === 'lambda.invoke.error') lambda(fn, 'Errors', 1);
        break;
      }
      case 'lambda.throttle':
        lambda(fn, 'Throttles', 1);
        break;
      case 'lambda.dlq.failed':
        lambda(fn, 'DeadLetterErrors', 1);
        break;
      case 'sqs.send':
        sqs(hop.queueArn, 'NumberOfMessagesSent');
        break;
      case 'sqs.receive':
        sqs(hop.queueArn, 'NumberOfMessagesReceived', typeof hop.count === 'number' ? hop.count : 1);
        break;
      case 'sqs.delete':
        sqs(hop.queueArn, 'NumberOfMessagesDeleted', typeof hop.count === 'number' ? hop.count : 1);
        break;
      case 'sns.publish':
        sns(hop.topicArn, 'NumberOfMessagesPublished');
        break;
      case 'sns.deliver':
        sns(hop.topicArn, 'NumberOfNotificationsDelivered');
        break;
      case 'sns.deliver.failed':
        sns(hop.topicArn, 'NumberOfNotificationsFailed');
        break;
    }
  };
  const unsubscribe = bus.onHop(onHop);

  // Depth gauges: the SQS provider answers `sqs.gauges` with one entry per queue.
  let timer = clock.setTimer(60_000, sample);
  function sample() {
    bus
      .ask<unknown, { queueArn: string; visible: number; notVisible: number; delayed: number; oldestAgeSeconds: number }[]>('sqs.gauges', {})
      .then((queues) => {
        for (const q of queues) {
          sqs(q.queueArn, 'ApproximateNumberOfMessagesVisible', q.visible);
          sqs(q.queueArn, 'ApproximateNumberOfMessagesNotVisible', q.notVisible);
          sqs(q.queueArn, 'ApproximateNumberOfMessagesDelayed', q.delayed);
          sqs(q.queueArn, 'ApproximateAgeOfOldestMessage', q.oldestAgeSeconds);
        }
      })
      .catch(() => undefined);
    timer = clock.setTimer(60_000, sample);
  }
  return () => {
    unsubscribe();
    timer.cancel();
  };
}
