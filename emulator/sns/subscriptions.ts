import type {
  ConfirmSubscriptionCommandInput,
  ConfirmSubscriptionCommandOutput,
  GetSubscriptionAttributesCommandInput,
  GetSubscriptionAttributesCommandOutput,
  ListSubscriptionsByTopicCommandInput,
  ListSubscriptionsByTopicCommandOutput,
  ListSubscriptionsCommandInput,
  ListSubscriptionsCommandOutput,
  SetSubscriptionAttributesCommandInput,
  SetSubscriptionAttributesCommandOutput,
  SubscribeCommandInput,
  SubscribeCommandOutput,
  UnsubscribeCommandInput,
  UnsubscribeCommandOutput,
} from '@aws-sdk/client-sns';
import type { RequestContext } from '../core/context';
import { parseArn, randomHex, uuid } from '../core/ids';
import type { ServiceDeps } from '../core/service';
import { E164 } from './sms';
import type { SnsDelivery } from './delivery';
import { checkFilterPolicy } from './filter';
import { page } from './paging';
import type { Out } from './publish';
import type { Protocol, Subscription, Topic } from './state';
import type { SnsStore } from './store';
import {
  invalidParameter,
  parseRedrivePolicy,
  subscriptionNotFound,
  validateSubscriptionAttribute,
  type FilterPolicyScope,
} from './validation';

/**
 * Subscribe, ConfirmSubscription, Unsubscribe, the subscription lists and attributes.
 *
 * Confirmation: sqs and lambda subscriptions are confirmed at once (as AWS does within one account); http/https
 * stay pending until ConfirmSubscription (the endpoint is POSTed a SubscriptionConfirmation with Token and
 * SubscribeURL; a GET of SubscribeURL confirms). email/email-json need a click on AWS; the emulator confirms
 * them at once so published messages reach the outbox, and keeps the confirmation message in the outbox too.
 */

const PROTOCOLS = new Set<Protocol>(['sqs', 'lambda', 'http', 'https', 'email', 'email-json', 'sms', 'application', 'firehose']);
const AUTO_CONFIRMED = new Set<Protocol>(['sqs', 'lambda', 'email', 'email-json', 'sms', 'application', 'firehose']);

function validateEndpoint(protocol: Protocol, endpoint: string | undefined, topic: Topic): string {
  if (!endpoint) throw invalidParameter('Endpoint Reason: no value for required parameter');
  const arnOf = (service: string) => {
    const parsed = parseArn(endpoint);
    return parsed && parsed.service === service ? parsed : undefined;
  };
  switch (protocol) {
    case 'sqs':
      if (!arnOf('sqs')) throw invalidParameter('SQS endpoint ARN');
      if (endpoint.endsWith('.fifo') && !topic.fifo) {
        throw invalidParameter('Invalid parameter: Endpoint Reason: FIFO SQS Queues can not be subscribed to standard SNS topics');
      }
      break;
    case 'lambda':
      if (!arnOf('lambda')) throw invalidParameter('Lambda endpoint ARN');
      break;
    case 'firehose':
      if (!arnOf('firehose')) throw invalidParameter('Firehose endpoint ARN');
      break;
    case 'application':
      if (!arnOf('sns')) throw invalidParameter('ApplicationEndpoint ARN');
      break;
    case 'http':
    case 'https': {
      let ok = endpoint.toLowerCase().startsWith(`${protocol}://`);
      try {
        new URL(endpoint);
      } catch {
        ok = false;
      }
      if (!ok) throw invalidParameter('Endpoint must match the specified protocol');
      break;
    }
    case 'email':
    case 'email-json':
      if (!/^[^@\s]+@[^@\s]+$/.test(endpoint)) throw invalidParameter('Email address');
      break;
    case 'sms':
      if (!E164.test(endpoint)) throw invalidParameter(`SMS endpoint`);
      break;
  }
  if (topic.fifo && protocol !== 'sqs' && protocol !== 'firehose') {
    throw invalidParameter(`Invalid protocol type: ${protocol}. FIFO topics support only Amazon SQS and Amazon Data Firehose subscriptions.`);
  }
  return endpoint;
}

