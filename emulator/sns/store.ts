import type { RequestContext } from '../core/context';
import { defaultTopicPolicy } from './policy';
import { effectiveDeliveryPolicy } from './retry';
import type { SandboxNumber } from './sms-sandbox';
import type { PlatformApplication, PlatformEndpoint, Subscription, Topic } from './state';
import { invalidParameter, parseTopicArn, topicNotFound } from './validation';

/** Topics and subscriptions by ARN, confirmation tokens, and the attribute views GetTopicAttributes returns. */
export class SnsStore {
  readonly topics = new Map<string, Topic>();
  readonly subscriptions = new Map<string, Subscription>();
  /** Confirmation token → subscription ARN. */
  readonly tokens = new Map<string, string>();
  /** SetSMSAttributes, by `account:region`. */
  readonly smsAttributes = new Map<string, Record<string, string>>();
  /** SMS sandbox destination numbers, by `account:region:phone` (sms-sandbox.ts). */
  readonly sandboxNumbers = new Map<string, SandboxNumber>();
  /** Mobile push: platform applications and their device endpoints, by ARN (platform.ts). */
  readonly platformApplications = new Map<string, PlatformApplication>();
  readonly platformEndpoints = new Map<string, PlatformEndpoint>();
  /** Well-formed topic ARNs seen → their Region (every Publish names its topic; parsing it each time showed). */
  private readonly validArnRegions = new Map<string, string>();

  reset(): void {
    this.topics.clear();
    this.subscriptions.clear();
    this.tokens.clear();
    this.smsAttributes.clear();
    this.sandboxNumbers.clear();
    this.platformApplications.clear();
    this.platformEndpoints.clear();
  }

  platformEndpoint(arn: string): PlatformEndpoint | undefined {
    return this.platformEndpoints.get(arn);
  }

  platformApplication(arn: string): PlatformApplication | undefined {
    return this.platformApplications.get(arn);
  }

  smsSettings(accountId: string, region: string): Record<string, string> {
    return this.smsAttributes.get(`${accountId}:${region}`) ?? {};
  }

  findTopic(arn: string): Topic | undefined {
    return this.topics.get(arn);
  }

  subscription(arn: string): Subscription | undefined {
    return this.subscriptions.get(arn);
  }

  /**
   * The topic a request names: a malformed ARN is InvalidParameter, an ARN in another Region than the
   * request's is InvalidParameter (SNS serves one Region per endpoint), an unknown one NotFound.
   */
  topic(arn: string | undefined, ctx?: RequestContext, parameter = 'TopicArn'): Topic {
    let region = arn ? this.validArnRegions.get(arn) : undefined;
    if (region === undefined) {
      region = parseTopicArn(arn, parameter).region;
      if (this.validArnRegions.size >= 1000) this.validArnRegions.clear();
      this.validArnRegions.set(arn!, region);
    }
    if (ctx && region !== ctx.region) throw invalidParameter(parameter);
    const topic = this.topics.get(arn!);
    if (!topic) throw topicNotFound();
    return topic;
  }

  /** Topics and subscriptions of one account and Region, in creation order. */
  topicsIn(ctx: RequestContext): Topic[] {
    return [...this.topics.values()].filter((t) => t.region === ctx.region && t.accountId === ctx.accountId);
  }
  subscriptionsIn(ctx: RequestContext): Subscription[] {
    return [...this.subscriptions.values()].filter((s) => {
      const t = this.topics.get(s.topicArn);
      return t !== undefined && t.region === ctx.region && t.accountId === ctx.accountId;
    });
  }

  removeSubscription(arn: string): Subscription | undefined {
    const sub = this.subscriptions.get(arn);
    if (!sub) return undefined;
    this.subscriptions.delete(arn);
    this.tokens.delete(sub.token);
    const topic = this.topics.get(sub.topicArn);
    if (topic) {
      topic.subscriptions = topic.subscriptions.filter((a) => a !== arn);
      topic.subscriptionsDeleted++;
    }
    return sub;
  }

  /** GetTopicAttributes: the computed attributes, then whatever the client set. */
  topicAttributes(topic: Topic): Record<string, string> {
    const subs = topic.subscriptions.map((a) => this.subscriptions.get(a)).filter((s): s is Subscription => !!s);
    const attrs: Record<string, string> = {
      Policy: topic.attributes.Policy ?? defaultTopicPolicy(topic.arn, topic.accountId),
      Owner: topic.accountId,
      SubscriptionsPending: String(subs.filter((s) => s.pending).length),
      TopicArn: topic.arn,
      EffectiveDeliveryPolicy: JSON.stringify(effectiveDeliveryPolicy(topic.attributes.DeliveryPolicy)),
      SubscriptionsConfirmed: String(subs.filter((s) => !s.pending).length),
      DisplayName: topic.attributes.DisplayName ?? '',
      SubscriptionsDeleted: String(topic.subscriptionsDeleted),
    };
    if (topic.fifo) {
      attrs.FifoTopic = 'true';
      attrs.ContentBasedDeduplication = topic.attributes.ContentBasedDeduplication ?? 'false';
    }
    for (const [k, v] of Object.entries(topic.attributes)) if (!(k in attrs)) attrs[k] = v;
    return attrs;
  }

  /** GetSubscriptionAttributes. */
  subscriptionAttributes(sub: Subscription): Record<string, string> {
    const attrs: Record<string, string> = {
      Owner: sub.owner,
      RawMessageDelivery: 'false',
      TopicArn: sub.topicArn,
      Endpoint: sub.endpoint,
      Protocol: sub.protocol,
      PendingConfirmation: String(sub.pending),
      ConfirmationWasAuthenticated: String(sub.confirmationWasAuthenticated),
      SubscriptionArn: sub.arn,
      SubscriptionPrincipal: `arn:aws:iam::${sub.owner}:root`,
    };
    for (const [k, v] of Object.entries(sub.attributes)) if (v !== '') attrs[k] = v;
    if (attrs.FilterPolicy) attrs.FilterPolicyScope ??= 'MessageAttributes';
    else delete attrs.FilterPolicyScope;
    if (sub.protocol === 'http' || sub.protocol === 'https') {
      const topic = this.topics.get(sub.topicArn);
      const base = effectiveDeliveryPolicy(topic?.attributes.DeliveryPolicy).http;
      let own: Record<string, unknown> = {};
      try {
        own = sub.attributes.DeliveryPolicy ? JSON.parse(sub.attributes.DeliveryPolicy) : {};
      } catch {
        own = {};
      }
      attrs.EffectiveDeliveryPolicy = JSON.stringify({
        healthyRetryPolicy: { ...base.defaultHealthyRetryPolicy, ...((own.healthyRetryPolicy as object) ?? {}) },
        requestPolicy: { ...base.defaultRequestPolicy, ...((own.requestPolicy as object) ?? {}) },
      });
    }
    return attrs;
  }
}
