import { GetFunctionConcurrencyCommand, GetFunctionConfigurationCommand, type EventSourceMappingConfiguration, type LambdaClient } from '@aws-sdk/client-lambda';
import { parseJsonObject } from '../../emulator/core/json-object';
import { nameFromArn, type LintContext } from './context';
import type { Finding } from './findings';

/** SQS's default and largest MessageRetentionPeriod (4 and 14 days). */
const DEFAULT_RETENTION = 345_600;
const MAX_RETENTION = 1_209_600;

/**
 * A function reading a queue (an SQS event source mapping): visibility timeout against the function's, the queue's
 * DLQ (there, of the same type, kept longer), partial batch responses, reserved concurrency, and writes that would
 * notify the function again.
 */
export async function lintQueueConsumer(ctx: LintContext, m: EventSourceMappingConfiguration): Promise<void> {
  if (!m.EventSourceArn?.startsWith('arn:aws:sqs:')) return;
  const fn = (await ctx.c.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: m.FunctionArn! })).catch(() => undefined));
  const attrs = await ctx.attrsOf(m.EventSourceArn).catch(() => undefined);
  if (!fn || !attrs) return;
  const visibility = Number(attrs.VisibilityTimeout ?? 30);
  const timeout = fn.Timeout ?? 3;
  const window = m.MaximumBatchingWindowInSeconds ?? 0;
  // AWS: at least six times the function timeout, plus the batching window when there is one.
  const recommended = 6 * timeout + window;
  const queueName = nameFromArn(m.EventSourceArn);
  if (visibility < timeout) {
    ctx.add({ severity: 'error', rule: 'visibility-timeout', resource: m.EventSourceArn, message: `Queue visibility timeout ${visibility} s is below the timeout of ${fn.FunctionName} (${timeout} s): messages come back while still being processed.`, fix: `Set VisibilityTimeout of ${queueName} to at least ${recommended} s.` });
  } else if (visibility < recommended) {
    const basis = window ? `six times the timeout of ${fn.FunctionName} (${timeout} s) plus the batching window (${window} s)` : `six times the timeout of ${fn.FunctionName} (${timeout} s)`;
    ctx.add({ severity: 'warning', rule: 'visibility-timeout', resource: m.EventSourceArn, message: `Queue visibility timeout ${visibility} s is below ${basis}, as AWS recommends.`, fix: `Set VisibilityTimeout of ${queueName} to ${recommended} s.` });
  }
  const redrive = attrs.RedrivePolicy ? parseJsonObject(attrs.RedrivePolicy) : undefined;
  if (!redrive) {
    ctx.add({ severity: 'warning', rule: 'no-dlq', resource: m.EventSourceArn, message: `Queue ${queueName} has no RedrivePolicy: a poison message is retried until retention expires.`, fix: 'Give the queue a dead-letter queue with maxReceiveCount ≥ 5.' });
  } else {
    if (Number(redrive.maxReceiveCount) < 5) {
      ctx.add({ severity: 'warning', rule: 'max-receive-count', resource: m.EventSourceArn, message: `maxReceiveCount ${redrive.maxReceiveCount} is below 5: throttled or briefly failing batches reach the DLQ early.`, fix: 'Set maxReceiveCount to 5 or more.' });
    }
    const dlqFifo = String(redrive.deadLetterTargetArn).endsWith('.fifo');
    const srcFifo = attrs.FifoQueue === 'true';
    if (dlqFifo !== srcFifo) {
      ctx.add({ severity: 'error', rule: 'dlq-type', resource: m.EventSourceArn, message: `A ${srcFifo ? 'FIFO' : 'standard'} queue has a ${dlqFifo ? 'FIFO' : 'standard'} dead-letter queue.`, fix: 'Use a dead-letter queue of the same type as its source queue.' });
    }
    // A standard queue's message keeps its first enqueue time in the DLQ, so its time in the source counts there.
    const dlqAttrs = srcFifo ? undefined : await ctx.attrsOf(String(redrive.deadLetterTargetArn)).catch(() => undefined);
    if (dlqAttrs) {
      const kept = Number(attrs.MessageRetentionPeriod ?? DEFAULT_RETENTION);
      const dlqKept = Number(dlqAttrs.MessageRetentionPeriod ?? DEFAULT_RETENTION);
      if (dlqKept <= kept && dlqKept < MAX_RETENTION) {
        const dlqName = nameFromArn(String(redrive.deadLetterTargetArn));
        ctx.add({ severity: 'warning', rule: 'dlq-retention', resource: String(redrive.deadLetterTargetArn), message: `${dlqName} keeps messages ${dlqKept} s, no longer than ${queueName} (${kept} s): a message's age counts from when it entered ${queueName}, so one dead-lettered late can expire in the DLQ almost at once.`, fix: `Set MessageRetentionPeriod of ${dlqName} above ${kept} s (up to ${MAX_RETENTION}).` });
      }
    }
  }
  if ((m.BatchSize ?? 10) > 1 && !m.FunctionResponseTypes?.includes('ReportBatchItemFailures')) {
    ctx.add({ severity: 'warning', rule: 'partial-batch', resource: m.EventSourceArn, message: `${fn.FunctionName} takes batches of up to ${m.BatchSize ?? 10} from ${queueName} without ReportBatchItemFailures: one failing message makes the whole batch visible again, so the ones that succeeded run again.`, fix: `Turn on FunctionResponseTypes ReportBatchItemFailures and return the failed messages' ids, or make the handler idempotent.` });
  }
  concurrencyRules(m, fn.FunctionName!, await reservedConcurrency(ctx.c.lambda, fn.FunctionName!), ctx.mappings, (f) => ctx.add(f));
  // Recursive loop: the function writes into a bucket/prefix that notifies (directly or via this queue) again.
  const env = fn.Environment?.Variables ?? {};
  const writes = ctx.opts.writes?.[fn.FunctionName!] ?? (env.REPORT_BUCKET ? [{ bucket: env.REPORT_BUCKET, prefix: 'reports/' }] : []);
  for (const w of writes) {
    const cfg = ctx.notifications.get(w.bucket);
    const triggering = [
      ...(cfg?.QueueConfigurations ?? []).map((q) => ({ arn: q.QueueArn, f: q.Filter, feeds: q.QueueArn === m.EventSourceArn })),
      ...(cfg?.LambdaFunctionConfigurations ?? []).map((l) => ({ arn: l.LambdaFunctionArn, f: l.Filter, feeds: l.LambdaFunctionArn === m.FunctionArn })),
      // Through SNS: the topic feeds this function when one of its subscriptions is the mapping's queue.
      ...(await Promise.all((cfg?.TopicConfigurations ?? []).map(async (t) => ({
        arn: t.TopicArn,
        f: t.Filter,
        feeds: (await ctx.subscriptionsOf(t.TopicArn!)).some((s) => s.Protocol === 'sqs' && s.Endpoint === m.EventSourceArn),
      })))),
    ];
    for (const t of triggering) {
      const rules = t.f?.Key?.FilterRules ?? [];
      const prefix = rules.find((r) => r.Name?.toLowerCase() === 'prefix')?.Value ?? '';
      const feedsThisFunction = t.feeds;
      if (feedsThisFunction && (w.prefix.startsWith(prefix) || prefix.startsWith(w.prefix))) {
        ctx.add({ severity: 'error', rule: 'recursive-loop', resource: fn.FunctionArn!, message: `${fn.FunctionName} writes under s3://${w.bucket}/${w.prefix}, which notifies ${nameFromArn(t.arn!)} and so invokes it again.`, fix: 'Write reports to another bucket, or filter the notification on a prefix (e.g. data/) the function never writes to.' });
      }
    }
  }
}

