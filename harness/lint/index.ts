import { GetBucketNotificationConfigurationCommand, ListBucketsCommand } from '@aws-sdk/client-s3';
import { paginateListEventSourceMappings } from '@aws-sdk/client-lambda';
import { lintContext, type LintClients, type LintOptions } from './context';
import { lintEventBridge } from './eventbridge';
import type { Finding } from './findings';
import { lintBucketNotifications } from './notifications';
import { lintQueueConsumer } from './queue-consumers';
import { lintSubscriptions } from './subscriptions';

export type { Finding } from './findings';
export { formatFindings } from './findings';
export type { LintClients, LintOptions } from './context';

/**
 * Deployment lint: reads a live deployment through the SDK (any backend) and reports what would break on
 * AWS or invite a delivery bug, each finding naming the resource and the fix. The rules, by what they read:
 * notifications.ts (S3 → destinations), eventbridge.ts (S3 → EventBridge rules and targets), queue-consumers.ts
 * (SQS → Lambda mappings), subscriptions.ts (SNS → SQS feeding functions); listed in docs/REPRODUCING.md.
 */
export async function lintDeployment(c: LintClients, opts: LintOptions = {}): Promise<Finding[]> {
  const ctx = lintContext(c, opts);
  const buckets = opts.buckets ?? ((await c.s3.send(new ListBucketsCommand({}))).Buckets ?? []).map((b) => b.Name!);
  for (const bucket of buckets) {
    const cfg = await c.s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: bucket }));
    ctx.notifications.set(bucket, cfg);
    await lintBucketNotifications(ctx, bucket, cfg);
  }
  for await (const page of paginateListEventSourceMappings({ client: c.lambda }, {})) ctx.mappings.push(...(page.EventSourceMappings ?? []));
  await lintEventBridge(ctx);
  for (const m of ctx.mappings) await lintQueueConsumer(ctx, m);
  await lintSubscriptions(ctx, buckets);

  if (opts.prefix === undefined) return ctx.findings;
  // ARNs put the name after `:` (`:::` for buckets) or `/` (rules, log groups).
  const own = new RegExp(`[:/]${opts.prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-`);
  return ctx.findings.filter((f) => own.test(f.resource));
}