export function subscriptionOperations(deps: ServiceDeps, store: SnsStore, delivery: SnsDelivery) {
  /** Normalizes and checks attributes (Subscribe: all at once; SetSubscriptionAttributes: one). */
  function checkAttributes(
    attrs: Record<string, string>,
    current: Record<string, string>,
    sub: { protocol: Protocol; topic: Topic; endpoint: string },
    phase: 'subscribe' | 'set',
  ): Record<string, string> {
    const out: Record<string, string> = {};
    const info = { protocol: sub.protocol, topicFifo: sub.topic.fifo, endpoint: sub.endpoint };
    for (const [name, value] of Object.entries(attrs)) {
      validateSubscriptionAttribute(name, value, info, phase);
      out[name] = name === 'RawMessageDelivery' ? value.toLowerCase() : value;
    }
    const merged = { ...current, ...out };
    // A policy is checked against the scope it will be used with (setting the scope re-checks the policy).
    if ('FilterPolicy' in out || 'FilterPolicyScope' in out) {
      const scope = (merged.FilterPolicyScope ?? 'MessageAttributes') as FilterPolicyScope;
      checkFilterPolicy(merged.FilterPolicy ?? '', scope, phase === 'subscribe');
    }
    if (out.RedrivePolicy) checkDeadLetterQueue(out.RedrivePolicy, sub.topic, phase);
    return out;
  }

  /** The DLQ must exist (checked through the bus as the account owner: its queue policy is a delivery-time matter). */
  function checkDeadLetterQueue(policy: string, topic: Topic, phase: 'subscribe' | 'set'): void {
    const prefix = phase === 'subscribe' ? 'Attributes Reason: ' : '';
    const dlq = parseRedrivePolicy(policy, { topicFifo: topic.fifo, endpoint: '' }, (d) => invalidParameter(`${prefix}${d}`));
    try {
      deps.bus.check(dlq, { principal: topic.accountId, sourceArn: topic.arn, sourceAccount: topic.accountId });
    } catch (err) {
      throw invalidParameter(`${prefix}RedrivePolicy: deadLetterTargetArn ${dlq} is not usable: ${(err as Error).message}`);
    }
  }

  function findSubscription(arn: string | undefined): Subscription {
    if (!arn) throw invalidParameter('SubscriptionArn Reason: no value for required parameter');
    if (!parseArn(arn)) throw invalidParameter('SubscriptionArn');
    const sub = store.subscription(arn);
    if (!sub) throw subscriptionNotFound();
    return sub;
  }

  const listEntry = (s: Subscription) => ({
    SubscriptionArn: s.pending ? 'PendingConfirmation' : s.arn,
    Owner: s.owner,
    Protocol: s.protocol,
    Endpoint: s.endpoint,
    TopicArn: s.topicArn,
  });

  return {
    async Subscribe(input: SubscribeCommandInput, ctx: RequestContext): Promise<Out<SubscribeCommandOutput>> {
      const topic = store.topic(input.TopicArn, ctx);
      const protocol = input.Protocol as Protocol;
      if (!protocol) throw invalidParameter('Protocol Reason: no value for required parameter');
      if (!PROTOCOLS.has(protocol)) throw invalidParameter(`Amazon SNS does not support this protocol string: ${protocol}`);
      const endpoint = validateEndpoint(protocol, input.Endpoint, topic);
      const attributes = checkAttributes(input.Attributes ?? {}, {}, { protocol, topic, endpoint }, 'subscribe');
      const answer = (s: Subscription) => ({
        SubscriptionArn: s.pending && !input.ReturnSubscriptionArn ? 'pending confirmation' : s.arn,
      });

      // Subscribing the same endpoint again returns the existing subscription, unless the attributes differ.
      for (const arn of topic.subscriptions) {
        const existing = store.subscription(arn);
        if (!existing || existing.protocol !== protocol || existing.endpoint !== endpoint) continue;
        for (const [k, v] of Object.entries(attributes)) {
          if ((existing.attributes[k] ?? (k === 'RawMessageDelivery' ? 'false' : undefined)) !== v) {
            throw invalidParameter('Attributes Reason: Subscription already exists with different attributes');
          }
        }
        return answer(existing);
      }

      const sub: Subscription = {
        arn: `${topic.arn}:${uuid()}`,
        topicArn: topic.arn,
        protocol,
        endpoint,
        owner: ctx.accountId,
        attributes,
        pending: !AUTO_CONFIRMED.has(protocol),
        confirmationWasAuthenticated: AUTO_CONFIRMED.has(protocol),
        token: randomHex(128),
      };
      store.subscriptions.set(sub.arn, sub);
      store.tokens.set(sub.token, sub.arn);
      topic.subscriptions.push(sub.arn);
      deps.bus.record({ type: 'sns.subscribe', topicArn: topic.arn, subscriptionArn: sub.arn, protocol, endpoint, pending: sub.pending });
      const messageId = uuid();
      if (protocol === 'http' || protocol === 'https' || protocol === 'email' || protocol === 'email-json') {
        delivery.sendConfirmation(sub, topic, messageId, ctx.endpoint);
      }
      return answer(sub);
    },

    async ConfirmSubscription(input: ConfirmSubscriptionCommandInput, ctx: RequestContext): Promise<Out<ConfirmSubscriptionCommandOutput>> {
      const topic = store.topic(input.TopicArn);
      const arn = input.Token ? store.tokens.get(input.Token) : undefined;
      const sub = arn ? store.subscription(arn) : undefined;
      if (!sub || sub.topicArn !== topic.arn) throw invalidParameter('Token');
      if (sub.pending) {
        sub.pending = false;
        // Authenticated: the call was signed (a GET of SubscribeURL is not).
        sub.confirmationWasAuthenticated = ctx.accessKeyId !== 'anonymous' || input.AuthenticateOnUnsubscribe === 'true';
        deps.bus.record({ type: 'sns.confirm', topicArn: topic.arn, subscriptionArn: sub.arn });
      }
      return { SubscriptionArn: sub.arn };
    },

    async Unsubscribe(input: UnsubscribeCommandInput, _ctx?: RequestContext): Promise<Out<UnsubscribeCommandOutput>> {
      const arn = input.SubscriptionArn;
      if (!arn) throw invalidParameter('SubscriptionArn Reason: no value for required parameter');
      const parsed = parseArn(arn);
      if (!parsed) throw invalidParameter(`SubscriptionArn Reason: An ARN must have at least 6 elements, not ${arn.split(':').length}`);
      if (!parsed.resource.includes(':')) throw invalidParameter('SubscriptionId');
      // Unsubscribing twice is not an error.
      if (store.removeSubscription(arn)) deps.bus.record({ type: 'sns.unsubscribe', subscriptionArn: arn });
      return {};
    },

    async ListSubscriptions(input: ListSubscriptionsCommandInput, ctx: RequestContext): Promise<Out<ListSubscriptionsCommandOutput>> {
      const p = page(store.subscriptionsIn(ctx), input.NextToken);
      return { Subscriptions: p.items.map(listEntry), ...(p.nextToken ? { NextToken: p.nextToken } : {}) };
    },

    async ListSubscriptionsByTopic(
      input: ListSubscriptionsByTopicCommandInput,
      ctx: RequestContext,
    ): Promise<Out<ListSubscriptionsByTopicCommandOutput>> {
      const topic = store.topic(input.TopicArn, ctx);
      const subs = topic.subscriptions.map((a) => store.subscription(a)).filter((s): s is Subscription => !!s);
      const p = page(subs, input.NextToken);
      return { Subscriptions: p.items.map(listEntry), ...(p.nextToken ? { NextToken: p.nextToken } : {}) };
    },

    async GetSubscriptionAttributes(input: GetSubscriptionAttributesCommandInput, _ctx?: RequestContext): Promise<Out<GetSubscriptionAttributesCommandOutput>> {
      return { Attributes: store.subscriptionAttributes(findSubscription(input.SubscriptionArn)) };
    },

    async SetSubscriptionAttributes(input: SetSubscriptionAttributesCommandInput, _ctx?: RequestContext): Promise<Out<SetSubscriptionAttributesCommandOutput>> {
      const sub = findSubscription(input.SubscriptionArn);
      const topic = store.findTopic(sub.topicArn);
      if (!topic) throw subscriptionNotFound();
      const name = input.AttributeName ?? '';
      const value = input.AttributeValue ?? '';
      const checked = checkAttributes({ [name]: value }, sub.attributes, { protocol: sub.protocol, topic, endpoint: sub.endpoint }, 'set');
      for (const [k, v] of Object.entries(checked)) {
        if (v === '' && k !== 'FilterPolicyScope') delete sub.attributes[k];
        else sub.attributes[k] = v;
      }
      return {};
    },
  };
}
