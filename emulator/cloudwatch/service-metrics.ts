import type { Clock } from '../core/clock';
import type { DeliveryBus, Hop } from '../core/delivery';
import { parseArn } from '../core/ids';
import { metricKey, type MetricId, type MetricStore } from './metrics';

/**
 * AWS/Lambda, AWS/SQS, AWS/SNS and AWS/Events metrics, derived from the hops the providers already record on the bus,
 * so no service reports to CloudWatch directly. CloudWatch Logs metric filters arrive the same way, as
 * `logs.metric` hops carrying their own namespace, name, dimensions, value and the log event's timestamp.
 * Queue depth gauges are sampled every minute of emulated time.
 */
const nameOf = (arn: unknown): string => (typeof arn === 'string' ? parseArn(arn)?.resource.split(':').pop() ?? arn : '');

/** The hop types this file turns into metrics: the bus skips building the others for us. */
const HOP_TYPES = [
  'lambda.invoke.start',
  'lambda.invoke.end',
  'lambda.invoke.error',
  'lambda.throttle',
  'lambda.dlq.failed',
  'sqs.send',
  'sqs.receive',
  'sqs.delete',
  'sns.publish',
  'sns.deliver',
  'sns.deliver.failed',
  'logs.metric',
  'events.match',
  'events.matched',
  'events.target.delivered',
  'events.target.failed',
  'events.target.exhausted',
  'events.dlq',
  'events.dlq.failed',
];

/** A rule's bus and name from its ARN: `…:rule/<name>` on the default bus, `…:rule/<bus>/<name>` on another. */
function ruleOf(ruleArn: unknown): { bus: string; rule: string } {
  const path = (typeof ruleArn === 'string' ? parseArn(ruleArn)?.resource ?? '' : '').replace(/^rule\//, '').split('/');
  return path.length > 1 ? { bus: path[0]!, rule: path[1]! } : { bus: 'default', rule: path[0]! };
}

export function recordServiceMetrics(bus: DeliveryBus, store: MetricStore, clock: Clock): () => void {
  const running = new Map<string, number>();
  // Every SQS send, receive and delete and every SNS publish lands here: the metric ids (and their keys) are
  // made once per queue or topic and metric, not once per request.
  const series = new Map<string, { id: MetricId; key: string }>();
  const seriesOf = (namespace: string, name: string, dimension: string | undefined, value: string) => {
    const cacheKey = `${namespace}\u0000${name}\u0000${dimension ?? ''}\u0000${value}`;
    let s = series.get(cacheKey);
    if (!s) {
      const id: MetricId = { namespace, name, dimensions: dimension === undefined ? [] : [{ Name: dimension, Value: value }] };
      series.set(cacheKey, (s = { id, key: metricKey(id) }));
    }
    return s;
  };
  const names = new Map<unknown, string>();
  const cachedNameOf = (arn: unknown): string => {
    let n = names.get(arn);
    if (n === undefined) names.set(arn, (n = nameOf(arn)));
    return n;
  };
  // The store copies an id when it starts a series and its listeners only read it, so one id serves every observation.
  const observe = (s: { id: MetricId; key: string }, value: number, unit: string) => store.observe(s.id, clock.now(), value, unit, s.key);
  const lambda = (fn: string, name: string, value: number, unit = 'Count') => {
    observe(seriesOf('AWS/Lambda', name, 'FunctionName', fn), value, unit);
    observe(seriesOf('AWS/Lambda', name, undefined, ''), value, unit);
  };
  const sqs = (queueArn: unknown, name: string, value = 1) => observe(seriesOf('AWS/SQS', name, 'QueueName', cachedNameOf(queueArn)), value, 'Count');
  const sns = (topicArn: unknown, name: string) => observe(seriesOf('AWS/SNS', name, 'TopicName', cachedNameOf(topicArn)), 1, 'Count');

  // AWS/Events: a rule's metrics carry RuleName alone on the default bus, EventBusName and RuleName on another.
  const eventsSeries = new Map<string, { id: MetricId; key: string }>();
  const eventsOf = (name: string, dims: [string, string][]) => {
    const cacheKey = `${name}\u0000${dims.map((d) => d.join('=')).join('\u0000')}`;
    let s = eventsSeries.get(cacheKey);
    if (!s) {
      const id: MetricId = { namespace: 'AWS/Events', name, dimensions: dims.map(([Name, Value]) => ({ Name, Value })) };
      eventsSeries.set(cacheKey, (s = { id, key: metricKey(id) }));
    }
    return s;
  };
  const ruleDims = (bus: string, rule: string): [string, string][] => (bus === 'default' ? [['RuleName', rule]] : [['EventBusName', bus], ['RuleName', rule]]);
  /** One count on each of `scopes`: 'all' (no dimension), 'bus' (EventBusName), 'rule' (RuleName [+ EventBusName]). */
  const events = (name: string, bus: string, rule: string | undefined, scopes: ('all' | 'bus' | 'rule')[], value = 1) => {
    for (const scope of scopes) {
      if (scope === 'rule' && rule === undefined) continue;
      const dims: [string, string][] = scope === 'all' ? [] : scope === 'bus' ? [['EventBusName', bus]] : ruleDims(bus, rule!);
      observe(eventsOf(name, dims), value, 'Count');
    }
  };
  const ruleEvent = (hop: Hop, name: string, scopes: ('all' | 'bus' | 'rule')[]) => {
    const { bus, rule } = ruleOf(hop.ruleArn);
    events(name, bus, rule, scopes);
  };

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
      case 'events.match':
        events('TriggeredRules', String(hop.eventBus ?? 'default'), String(hop.rule), ['rule']);
        break;
      case 'events.matched':
        events('MatchedEvents', String(hop.eventBus ?? 'default'), undefined, ['all', 'bus']);
        break;
      case 'events.target.delivered':
        ruleEvent(hop, 'InvocationAttempts', ['all', 'bus', 'rule']);
        ruleEvent(hop, 'Invocations', ['all', 'rule']);
        break;
      case 'events.target.failed':
        ruleEvent(hop, 'InvocationAttempts', ['all', 'bus', 'rule']);
        break;
      case 'events.target.exhausted':
        // A target never called is a DeadLetterInvocation; one whose attempts all failed, an invocation that failed for good.
        if (hop.invoked === false) ruleEvent(hop, 'DeadLetterInvocations', ['rule']);
        else {
          ruleEvent(hop, 'Invocations', ['all', 'rule']);
          ruleEvent(hop, 'FailedInvocations', ['rule']);
        }
        break;
      case 'events.dlq':
        ruleEvent(hop, 'InvocationsSentToDlq', ['rule']);
        break;
      case 'events.dlq.failed':
        ruleEvent(hop, 'InvocationsFailedToBeSentToDlq', ['rule']);
        break;
      case 'logs.metric': {
        const id: MetricId = { namespace: String(hop.namespace), name: String(hop.metricName), dimensions: (hop.dimensions as MetricId['dimensions']) ?? [] };
        const at = typeof hop.timestamp === 'number' ? hop.timestamp : clock.now();
        store.observe(id, at, Number(hop.value), typeof hop.unit === 'string' ? hop.unit : undefined);
        break;
      }
    }
  };
  const unsubscribe = bus.onHop(onHop, HOP_TYPES);

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
