import type { Clock } from '../core/clock';
import type { DeliveryBus, Hop } from '../core/delivery';
import { parseArn } from '../core/ids';
import { scopeOfArn, type Scope as ResourceScope } from '../core/scope';
import { metricKey, type MetricId, type MetricStore } from './metrics';

/**
 * AWS/Lambda, AWS/SQS, AWS/SNS and AWS/Events metrics, derived from the hops the providers already record on the bus,
 * so no service reports to CloudWatch directly. CloudWatch Logs metric filters arrive the same way, as
 * `logs.metric` hops carrying their own namespace, name, dimensions, value and the log event's timestamp.
 * Queue depth gauges are sampled every minute of emulated time. A metric goes to the store of its resource's account
 * and Region (read from the queue's, topic's, function's, bus's or rule's ARN, or the log group's scope).
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

/** The AWS/Events series a count goes to: 'all' (no dimension), 'bus' (EventBusName), 'rule' (RuleName [+ EventBusName]). */
type Scope = 'all' | 'bus' | 'rule';
const RULE: readonly Scope[] = ['rule'];
const ALL_RULE: readonly Scope[] = ['all', 'rule'];
const ALL_BUS: readonly Scope[] = ['all', 'bus'];
const ALL_BUS_RULE: readonly Scope[] = ['all', 'bus', 'rule'];

