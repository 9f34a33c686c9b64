import type { NotificationConfiguration } from '@aws-sdk/client-s3';
import { GetTopicAttributesCommand } from '@aws-sdk/client-sns';
import { GetPolicyCommand } from '@aws-sdk/client-lambda';
import { isAllowed } from '../../emulator/core/resource-policy';
import { parseArn } from '../../emulator/core/ids';
import { validateNotificationConfiguration } from '../../emulator/s3/notifications';
import { keepsFailedAsyncEvents } from './async-invoke';
import { nameFromArn, type LintContext } from './context';

/** A bucket's notification configuration: filters S3 accepts, destinations that exist and let S3 deliver. */
export async function lintBucketNotifications(ctx: LintContext, bucket: string, cfg: NotificationConfiguration): Promise<void> {
  const bucketArn = `arn:aws:s3:::${bucket}`;
  // What S3 presents to a destination's policy: the bucket ARN and the bucket owner's account (the
  // destination's own account here; cross-account notifications are not linted).
  const from = (destinationArn: string) => ({
    principal: 's3.amazonaws.com',
    context: { 'aws:SourceArn': bucketArn, 'aws:SourceAccount': parseArn(destinationArn)?.accountId ?? '' },
  });
  try {
    validateNotificationConfiguration(cfg, { generateId: () => 'lint' });
  } catch (err) {
    ctx.add({ severity: 'error', rule: 'overlapping-filters', resource: bucketArn, message: (err as Error).message, fix: 'Give configurations that share an event type prefixes or suffixes that cannot both match one key.' });
  }
  for (const q of cfg.QueueConfigurations ?? []) {
    const attrs = await ctx.attrsOf(q.QueueArn!).catch(() => undefined);
    if (!attrs) {
      ctx.add({ severity: 'error', rule: 'missing-destination', resource: q.QueueArn!, message: `Bucket ${bucket} notifies a queue that does not exist.`, fix: 'Create the queue before the notification configuration.' });
      continue;
    }
    if (!isAllowed(attrs.Policy, { ...from(q.QueueArn!), action: 'sqs:SendMessage', resource: q.QueueArn! })) {
      ctx.add({ severity: 'error', rule: 'queue-policy', resource: q.QueueArn!, message: `The queue policy does not let s3.amazonaws.com send messages from ${bucketArn}; AWS refuses the notification configuration.`, fix: `Add a statement allowing Service s3.amazonaws.com sqs:SendMessage with Condition ArnLike aws:SourceArn ${bucketArn}.` });
    }
  }
  for (const t of cfg.TopicConfigurations ?? []) {
    const attrs = (await ctx.c.sns.send(new GetTopicAttributesCommand({ TopicArn: t.TopicArn })).catch(() => undefined))?.Attributes;
    if (!attrs) {
      ctx.add({ severity: 'error', rule: 'missing-destination', resource: t.TopicArn!, message: `Bucket ${bucket} notifies a topic that does not exist.`, fix: 'Create the topic before the notification configuration.' });
      continue;
    }
    if (!isAllowed(attrs.Policy, { ...from(t.TopicArn!), action: 'sns:Publish', resource: t.TopicArn! })) {
      ctx.add({ severity: 'error', rule: 'topic-policy', resource: t.TopicArn!, message: `The topic policy does not let s3.amazonaws.com publish from ${bucketArn}.`, fix: `Add a statement allowing Service s3.amazonaws.com sns:Publish with Condition ArnLike aws:SourceArn ${bucketArn}.` });
    }
  }
  for (const l of cfg.LambdaFunctionConfigurations ?? []) {
    const policy = (await ctx.c.lambda.send(new GetPolicyCommand({ FunctionName: l.LambdaFunctionArn })).catch(() => undefined))?.Policy;
    if (!isAllowed(policy, { ...from(l.LambdaFunctionArn!), action: 'lambda:InvokeFunction', resource: l.LambdaFunctionArn! })) {
      ctx.add({ severity: 'error', rule: 'lambda-permission', resource: l.LambdaFunctionArn!, message: `The function policy does not let s3.amazonaws.com invoke it for ${bucketArn}.`, fix: `aws lambda add-permission --function-name ${nameFromArn(l.LambdaFunctionArn!)} --principal s3.amazonaws.com --action lambda:InvokeFunction --source-arn ${bucketArn} --statement-id s3-invoke` });
    }
    if (!(await keepsFailedAsyncEvents(ctx.c.lambda, l.LambdaFunctionArn!))) {
      ctx.add({ severity: 'warning', rule: 'async-failure-destination', resource: l.LambdaFunctionArn!, message: `S3 invokes ${nameFromArn(l.LambdaFunctionArn!)} asynchronously, and it has neither a dead-letter queue nor an on-failure destination: an event that fails every retry (or waits longer than its maximum age) is discarded.`, fix: `Set DeadLetterConfig on the function, or an OnFailure destination with put-function-event-invoke-config.` });
    }
  }
}
