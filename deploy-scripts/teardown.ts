import { DeleteLogGroupCommand, DescribeLogGroupsCommand, ListTagsLogGroupCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DetachRolePolicyCommand,
  GetRoleCommand,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
  ListRolesCommand,
} from '@aws-sdk/client-iam';
import { DeleteEventSourceMappingCommand, DeleteFunctionCommand, ListEventSourceMappingsCommand, ListFunctionsCommand, ListTagsCommand } from '@aws-sdk/client-lambda';
import { DeleteBucketCommand, DeleteObjectsCommand, GetBucketTaggingCommand, ListBucketsCommand, ListObjectVersionsCommand } from '@aws-sdk/client-s3';
import { DeleteTopicCommand, ListSubscriptionsByTopicCommand, ListTagsForResourceCommand, ListTopicsCommand, UnsubscribeCommand } from '@aws-sdk/client-sns';
import { DeleteQueueCommand, ListQueuesCommand, ListQueueTagsCommand } from '@aws-sdk/client-sqs';
import { DeleteRuleCommand, ListRulesCommand, ListTagsForResourceCommand as ListRuleTagsCommand, ListTargetsByRuleCommand, RemoveTargetsCommand } from '@aws-sdk/client-eventbridge';
import { isAwsError, listAll } from './aws-errors';
import type { AwsClients } from './clients';
import { checkPrefix } from './pipeline';
import { fromTagList, ownership, type Tags } from './tags';

/**
 * Deletes what `deploy()` created for a prefix: resources whose name starts with `<prefix>-` **and** that
 * carry deploy's tag `s3-event-harness:stack` for that prefix or a stack under it (tags.ts). A resource with
 * a matching name but without the tag is left alone and listed in `skipped` with the reason; so is one
 * whose tags cannot be read (that is also an error). Children go with their tagged parent: a function's
 * event source mappings and its log group, a topic's subscriptions, a rule's targets, a role's policies, a
 * bucket's objects.
 *
 * Found by listing and reading tags, so it also cleans up after a run that crashed before it could report
 * its resources. Missing resources are fine (another teardown, or a half-finished deploy); other failures
 * are collected and reported at the end, after everything that could be deleted was.
 */
export interface TeardownReport {
  deleted: string[];
  /** `<kind> <name>: <reason>` for what matched the prefix by name but is not the harness's. */
  skipped: string[];
  errors: string[];
}

const NOT_FOUND = [
  'ResourceNotFoundException',
  'NoSuchEntityException',
  'NoSuchEntity',
  'NoSuchBucket',
  'NotFound',
  'NotFoundException',
  'QueueDoesNotExist',
  'AWS.SimpleQueueService.NonExistentQueue',
];

/** Deletions in flight at once: quick on an emulator, well inside AWS's control-plane rates. */
const CONCURRENCY = 8;