async function reservedConcurrency(lambda: LambdaClient, functionName: string): Promise<number | undefined> {
  return (await lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: functionName })).catch(() => undefined))?.ReservedConcurrentExecutions;
}

/**
 * Reserved concurrency caps the function, not the mapping: a mapping without a maximum concurrency at or below
 * it receives batches the function may not run, and each throttled batch goes back to the queue having used up
 * a receive. Lambda's advice: limit the mapping (ScalingConfig.MaximumConcurrency), with reserved concurrency at
 * least the sum of the maxima of the function's SQS mappings.
 */
function concurrencyRules(
  m: EventSourceMappingConfiguration,
  functionName: string,
  reserved: number | undefined,
  all: EventSourceMappingConfiguration[],
  add: (f: Finding) => void,
): void {
  if (reserved === undefined) return;
  const queueName = nameFromArn(m.EventSourceArn!);
  if (reserved === 0) {
    add({ severity: 'error', rule: 'reserved-concurrency', resource: m.FunctionArn!, message: `${functionName} has reserved concurrency 0: every batch from ${queueName} is throttled and ends in the DLQ (or stays until it expires) without running.`, fix: `Remove the reserved concurrency of ${functionName} (delete-function-concurrency), or disable the mapping.` });
    return;
  }
  const maximum = m.ScalingConfig?.MaximumConcurrency;
  if (maximum === undefined) {
    add({ severity: 'warning', rule: 'reserved-concurrency', resource: m.EventSourceArn!, message: `${functionName} has reserved concurrency ${reserved}, but its mapping from ${queueName} has no maximum concurrency: the mapping can take more batches than the function may run, and throttled batches count receives toward the DLQ.`, fix: `Set ScalingConfig.MaximumConcurrency (at least 2, at most ${reserved}) on the mapping, instead of relying on reserved concurrency.` });
    return;
  }
  const sqsMappings = all.filter((x) => x.FunctionArn === m.FunctionArn && x.EventSourceArn?.startsWith('arn:aws:sqs:') && x.State !== 'Disabled');
  const total = sqsMappings.reduce((sum, x) => sum + (x.ScalingConfig?.MaximumConcurrency ?? 0), 0);
  if (total > reserved && sqsMappings.every((x) => x.ScalingConfig?.MaximumConcurrency !== undefined)) {
    add({ severity: 'warning', rule: 'reserved-concurrency', resource: m.FunctionArn!, message: `The SQS mappings of ${functionName} may run ${total} batches at once, above its reserved concurrency ${reserved}: Lambda throttles the rest, and throttled batches count receives toward the DLQ.`, fix: `Raise the reserved concurrency of ${functionName} to at least ${total}, or lower the mappings' maximum concurrency.` });
  }
}
