import { DeleteLogGroupCommand, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DeleteRoleCommand, DeleteRolePolicyCommand, DetachRolePolicyCommand, ListAttachedRolePoliciesCommand, ListRolePoliciesCommand, ListRolesCommand } from '@aws-sdk/client-iam';
import { DeleteEventSourceMappingCommand, DeleteFunctionCommand, ListEventSourceMappingsCommand, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { DeleteBucketCommand, DeleteObjectsCommand, ListBucketsCommand, ListObjectVersionsCommand } from '@aws-sdk/client-s3';
import { DeleteTopicCommand, ListSubscriptionsByTopicCommand, ListTopicsCommand, UnsubscribeCommand } from '@aws-sdk/client-sns';
import { DeleteQueueCommand, ListQueuesCommand } from '@aws-sdk/client-sqs';
import { isAwsError } from './aws-errors';
import type { AwsClients } from './clients';
import { checkPrefix } from './pipeline';

/**
 * Deletes everything `deploy()` created for a prefix, found by name (`<prefix>-…`), so it also cleans up
 * after a run that crashed before it could report its resources. Missing resources are fine (another
 * teardown, or a half-finished deploy); other failures are collected and reported at the end, after
 * everything that could be deleted was.
 */
export interface TeardownReport {
  deleted: string[];
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

export async function teardown(clients: AwsClients, prefix: string, opts: { log?: (line: string) => void } = {}): Promise<TeardownReport> {
  checkPrefix(prefix);
  const mine = (name: string | undefined): name is string => typeof name === 'string' && name.startsWith(`${prefix}-`);
  const report: TeardownReport = { deleted: [], errors: [] };
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

  // Consumers first, so nothing polls a queue while it is deleted.
  const functions = await listing('functions', () => listAll((Marker) => clients.lambda.send(new ListFunctionsCommand({ Marker })), (p) => p.Functions, (p) => p.NextMarker));
  for (const f of functions.filter((f) => mine(f.FunctionName))) {
    const mappings = await listing('mappings', () =>
      listAll((Marker) => clients.lambda.send(new ListEventSourceMappingsCommand({ FunctionName: f.FunctionName, Marker })), (p) => p.EventSourceMappings, (p) => p.NextMarker),
    );
    for (const m of mappings) await attempt(`mapping ${m.UUID}`, () => clients.lambda.send(new DeleteEventSourceMappingCommand({ UUID: m.UUID })));
    await attempt(`function ${f.FunctionName}`, () => clients.lambda.send(new DeleteFunctionCommand({ FunctionName: f.FunctionName })));
  }

  const buckets = (await listing('buckets', async () => (await clients.s3.send(new ListBucketsCommand({}))).Buckets ?? [])).filter((b) => mine(b.Name));
  for (const b of buckets) {
    await attempt(`bucket ${b.Name}`, async () => {
      // A function finishing late may still write a report between emptying and deleting.
      for (let round = 1; ; round++) {
        await emptyBucket(clients, b.Name!);
        try {
          await clients.s3.send(new DeleteBucketCommand({ Bucket: b.Name }));
          return;
        } catch (e) {
          if (round >= 3 || !isAwsError(e, 'BucketNotEmpty')) throw e;
        }
      }
    });
  }

  const topics = await listing('topics', () => listAll((NextToken) => clients.sns.send(new ListTopicsCommand({ NextToken })), (p) => p.Topics, (p) => p.NextToken));
  for (const t of topics.filter((t) => mine(t.TopicArn?.slice(t.TopicArn.lastIndexOf(':') + 1)))) {
    const subs = await listing('subscriptions', () =>
      listAll((NextToken) => clients.sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: t.TopicArn, NextToken })), (p) => p.Subscriptions, (p) => p.NextToken),
    );
    for (const s of subs) {
      if (!s.SubscriptionArn?.startsWith('arn:')) continue; // pending confirmations have no ARN to delete
      await attempt(`subscription ${s.SubscriptionArn}`, () => clients.sns.send(new UnsubscribeCommand({ SubscriptionArn: s.SubscriptionArn })));
    }
    await attempt(`topic ${t.TopicArn}`, () => clients.sns.send(new DeleteTopicCommand({ TopicArn: t.TopicArn })));
  }

  const queues = await listing('queues', () =>
    listAll((NextToken) => clients.sqs.send(new ListQueuesCommand({ QueueNamePrefix: `${prefix}-`, NextToken, MaxResults: 1000 })), (p) => p.QueueUrls, (p) => p.NextToken),
  );
  for (const url of queues.filter((u) => mine(u.slice(u.lastIndexOf('/') + 1)))) {
    await attempt(`queue ${url}`, () => clients.sqs.send(new DeleteQueueCommand({ QueueUrl: url })));
  }

  const roles = await listing('roles', () => listAll((Marker) => clients.iam.send(new ListRolesCommand({ Marker })), (p) => p.Roles, (p) => (p.IsTruncated ? p.Marker : undefined)));
  for (const role of roles.filter((r) => mine(r.RoleName))) {
    await attempt(`role ${role.RoleName}`, async () => {
      const inline = (await clients.iam.send(new ListRolePoliciesCommand({ RoleName: role.RoleName }))).PolicyNames ?? [];
      for (const name of inline) await clients.iam.send(new DeleteRolePolicyCommand({ RoleName: role.RoleName, PolicyName: name }));
      const attached = (await clients.iam.send(new ListAttachedRolePoliciesCommand({ RoleName: role.RoleName }))).AttachedPolicies ?? [];
      for (const p of attached) await clients.iam.send(new DetachRolePolicyCommand({ RoleName: role.RoleName, PolicyArn: p.PolicyArn }));
      await clients.iam.send(new DeleteRoleCommand({ RoleName: role.RoleName }));
    });
  }

  // Lambda created these, not deploy, but they belong to the pipeline and would pile up.
  const groups = await listing('log groups', () =>
    listAll((nextToken) => clients.logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: `/aws/lambda/${prefix}-`, nextToken })), (p) => p.logGroups, (p) => p.nextToken),
  );
  for (const g of groups) await attempt(`log group ${g.logGroupName}`, () => clients.logs.send(new DeleteLogGroupCommand({ logGroupName: g.logGroupName })));
  return report;
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

async function listAll<P, T>(page: (token: string | undefined) => Promise<P>, items: (p: P) => T[] | undefined, next: (p: P) => string | undefined): Promise<T[]> {
  const all: T[] = [];
  let token: string | undefined;
  do {
    const p = await page(token);
    all.push(...(items(p) ?? []));
    token = next(p);
  } while (token);
  return all;
}