export async function teardown(clients: AwsClients, prefix: string, opts: { log?: (line: string) => void } = {}): Promise<TeardownReport> {
  checkPrefix(prefix);
  const mine = (name: string | undefined): name is string => typeof name === 'string' && name.startsWith(`${prefix}-`);
  const report: TeardownReport = { deleted: [], skipped: [], errors: [] };
  const attempt = async (what: string, fn: () => Promise<unknown>) => {
    try {
      await fn();
      report.deleted.push(what);
      opts.log?.(`delete ${what}`);
    } catch (e) {
      if (isAwsError(e, ...NOT_FOUND)) return;
      report.errors.push(`${what}: ${(e as Error).name}: ${(e as Error).message}`);
    }
  };
  const listing = async <T>(what: string, fn: () => Promise<T[]>): Promise<T[]> => {
    try {
      return await fn();
    } catch (e) {
      report.errors.push(`list ${what}: ${(e as Error).name}: ${(e as Error).message}`);
      return [];
    }
  };
  /** True when `what` is the harness's to delete; otherwise says why not (and never deletes on doubt). */
  const owned = async (what: string, readTags: () => Promise<Tags | undefined>): Promise<boolean> => {
    let tags: Tags | undefined;
    try {
      tags = await readTags();
    } catch (e) {
      if (isAwsError(e, ...NOT_FOUND)) return false; // gone meanwhile
      report.skipped.push(`${what}: its tags could not be read`);
      report.errors.push(`read tags of ${what}: ${(e as Error).name}: ${(e as Error).message}`);
      return false;
    }
    const verdict = ownership(tags, prefix);
    if (verdict.owned) return true;
    report.skipped.push(`${what}: ${verdict.reason}`);
    opts.log?.(`skip ${what}: ${verdict.reason}`);
    return false;
  };
  const deletedLogGroups = new Set<string>();
  const deleteLogGroup = (name: string) =>
    attempt(`log group ${name}`, async () => {
      deletedLogGroups.add(name);
      await clients.logs.send(new DeleteLogGroupCommand({ logGroupName: name }));
    });

  // Consumers first, so nothing polls a queue while it is deleted.
  const functions = await listing('functions', () => listAll((Marker) => clients.lambda.send(new ListFunctionsCommand({ Marker })), (p) => p.Functions, (p) => p.NextMarker));
  await eachLimited(
    functions.filter((f) => mine(f.FunctionName)),
    async (f) => {
      const name = f.FunctionName!;
      if (!(await owned(`function ${name}`, async () => (await clients.lambda.send(new ListTagsCommand({ Resource: f.FunctionArn }))).Tags))) return;
      const mappings = await listing('mappings', () =>
        listAll((Marker) => clients.lambda.send(new ListEventSourceMappingsCommand({ FunctionName: name, Marker })), (p) => p.EventSourceMappings, (p) => p.NextMarker),
      );
      for (const m of mappings) await attempt(`mapping ${m.UUID}`, () => clients.lambda.send(new DeleteEventSourceMappingCommand({ UUID: m.UUID })));
      await attempt(`function ${name}`, () => clients.lambda.send(new DeleteFunctionCommand({ FunctionName: name })));
      // The function's log group is its child even when Lambda made it (before deploy made them, untagged).
      await deleteLogGroup(`/aws/lambda/${name}`);
    },
  );

  const buckets = (await listing('buckets', async () => (await clients.s3.send(new ListBucketsCommand({}))).Buckets ?? [])).filter((b) => mine(b.Name));
  await eachLimited(buckets, async (b) => {
    const name = b.Name!;
    const tags = async () =>
      clients.s3.send(new GetBucketTaggingCommand({ Bucket: name })).then(
        (t) => fromTagList(t.TagSet),
        (e) => {
          if (isAwsError(e, 'NoSuchTagSet')) return {};
          throw e;
        },
      );
    if (!(await owned(`bucket ${name}`, tags))) return;
    await attempt(`bucket ${name}`, async () => {
      // A function finishing late may still write a report between emptying and deleting.
      for (let round = 1; ; round++) {
        await emptyBucket(clients, name);
        try {
          await clients.s3.send(new DeleteBucketCommand({ Bucket: name }));
          return;
        } catch (e) {
          if (round >= 3 || !isAwsError(e, 'BucketNotEmpty')) throw e;
        }
      }
    });
  });

  const topics = await listing('topics', () => listAll((NextToken) => clients.sns.send(new ListTopicsCommand({ NextToken })), (p) => p.Topics, (p) => p.NextToken));
  await eachLimited(
    topics.filter((t) => mine(t.TopicArn?.slice(t.TopicArn.lastIndexOf(':') + 1))),
    async (t) => {
      const arn = t.TopicArn!;
      if (!(await owned(`topic ${arn}`, async () => fromTagList((await clients.sns.send(new ListTagsForResourceCommand({ ResourceArn: arn }))).Tags)))) return;
      const subs = await listing('subscriptions', () =>
        listAll((NextToken) => clients.sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: arn, NextToken })), (p) => p.Subscriptions, (p) => p.NextToken),
      );
      for (const s of subs) {
        if (!s.SubscriptionArn?.startsWith('arn:')) continue; // pending confirmations have no ARN to delete
        await attempt(`subscription ${s.SubscriptionArn}`, () => clients.sns.send(new UnsubscribeCommand({ SubscriptionArn: s.SubscriptionArn })));
      }
      await attempt(`topic ${arn}`, () => clients.sns.send(new DeleteTopicCommand({ TopicArn: arn })));
    },
  );

  // Rules on the default bus (S3 sends its events there), each with its targets (a rule with targets cannot be deleted).
  const rules = await listing('rules', () => listAll((NextToken) => clients.events.send(new ListRulesCommand({ NamePrefix: `${prefix}-`, NextToken })), (p) => p.Rules, (p) => p.NextToken));
  await eachLimited(
    rules.filter((r) => mine(r.Name) && !r.ManagedBy),
    async (r) => {
      const name = r.Name!;
      if (!(await owned(`rule ${name}`, async () => fromTagList((await clients.events.send(new ListRuleTagsCommand({ ResourceARN: r.Arn }))).Tags)))) return;
      await attempt(`rule ${name}`, async () => {
        const targets = await listAll((NextToken) => clients.events.send(new ListTargetsByRuleCommand({ Rule: name, NextToken })), (p) => p.Targets, (p) => p.NextToken);
        if (targets.length) await clients.events.send(new RemoveTargetsCommand({ Rule: name, Ids: targets.map((t) => t.Id!) }));
        await clients.events.send(new DeleteRuleCommand({ Name: name }));
      });
    },
  );

  const queues = await listing('queues', () =>
    listAll((NextToken) => clients.sqs.send(new ListQueuesCommand({ QueueNamePrefix: `${prefix}-`, NextToken, MaxResults: 1000 })), (p) => p.QueueUrls, (p) => p.NextToken),
  );
  await eachLimited(
    queues.filter((u) => mine(u.slice(u.lastIndexOf('/') + 1))),
    async (url) => {
      if (!(await owned(`queue ${url}`, async () => (await clients.sqs.send(new ListQueueTagsCommand({ QueueUrl: url }))).Tags))) return;
      await attempt(`queue ${url}`, () => clients.sqs.send(new DeleteQueueCommand({ QueueUrl: url })));
    },
  );

  // ListRoles leaves tags out on AWS: GetRole has them.
  const roles = await listing('roles', () => listAll((Marker) => clients.iam.send(new ListRolesCommand({ Marker })), (p) => p.Roles, (p) => (p.IsTruncated ? p.Marker : undefined)));
  await eachLimited(
    roles.filter((r) => mine(r.RoleName)),
    async (role) => {
      const name = role.RoleName!;
      if (!(await owned(`role ${name}`, async () => fromTagList((await clients.iam.send(new GetRoleCommand({ RoleName: name }))).Role?.Tags)))) return;
      await attempt(`role ${name}`, async () => {
        const inline = (await clients.iam.send(new ListRolePoliciesCommand({ RoleName: name }))).PolicyNames ?? [];
        for (const policy of inline) await clients.iam.send(new DeleteRolePolicyCommand({ RoleName: name, PolicyName: policy }));
        const attached = (await clients.iam.send(new ListAttachedRolePoliciesCommand({ RoleName: name }))).AttachedPolicies ?? [];
        for (const p of attached) await clients.iam.send(new DetachRolePolicyCommand({ RoleName: name, PolicyArn: p.PolicyArn }));
        await clients.iam.send(new DeleteRoleCommand({ RoleName: name }));
      });
    },
  );

  // Log groups left over from functions deleted earlier (a teardown that stopped half-way): deploy tagged them.
  const groups = await listing('log groups', () =>
    listAll((nextToken) => clients.logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: `/aws/lambda/${prefix}-`, nextToken })), (p) => p.logGroups, (p) => p.nextToken),
  );
  await eachLimited(
    groups.filter((g) => g.logGroupName && !deletedLogGroups.has(g.logGroupName)),
    async (g) => {
      const name = g.logGroupName!;
      if (!(await owned(`log group ${name}`, async () => (await clients.logs.send(new ListTagsLogGroupCommand({ logGroupName: name }))).tags))) return;
      await deleteLogGroup(name);
    },
  );
  return report;
}

/** Runs `fn` over `items`, at most CONCURRENCY at a time. */
async function eachLimited<T>(items: T[], fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, items.length) }, worker));
}

/** Every version and delete marker, in batches of 1000 (DeleteObjects' limit). */
async function emptyBucket(clients: AwsClients, bucket: string): Promise<void> {
  let KeyMarker: string | undefined;
  let VersionIdMarker: string | undefined;
  for (;;) {
    const page = await clients.s3.send(new ListObjectVersionsCommand({ Bucket: bucket, KeyMarker, VersionIdMarker }));
    const objects = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].map((v) => ({ Key: v.Key!, VersionId: v.VersionId ?? undefined }));
    if (objects.length) {
      // Unversioned buckets list VersionId "null", which DeleteObjects accepts as "the object".
      await clients.s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects, Quiet: true } }));
    }
    if (!page.IsTruncated) return;
    KeyMarker = page.NextKeyMarker;
    VersionIdMarker = page.NextVersionIdMarker;
  }
}
