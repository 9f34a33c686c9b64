import { copyOf } from '../core/clone';
import type * as S3 from '@aws-sdk/client-s3';
import type { RequestContext } from '../core/context';
import type { Origin } from '../core/delivery';
import { AwsError } from '../core/errors';
import { malformedXml } from './errors';
import { buildTestEvent, validateNotificationConfiguration, type NotificationConfiguration } from './notifications';
import { messageFor } from './notify';
import { bucketArn, getBucket, type Out, type S3State } from './state';

/**
 * Get/PutBucketNotificationConfiguration. Saving validates the rules, asks every destination whether it
 * exists and accepts S3 (through the bus, as AWS checks queue/topic/function policies), then sends the
 * s3:TestEvent to each queue and topic; any refusal fails the call with the per-destination detail.
 */
export function notificationConfigOperations(state: S3State) {
  const { bus, clock } = state.deps;

  return {
    async PutBucketNotificationConfiguration(
      input: S3.PutBucketNotificationConfigurationCommandInput,
      ctx: RequestContext,
    ): Promise<Out<S3.PutBucketNotificationConfigurationCommandOutput>> {
      const bucket = getBucket(state, input.Bucket);
      // An empty <NotificationConfiguration/> turns notifications off; no body at all is not XML.
      if (!input.NotificationConfiguration) throw malformedXml();
      const cfg = validateNotificationConfiguration(input.NotificationConfiguration as NotificationConfiguration, { bucketRegion: bucket.region });
      const skip = input.SkipDestinationValidation === true || String(ctx.headers['x-amz-skip-destination-validation'] ?? '') === 'true';
      if (!skip) {
        const origin: Origin = {
          principal: 's3.amazonaws.com',
          sourceArn: bucketArn(bucket.name),
          sourceAccount: bucket.ownerAccount,
          correlation: { requestId: ctx.requestId, bucket: bucket.name },
        };
        const destinations = [
          ...(cfg.QueueConfigurations ?? []).map((c) => ({ kind: 'queue' as const, arn: c.QueueArn! })),
          ...(cfg.TopicConfigurations ?? []).map((c) => ({ kind: 'topic' as const, arn: c.TopicArn! })),
          ...(cfg.LambdaFunctionConfigurations ?? []).map((c) => ({ kind: 'lambda' as const, arn: c.LambdaFunctionArn! })),
        ];
        const unique = destinations.filter((d, i) => destinations.findIndex((o) => o.arn === d.arn) === i);
        const failures: { arn: string; detail: string }[] = [];
        for (const d of unique) {
          try {
            bus.check(d.arn, origin);
          } catch (err) {
            failures.push({ arn: d.arn, detail: describe(err) });
          }
        }
        if (failures.length === 0) {
          const testEvent = JSON.stringify(buildTestEvent({ bucket: bucket.name, requestId: ctx.requestId, hostId: ctx.hostId, time: clock.now() }));
          for (const d of unique) {
            if (d.kind === 'lambda') continue;
            try {
              await bus.sendNow(d.arn, messageFor(d.kind, testEvent), origin);
              bus.record({ type: 'notification.test', bucket: bucket.name, requestId: ctx.requestId, destination: d.arn });
            } catch (err) {
              failures.push({ arn: d.arn, detail: describe(err) });
            }
          }
        }
        if (failures.length) throw destinationsInvalid(failures);
      }
      bucket.notification = cfg as Record<string, unknown>;
      return {};
    },

    async GetBucketNotificationConfiguration(input: S3.GetBucketNotificationConfigurationCommandInput, _ctx?: RequestContext): Promise<Out<S3.GetBucketNotificationConfigurationCommandOutput>> {
      const bucket = getBucket(state, input.Bucket);
      return copyOf(bucket.notification) as Out<S3.GetBucketNotificationConfigurationCommandOutput>;
    },
  };
}

const describe = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** S3 numbers the failing destinations in the error body: ArgumentName1/ArgumentValue1, … */
function destinationsInvalid(failures: { arn: string; detail: string }[]): AwsError {
  const fields: Record<string, string> = {};
  failures.forEach((f, i) => {
    fields[`ArgumentName${i + 1}`] = f.arn;
    fields[`ArgumentValue${i + 1}`] = f.detail;
  });
  return new AwsError('InvalidArgument', 'Unable to validate the following destination configurations', 400, fields);
}