/** A rule's bus and name from its ARN: `…:rule/<name>` on the default bus, `…:rule/<bus>/<name>` on another. */
function ruleOf(ruleArn: unknown): { bus: string; rule: string } {
  const path = (typeof ruleArn === 'string' ? parseArn(ruleArn)?.resource ?? '' : '').replace(/^rule\//, '').split('/');
  return path.length > 1 ? { bus: path[0]!, rule: path[1]! } : { bus: 'default', rule: path[0]! };
}

/** The metric store of an account and Region (undefined: the emulator's own). */
export type StoreFor = (scope: ResourceScope | undefined) => MetricStore;

export function recordServiceMetrics(bus: DeliveryBus, storeFor: StoreFor, clock: Clock): () => void {
  /** Running invocations by function ARN (or name, for a hop without one). */
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
  /** A resource's name and the store its metrics go to, by its ARN. */
  const resources = new Map<unknown, { name: string; store: MetricStore }>();
  const resourceOf = (arn: unknown) => {
    let r = resources.get(arn);
    if (r === undefined) resources.set(arn, (r = { name: nameOf(arn), store: storeFor(typeof arn === 'string' ? scopeOfArn(arn) : undefined) }));
    return r;
  };
  // The store copies an id when it starts a series and its listeners only read it, so one id serves every observation.
  const observe = (store: MetricStore, s: { id: MetricId; key: string }, value: number, unit: string) => store.observe(s.id, clock.now(), value, unit, s.key);
  const lambda = (hop: Hop, fn: string, name: string, value: number, unit = 'Count') => {
    const store = resourceOf(hop.functionArn).store;
    observe(store, seriesOf('AWS/Lambda', name, 'FunctionName', fn), value, unit);
    observe(store, seriesOf('AWS/Lambda', name, undefined, ''), value, unit);
  };
  const sqs = (queueArn: unknown, name: string, value = 1) => {
    const queue = resourceOf(queueArn);
    observe(queue.store, seriesOf('AWS/SQS', name, 'QueueName', queue.name), value, 'Count');
  };
  const sns = (topicArn: unknown, name: string) => {
    const topic = resourceOf(topicArn);
    observe(topic.store, seriesOf('AWS/SNS', name, 'TopicName', topic.name), 1, 'Count');
  };

  // AWS/Events: a rule's metrics carry RuleName alone on the default bus, EventBusName and RuleName on another.
  // Every routed event lands here several times: the series of a metric, bus, rule and scopes are resolved once.
  const eventsSeries = new Map<readonly Scope[], Map<string, { id: MetricId; key: string }[]>>();
  const eventsSeriesOf = (name: string, bus: string, rule: string | undefined, scopes: readonly Scope[]) => {
    let byScopes = eventsSeries.get(scopes);
    if (!byScopes) eventsSeries.set(scopes, (byScopes = new Map()));
    const cacheKey = `${name}\u0000${bus}\u0000${rule ?? ''}`;
    let list = byScopes.get(cacheKey);
    if (!list) {
      list = [];
      for (const scope of scopes) {
        if (scope === 'rule' && rule === undefined) continue;
        const dims: [string, string][] = scope === 'all' ? [] : scope === 'bus' ? [['EventBusName', bus]] : bus === 'default' ? [['RuleName', rule!]] : [['EventBusName', bus], ['RuleName', rule!]];
        const id: MetricId = { namespace: 'AWS/Events', name, dimensions: dims.map(([Name, Value]) => ({ Name, Value })) };
        list.push({ id, key: metricKey(id) });
      }
      byScopes.set(cacheKey, list);
    }
    return list;
  };
  /** One count on each series of `scopes`, in the store of the bus's or rule's (ARN) account and Region. */
  const events = (arn: unknown, name: string, bus: string, rule: string | undefined, scopes: readonly Scope[]) => {
    const store = resourceOf(arn).store;
    for (const s of eventsSeriesOf(name, bus, rule, scopes)) observe(store, s, 1, 'Count');
  };
  const rules = new Map<unknown, { bus: string; rule: string }>();
  const ruleEvent = (hop: Hop, name: string, scopes: readonly Scope[]) => {
    let r = rules.get(hop.ruleArn);
    if (!r) rules.set(hop.ruleArn, (r = ruleOf(hop.ruleArn)));
    events(hop.ruleArn, name, r.bus, r.rule, scopes);
  };

  const onHop = (hop: Hop) => {
    // Only Lambda's hops name a function (most hops here are SQS and EventBridge ones, several per event).
    const fn = hop.type.startsWith('lambda.') ? String(hop.functionName ?? nameOf(hop.functionArn)) : '';
    const fnKey = String(hop.functionArn ?? fn);
    switch (hop.type) {
      case 'lambda.invoke.start': {
        const n = (running.get(fnKey) ?? 0) + 1;
        running.set(fnKey, n);
        lambda(hop, fn, 'Invocations', 1);
        lambda(hop, fn, 'ConcurrentExecutions', n);
        break;
      }
      case 'lambda.invoke.end':
      case 'lambda.invoke.error': {
        running.set(fnKey, Math.max(0, (running.get(fnKey) ?? 1) - 1));
        if (typeof hop.durationMs === 'number') lambda(hop, fn, 'Duration', hop.durationMs, 'Milliseconds');
        if (hop.type === 'lambda.invoke.error') lambda(hop, fn, 'Errors', 1);
        break;
      }
      case 'lambda.throttle':
        lambda(hop, fn, 'Throttles', 1);
        break;
      case 'lambda.dlq.failed':
        lambda(hop, fn, 'DeadLetterErrors', 1);
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
      case 'events.match': {
        // AWS lists TriggeredRules by EventBusName, RuleName and without dimensions, MatchedEvents also by RuleName.
        const b = String(hop.eventBus ?? 'default');
        events(hop.busArn, 'TriggeredRules', b, String(hop.rule), ALL_BUS_RULE);
        events(hop.busArn, 'MatchedEvents', b, String(hop.rule), RULE);
        break;
      }
      case 'events.matched':
        events(hop.busArn, 'MatchedEvents', String(hop.eventBus ?? 'default'), undefined, ALL_BUS);
        break;
      case 'events.target.delivered':
        ruleEvent(hop, 'InvocationAttempts', ALL_BUS_RULE);
        ruleEvent(hop, 'Invocations', ALL_RULE);
        break;
      case 'events.target.failed':
        ruleEvent(hop, 'InvocationAttempts', ALL_BUS_RULE);
        break;
      case 'events.target.exhausted':
        // A target never called is a DeadLetterInvocation; one whose attempts all failed, an invocation that failed for good.
        if (hop.invoked === false) ruleEvent(hop, 'DeadLetterInvocations', RULE);
        else {
          ruleEvent(hop, 'Invocations', ALL_RULE);
          ruleEvent(hop, 'FailedInvocations', RULE);
        }
        break;
      case 'events.dlq':
        ruleEvent(hop, 'InvocationsSentToDlq', RULE);
        break;
      case 'events.dlq.failed':
        ruleEvent(hop, 'InvocationsFailedToBeSentToDlq', RULE);
        break;
      case 'logs.metric': {
        const id: MetricId = { namespace: String(hop.namespace), name: String(hop.metricName), dimensions: (hop.dimensions as MetricId['dimensions']) ?? [] };
        const at = typeof hop.timestamp === 'number' ? hop.timestamp : clock.now();
        storeFor(hop.scope as ResourceScope | undefined).observe(id, at, Number(hop.value), typeof hop.unit === 'string' ? hop.unit : undefined);
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
