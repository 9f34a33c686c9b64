import { ListRulesCommand, ListTargetsByRuleCommand, type Rule, type Target } from '@aws-sdk/client-eventbridge';
import { GetPolicyCommand } from '@aws-sdk/client-lambda';
import { GetTopicAttributesCommand } from '@aws-sdk/client-sns';
import { isAllowed } from '../../emulator/core/resource-policy';
import { parseArn } from '../../emulator/core/ids';
import { listAll } from '../../deploy-scripts/aws-errors';
import type { LintContext } from './context';
import { keepsFailedAsyncEvents } from './async-invoke';

/**
 * S3 → EventBridge: rules on the default bus that match a linted bucket's S3 events (source aws.s3 and, when the
 * pattern names buckets, that bucket). A bucket without EventBridgeConfiguration sends them nothing; an SQS target
 * must let the rule send; a target that feeds a function (any but a queue no function reads) without a DLQ loses
 * what EventBridge could not deliver after its retries.
 */
export async function lintEventBridge(ctx: LintContext): Promise<void> {
  const rules = await listAll((NextToken) => ctx.c.events.send(new ListRulesCommand({ NextToken })), (p) => p.Rules, (p) => p.NextToken);
  // Queues a Lambda event source mapping reads: a target queue nobody reads (a probe) needs no DLQ.
  const consumed = new Set(ctx.mappings.map((m) => m.EventSourceArn!));
  for (const [bucket, cfg] of ctx.notifications) {
    const matching = rules.filter((r) => r.State !== 'DISABLED' && bucketEvents(r.EventPattern, bucket));
    if (!matching.length) continue;
    if (!cfg.EventBridgeConfiguration) {
      // Only a rule that names this bucket is waiting for it; one on every bucket's events may be served by others.
      for (const r of matching.filter((x) => bucketEvents(x.EventPattern, bucket) === 'named')) {
        ctx.add({ severity: 'error', rule: 'eventbridge-off', resource: r.Arn!, message: `Rule ${r.Name} matches S3 events of ${bucket}, but the bucket does not send its events to EventBridge: the rule never fires.`, fix: `Add "EventBridgeConfiguration": {} to the notification configuration of ${bucket} (it replaces the whole configuration: keep the other entries).` });
      }
      continue;
    }
    for (const r of matching) {
      const targets = await listAll((NextToken) => ctx.c.events.send(new ListTargetsByRuleCommand({ Rule: r.Name, NextToken })), (p) => p.Targets, (p) => p.NextToken);
      for (const t of targets) await lintTarget(ctx, r, t, consumed);
    }
  }
}

async function lintTarget(ctx: LintContext, r: Rule, t: Target, consumed: Set<string>): Promise<void> {
  const targetName = parseArn(t.Arn!)?.resource ?? t.Arn!;
  if (t.Arn!.includes(':sqs:')) {
    const attrs = await ctx.attrsOf(t.Arn!).catch(() => undefined);
    if (!attrs) {
      ctx.add({ severity: 'error', rule: 'missing-destination', resource: t.Arn!, message: `Rule ${r.Name} targets a queue that does not exist.`, fix: 'Create the queue, or remove the target.' });
      return;
    }
    if (!isAllowed(attrs.Policy, { principal: 'events.amazonaws.com', action: 'sqs:SendMessage', resource: t.Arn!, context: { 'aws:SourceArn': r.Arn! } })) {
      ctx.add({ severity: 'error', rule: 'queue-policy', resource: t.Arn!, message: `The queue policy of ${targetName} does not let events.amazonaws.com send messages from rule ${r.Name}: every delivery fails.`, fix: `Add a statement allowing Service events.amazonaws.com sqs:SendMessage with Condition ArnEquals aws:SourceArn ${r.Arn}.` });
    }
  }
  if (t.Arn!.includes(':lambda:')) {
    // EventBridge invokes a function asynchronously, as S3 does: the same permission and failure questions.
    const policy = (await ctx.c.lambda.send(new GetPolicyCommand({ FunctionName: t.Arn })).catch(() => undefined))?.Policy;
    if (!isAllowed(policy, { principal: 'events.amazonaws.com', action: 'lambda:InvokeFunction', resource: t.Arn!, context: { 'aws:SourceArn': r.Arn! } })) {
      ctx.add({ severity: 'error', rule: 'lambda-permission', resource: t.Arn!, message: `The function policy of ${targetName} does not let events.amazonaws.com invoke it for rule ${r.Name}: every delivery fails.`, fix: `aws lambda add-permission --function-name ${targetName.split(':').pop()} --principal events.amazonaws.com --action lambda:InvokeFunction --source-arn ${r.Arn} --statement-id ${r.Name}` });
    }
    if (!(await keepsFailedAsyncEvents(ctx.c.lambda, t.Arn!))) {
      ctx.add({ severity: 'warning', rule: 'async-failure-destination', resource: t.Arn!, message: `Rule ${r.Name} invokes ${targetName.split(':').pop()} asynchronously, and it has neither a dead-letter queue nor an on-failure destination: an event that fails every retry (or waits longer than its maximum age) is discarded.`, fix: 'Set DeadLetterConfig on the function, or an OnFailure destination with put-function-event-invoke-config.' });
    }
  } else if (t.Arn!.includes(':sns:')) {
    const policy = (await ctx.c.sns.send(new GetTopicAttributesCommand({ TopicArn: t.Arn })).catch(() => undefined))?.Attributes?.Policy;
    if (!isAllowed(policy, { principal: 'events.amazonaws.com', action: 'sns:Publish', resource: t.Arn!, context: { 'aws:SourceArn': r.Arn! } })) {
      ctx.add({ severity: 'error', rule: 'topic-policy', resource: t.Arn!, message: `The topic policy of ${targetName} does not let events.amazonaws.com publish from rule ${r.Name}: every delivery fails.`, fix: `Add a statement allowing Service events.amazonaws.com sns:Publish with Condition ArnEquals aws:SourceArn ${r.Arn}.` });
    }
  }
  const feedsFunction = !t.Arn!.includes(':sqs:') || consumed.has(t.Arn!);
  if (feedsFunction && !t.DeadLetterConfig?.Arn) {
    ctx.add({ severity: 'warning', rule: 'rule-target-dlq', resource: r.Arn!, message: `The target ${targetName} of rule ${r.Name} has no dead-letter queue: an event EventBridge could not deliver after its retries is dropped.`, fix: `Set DeadLetterConfig {"Arn": "<SQS queue ARN>"} on the target (put-targets), with a queue policy letting the rule send to it.` });
  }
}

/**
 * Whether a rule's pattern can match S3's events for this bucket (source aws.s3): `named` when it lists the bucket's
 * name, `any` when it does not constrain the name (or only by other operators), undefined when it cannot.
 */
function bucketEvents(patternText: string | undefined, bucket: string): 'named' | 'any' | undefined {
  let pattern: Record<string, unknown>;
  try {
    pattern = JSON.parse(patternText ?? 'null');
  } catch {
    return undefined;
  }
  if (!pattern || typeof pattern !== 'object') return undefined;
  const sources = pattern.source;
  if (!Array.isArray(sources) || !sources.includes('aws.s3')) return undefined;
  const detail = pattern.detail as { bucket?: { name?: unknown } } | undefined;
  const names = detail?.bucket?.name;
  if (!Array.isArray(names)) return 'any';
  if (names.includes(bucket)) return 'named';
  return names.some((n) => typeof n === 'object' && n !== null) ? 'any' : undefined;
}
