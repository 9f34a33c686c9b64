import { GetSubscriptionAttributesCommand } from '@aws-sdk/client-sns';
import { parseJsonObject } from '../../emulator/core/json-object';
import { parseArn } from '../../emulator/core/ids';
import { nameFromArn, type LintContext } from './context';

/**
 * SNS → SQS subscriptions of the topics the buckets notify, where the queue feeds a function: where failed deliveries
 * go, and whether the envelope is what the function expects.
 */
export async function lintSubscriptions(ctx: LintContext, buckets: string[]): Promise<void> {
  for (const bucket of buckets) {
    for (const t of ctx.notifications.get(bucket)?.TopicConfigurations ?? []) {
      for (const s of await ctx.subscriptionsOf(t.TopicArn!)) {
        if (s.Protocol !== 'sqs') continue;
        const consumers = ctx.mappings.filter((m) => m.EventSourceArn === s.Endpoint).map((m) => nameFromArn(m.FunctionArn!));
        if (!consumers.length) continue;
        const attrs = (await ctx.c.sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: s.SubscriptionArn }))).Attributes ?? {};
        if (!attrs.RedrivePolicy) {
          ctx.add({ severity: 'warning', rule: 'subscription-dlq', resource: s.SubscriptionArn!, message: `The subscription of ${nameFromArn(s.Endpoint!)} to ${nameFromArn(t.TopicArn!)} has no dead-letter queue: what SNS cannot deliver to the queue (deleted, or its policy refusing) is discarded, and ${consumers.join(', ')} never sees it.`, fix: `Set a RedrivePolicy {"deadLetterTargetArn": "<SQS queue ARN>"} on the subscription, with a queue policy letting the topic send to that queue.` });
        } else {
          // SNS: "The Amazon SNS subscription and Amazon SQS queue must be under the same AWS account and Region."
          const dlq = parseArn(String(parseJsonObject(attrs.RedrivePolicy)?.deadLetterTargetArn ?? ''));
          const sub = parseArn(s.SubscriptionArn!);
          if (dlq && sub && (dlq.region !== sub.region || dlq.accountId !== sub.accountId)) {
            ctx.add({ severity: 'error', rule: 'subscription-dlq', resource: s.SubscriptionArn!, message: `The dead-letter queue of the subscription of ${nameFromArn(s.Endpoint!)} is in ${dlq.accountId}/${dlq.region}, the subscription in ${sub.accountId}/${sub.region}: SNS needs them in the same account and Region.`, fix: 'Use a dead-letter queue in the subscription\'s own account and Region.' });
          }
        }
        if (attrs.RawMessageDelivery === 'true') continue;
        for (const fn of consumers) {
          if (!ctx.opts.expectsBareS3Events?.includes(fn)) continue;
          ctx.add({ severity: 'error', rule: 'sns-envelope', resource: s.SubscriptionArn!, message: `${fn} expects bare S3 events, but its queue receives them inside SNS envelopes (raw delivery is off).`, fix: `Set RawMessageDelivery=true on ${s.SubscriptionArn}, or unwrap the envelope in ${fn}.` });
        }
      }
    }
  }
}
