import { CreateRoleCommand, GetRoleCommand, PutRolePolicyCommand, TagRoleCommand } from '@aws-sdk/client-iam';
import { CreateLogGroupCommand, ListTagsLogGroupCommand, TagLogGroupCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  AddPermissionCommand,
  CreateEventSourceMappingCommand,
  CreateFunctionCommand,
  DeleteEventSourceMappingCommand,
  GetEventSourceMappingCommand,
  GetFunctionCommand,
  ListEventSourceMappingsCommand,
  PutFunctionEventInvokeConfigCommand,
  TagResourceCommand as TagFunctionCommand,
  UpdateEventSourceMappingCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  GetFunctionConfigurationCommand,
  type EventSourceMappingConfiguration,
  type FunctionConfiguration,
} from '@aws-sdk/client-lambda';
import {
  CreateBucketCommand,
  GetBucketTaggingCommand,
  GetBucketVersioningCommand,
  HeadBucketCommand,
  PutBucketNotificationConfigurationCommand,
  PutBucketTaggingCommand,
  PutBucketVersioningCommand,
  type NotificationConfiguration,
} from '@aws-sdk/client-s3';
import {
  CreateTopicCommand,
  ListSubscriptionsByTopicCommand,
  SetSubscriptionAttributesCommand,
  SetTopicAttributesCommand,
  SubscribeCommand,
  TagResourceCommand as TagTopicCommand,
  type Subscription,
} from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, GetQueueUrlCommand, ListQueueTagsCommand, SetQueueAttributesCommand, TagQueueCommand } from '@aws-sdk/client-sqs';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import {
  DescribeRuleCommand,
  ListTagsForResourceCommand as ListRuleTagsCommand,
  ListTargetsByRuleCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
  TagResourceCommand as TagRuleCommand,
} from '@aws-sdk/client-eventbridge';
import { buildHandler, type BuiltHandler } from '../handlers/build';
import { ifExists, isAwsError, retryWhile, statusOf } from './aws-errors';
import { bucketArn, partitionOf, type AwsClients } from './clients';
import { type EnvValue, type FunctionSpec, type HandlerCode, type PipelineSpec, type Resources, type RuleSpec, resourceName, s3EventPattern, validatePipeline } from './pipeline';
import { LAMBDA_TRUST_POLICY, functionRolePolicy, queuePolicy, topicPolicy } from './policies';
import { pollUntil } from './poll';
import { fromTagList, hasAll, missingTags, stackTags, toTagList, type Tags } from './tags';

/**
 * Provisions a pipeline through SDK calls only, the same calls on every backend. Idempotent: each step
 * looks first and converges (existing queues get their attributes set, an existing mapping is updated
 * rather than duplicated, unchanged code is not uploaded again).
 *
 * Every resource it creates carries the stack's tags (tags.ts), and an existing one without them is
 * tagged, so teardown can tell the harness's resources from others that share the prefix.
 *
 * Steps run as soon as what they need exists: each resource is a memoised step that awaits the steps it
 * depends on (a function its role, its code and the queues and topics named in its environment; a mapping
 * its function and its queue's attributes), so independent resources are created in parallel. The bucket
 * notifications come last, after every mapping and subscription, as S3 may send s3:TestEvent through them.
 */
export interface DeployOptions {
  /** Progress lines (what was created, updated or left alone). */
  log?: (line: string) => void;
  /** Deadline for each wait (function active, mapping enabled, IAM propagation). */
  timeoutMs?: number;
}

export interface DeployReport {
  resources: Resources;
  /**
   * What changed, e.g. `create function p-processor`, `update code p-processor`, `tag queue p-events`; empty
   * on a converged re-run. In pipeline order (role, buckets, topics, queues, subscriptions, log groups,
   * functions, permissions, mappings, notifications), whatever order the parallel steps finished in.
   */
  actions: string[];
}

export const ROLE_PATH = '/s3-event-harness/';
export const FUNCTION_RUNTIME = 'nodejs20.x';
export const FUNCTION_HANDLER = 'index.handler';

export async function deploy(clients: AwsClients, pipeline: PipelineSpec, opts: DeployOptions = {}): Promise<Resources> {
  return (await deployWithReport(clients, pipeline, opts)).resources;
}

export async function deployWithReport(clients: AwsClients, pipeline: PipelineSpec, opts: DeployOptions = {}): Promise<DeployReport> {
  validatePipeline(pipeline);
  const d = new Deployment(clients, pipeline, opts);
  const resources = await d.run();
  return { resources, actions: d.actions() };
}

type Bucket = Resources['buckets'][string];
type Topic = Resources['topics'][string];
type Queue = Resources['queues'][string];
type Fn = Resources['functions'][string];
type Rule = NonNullable<Resources['rules']>[string];

/** Orders the actions of parallel steps: rank of the step kind, then the resource's place in the pipeline. */
const RANK = { role: 0, bucket: 1, topic: 2, queue: 3, subscription: 4, rule: 5, logGroup: 6, function: 7, permission: 8, mapping: 9, notification: 10 } as const;

class Deployment {
  private readonly region: string;
  private readonly timeoutMs: number;
  private readonly tags: Tags;
  private readonly done: { rank: number; index: number; text: string }[] = [];
  private readonly steps = new Map<string, Promise<unknown>>();
  private readonly builds = new Map<HandlerCode, Promise<BuiltHandler>>();
  /** Functions this run created: they cannot have mappings yet, so there are none to look up. */
  private readonly createdFunctions = new Set<string>();

  constructor(
    private readonly c: AwsClients,
    private readonly p: PipelineSpec,
    private readonly opts: DeployOptions,
  ) {
    this.region = c.config.region;
    this.timeoutMs = opts.timeoutMs ?? 120_000;
    this.tags = stackTags(p.prefix);
  }

  actions(): string[] {
    return [...this.done].sort((a, b) => a.rank - b.rank || a.index - b.index).map((a) => a.text); // stable: a step's own actions keep their order
  }

  private did(kind: keyof typeof RANK, index: number, text: string) {
    this.done.push({ rank: RANK[kind], index, text });
    this.opts.log?.(text);
  }

  /** Runs `fn` once; later callers share its promise. */
  private step<T>(key: string, fn: () => Promise<T>): Promise<T> {
    let p = this.steps.get(key) as Promise<T> | undefined;
    if (!p) {
      p = fn();
      this.steps.set(key, p);
    }
    return p;
  }

  async run(): Promise<Resources> {
    // Builds run while the infrastructure is created.
    for (const f of this.p.functions) if (!this.builds.has(f.code)) this.builds.set(f.code, buildHandler(f.code));
    const p = this.p;
    await settleAll([
      this.accountId(),
      this.role(),
      ...p.buckets.map((b) => this.bucket(b.id)),
      ...p.topics.map((t) => this.topicPolicy(t.id)),
      ...p.queues.map((q) => this.queueAttributes(q.id)),
      ...p.subscriptions.map((_, i) => this.subscription(i)),
      ...(p.rules ?? []).map((r) => this.ruleTargets(r.id)),
      // Not awaited by the functions: nothing invokes them before their mappings and notifications exist.
      ...p.functions.map((f, i) => this.logGroup(f, i)),
      ...p.functions.map((f) => this.permissions(f.id)),
      ...p.mappings.map((_, i) => this.mapping(i)),
      ...this.builds.values(),
    ]);
    // Last: S3 checks that destinations exist and may send s3:TestEvent to them.
    await settleAll(p.buckets.map((b, i) => this.notifications(b.id, i)));

    const all = async <T>(ids: string[], get: (id: string) => Promise<T>) => Object.fromEntries(await Promise.all(ids.map(async (id) => [id, await get(id)] as const)));
    return {
      prefix: p.prefix,
      topology: p.topology,
      region: this.region,
      accountId: await this.accountId(),
      sourceBucket: resourceName(p.prefix, p.sourceBucket),
      buckets: await all(p.buckets.map((b) => b.id), (id) => this.bucket(id)),
      topics: await all(p.topics.map((t) => t.id), (id) => this.topic(id)),
      queues: await all(p.queues.map((q) => q.id), (id) => this.queue(id)),
      role: await this.role(),
      functions: await all(p.functions.map((f) => f.id), (id) => this.fn(id)),
      mappings: await Promise.all(p.mappings.map((_, i) => this.mapping(i))),
      subscriptions: await Promise.all(p.subscriptions.map((_, i) => this.subscription(i))),
      ...(p.rules?.length ? { rules: await all(p.rules.map((r) => r.id), (id) => this.rule(id)) } : {}),
      probes: { ...p.probes },
      ...(p.alertTopic ? { alertTopic: p.alertTopic } : {}),
    };
  }

  private accountId(): Promise<string> {
    return this.step('account', async () => {
      const id = await this.c.sts.send(new GetCallerIdentityCommand({}));
      if (!id.Account) throw new Error('STS GetCallerIdentity returned no account id');
      return id.Account;
    });
  }

  // ── IAM ──────────────────────────────────────────────────────────────────────────────────────────
  private role(): Promise<Resources['role']> {
    return this.step('role', async () => {
      const name = resourceName(this.p.prefix, 'lambda');
      // Create first: an existing role answers EntityAlreadyExists, and is then read for its tags.
      let role = await this.c.iam
        .send(
          new CreateRoleCommand({
            RoleName: name,
            Path: ROLE_PATH,
            AssumeRolePolicyDocument: LAMBDA_TRUST_POLICY,
            Description: `s3-event-harness pipeline ${this.p.prefix}`,
            Tags: toTagList(this.tags),
          }),
        )
        .then(
          (out) => {
            this.did('role', 0, `create role ${name}`);
            return out.Role;
          },
          (e) => {
            if (isAwsError(e, 'EntityAlreadyExists', 'EntityAlreadyExistsException')) return undefined;
            throw e;
          },
        );
      if (!role) {
        role = (await this.c.iam.send(new GetRoleCommand({ RoleName: name }))).Role;
        const missing = missingTags(fromTagList(role?.Tags), this.tags);
        if (Object.keys(missing).length) {
          await this.c.iam.send(new TagRoleCommand({ RoleName: name, Tags: toTagList(missing) }));
          this.did('role', 0, `tag role ${name}`);
        }
      }
      if (!role?.Arn) throw new Error(`IAM returned no ARN for role ${name}`);
      await this.c.iam.send(
        new PutRolePolicyCommand({ RoleName: name, PolicyName: 'pipeline', PolicyDocument: functionRolePolicy(this.p.prefix, partitionOf(this.region)) }),
      );
      return { name, arn: role.Arn };
    });
  }

  // ── S3 ───────────────────────────────────────────────────────────────────────────────────────────
  private bucket(id: string): Promise<Bucket> {
    return this.step(`bucket ${id}`, async () => {
      const index = this.p.buckets.findIndex((b) => b.id === id);
      const b = this.p.buckets[index]!;
      const name = resourceName(this.p.prefix, b.id);
      const did = (text: string) => this.did('bucket', index, text);
      let created = false;
      const exists = await this.c.s3.send(new HeadBucketCommand({ Bucket: name })).then(
        () => true,
        (e) => {
          if (statusOf(e) === 404 || isAwsError(e, 'NotFound', 'NoSuchBucket')) return false;
          throw e;
        },
      );
      if (!exists) {
        try {
          await this.c.s3.send(
            new CreateBucketCommand({
              Bucket: name,
              ...(this.region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: this.region as never } }),
            }),
          );
          created = true;
          did(`create bucket ${name}`);
        } catch (e) {
          if (!isAwsError(e, 'BucketAlreadyOwnedByYou')) throw e;
        }
      }
      // A bucket made just now has no versioning status and no tags: nothing to read back.
      const [current, tags] = created
        ? [undefined, {}]
        : await Promise.all([
            this.c.s3.send(new GetBucketVersioningCommand({ Bucket: name })).then((v) => v.Status),
            this.c.s3.send(new GetBucketTaggingCommand({ Bucket: name })).then(
              (t) => fromTagList(t.TagSet),
              (e) => {
                if (isAwsError(e, 'NoSuchTagSet')) return {};
                throw e;
              },
            ),
          ]);
      if (!hasAll(tags, this.tags)) {
        // PutBucketTagging replaces the whole set: keep the tags someone else put there.
        await this.c.s3.send(new PutBucketTaggingCommand({ Bucket: name, Tagging: { TagSet: toTagList({ ...tags, ...this.tags }) } }));
        if (!created) did(`tag bucket ${name}`);
      }
      const wanted = b.versioning ? 'Enabled' : current === 'Enabled' ? 'Suspended' : current;
      if (wanted && wanted !== current) {
        await this.c.s3.send(new PutBucketVersioningCommand({ Bucket: name, VersioningConfiguration: { Status: wanted } }));
        did(`set versioning ${wanted} on ${name}`);
      }
      return { name, arn: bucketArn(this.region, name), versioning: b.versioning };
    });
  }

  private notifications(id: string, index: number): Promise<void> {
    return this.step(`notifications ${id}`, async () => {
      const b = this.p.buckets[index]!;
      if (!b.notifications && !b.eventBridge) return;
      const config: NotificationConfiguration = { QueueConfigurations: [], TopicConfigurations: [], LambdaFunctionConfigurations: [] };
      if (b.eventBridge) config.EventBridgeConfiguration = {};
      // Each destination must already grant S3 its permission (queue policy, topic policy, Lambda permission).
      for (const [i, n] of (b.notifications ?? []).entries()) {
        const rules = [
          ...(n.prefix ? [{ Name: 'prefix' as const, Value: n.prefix }] : []),
          ...(n.suffix ? [{ Name: 'suffix' as const, Value: n.suffix }] : []),
        ];
        const common = { Id: `n${i + 1}`, Events: n.events as never[], ...(rules.length ? { Filter: { Key: { FilterRules: rules } } } : {}) };
        if ('queue' in n.target) config.QueueConfigurations!.push({ ...common, QueueArn: (await this.queueAttributes(n.target.queue)).arn });
        else if ('topic' in n.target) config.TopicConfigurations!.push({ ...common, TopicArn: (await this.topicPolicy(n.target.topic)).arn });
        else config.LambdaFunctionConfigurations!.push({ ...common, LambdaFunctionArn: (await this.permissions(n.target.function)).arn });
      }
      // The configuration is replaced as a whole, so putting it again converges by itself.
      await this.c.s3.send(new PutBucketNotificationConfigurationCommand({ Bucket: (await this.bucket(id)).name, NotificationConfiguration: config }));
    });
  }

  /** ARNs of the buckets whose notifications target `kind`/`id` (bucket ARNs are names, known before the buckets exist). */
  private notifiers(kind: 'queue' | 'topic' | 'function', id: string): string[] {
    return this.p.buckets
      .filter((b) => (b.notifications ?? []).some((n) => kind in n.target && (n.target as Record<string, string>)[kind] === id))
      .map((b) => bucketArn(this.region, resourceName(this.p.prefix, b.id)));
  }

  // ── SNS ──────────────────────────────────────────────────────────────────────────────────────────
  private topic(id: string): Promise<Topic> {
    return this.step(`topic ${id}`, async () => {
      const index = this.p.topics.findIndex((t) => t.id === id);
      const t = this.p.topics[index]!;
      const name = resourceName(this.p.prefix, t.id, t.fifo);
      const create = (tags: boolean) =>
        this.c.sns.send(new CreateTopicCommand({ Name: name, ...(t.fifo ? { Attributes: { FifoTopic: 'true' } } : {}), ...(tags ? { Tags: toTagList(this.tags) } : {}) }));
      // CreateTopic returns the existing topic when called again with the same attributes and tags; a topic
      // that exists without our tags makes it fail ("already exists with different tags"): tag that one.
      let out = await create(true).catch((e) => {
        if (isAwsError(e, 'InvalidParameter', 'InvalidParameterException') && /tags/i.test((e as Error).message)) return undefined;
        throw e;
      });
      if (!out) {
        out = await create(false);
        await this.c.sns.send(new TagTopicCommand({ ResourceArn: out.TopicArn, Tags: toTagList(this.tags) }));
        this.did('topic', index, `tag topic ${name}`);
      }
      if (!out.TopicArn) throw new Error(`SNS returned no ARN for topic ${name}`);
      return { name, arn: out.TopicArn };
    });
  }

  /** The topic, with the policy that lets its buckets publish. */
  private topicPolicy(id: string): Promise<Topic> {
    return this.step(`topic policy ${id}`, async () => {
      const topic = await this.topic(id);
      const buckets = this.notifiers('topic', id);
      if (buckets.length) {
        const policy = topicPolicy(topic.arn, await this.accountId(), buckets);
        await this.c.sns.send(new SetTopicAttributesCommand({ TopicArn: topic.arn, AttributeName: 'Policy', AttributeValue: policy }));
      }
      return topic;
    });
  }

  private subscriptionsOf(topicId: string): Promise<Subscription[]> {
    return this.step(`subscriptions of ${topicId}`, async () => {
      const { arn } = await this.topic(topicId);
      const all: Subscription[] = [];
      let NextToken: string | undefined;
      do {
        const page = await this.c.sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: arn, NextToken }));
        all.push(...(page.Subscriptions ?? []));
        NextToken = page.NextToken;
      } while (NextToken);
      return all;
    });
  }

  private subscription(index: number): Promise<Resources['subscriptions'][number]> {
    return this.step(`subscription ${index}`, async () => {
      const s = this.p.subscriptions[index]!;
      // The queue's policy first: SNS delivers only what it allows.
      const [topic, queue, existingList, dlq] = await Promise.all([
        this.topic(s.topic),
        this.queueAttributes(s.queue),
        this.subscriptionsOf(s.topic),
        s.deadLetterQueue ? this.queueAttributes(s.deadLetterQueue) : undefined,
      ]);
      const attributes: Record<string, string> = { RawMessageDelivery: String(Boolean(s.raw)) };
      if (s.filterPolicy) {
        attributes.FilterPolicy = JSON.stringify(s.filterPolicy);
        attributes.FilterPolicyScope = s.filterPolicyScope ?? 'MessageAttributes';
      }
      if (dlq) attributes.RedrivePolicy = JSON.stringify({ deadLetterTargetArn: dlq.arn });
      const existing = existingList.find((x) => x.Protocol === 'sqs' && x.Endpoint === queue.arn);
      let arn = existing?.SubscriptionArn;
      if (arn && arn !== 'PendingConfirmation') {
        // FilterPolicy before FilterPolicyScope: the scope applies to a policy that must exist.
        for (const name of ['RawMessageDelivery', 'FilterPolicy', 'FilterPolicyScope', 'RedrivePolicy']) {
          if (attributes[name] === undefined) continue;
          await this.c.sns.send(new SetSubscriptionAttributesCommand({ SubscriptionArn: arn, AttributeName: name, AttributeValue: attributes[name] }));
        }
      } else {
        const out = await this.c.sns.send(
          new SubscribeCommand({ TopicArn: topic.arn, Protocol: 'sqs', Endpoint: queue.arn, Attributes: attributes, ReturnSubscriptionArn: true }),
        );
        arn = out.SubscriptionArn;
        this.did('subscription', index, `subscribe ${queue.name} to ${topic.name}${s.raw ? ' (raw)' : ''}`);
      }
      return { arn: arn ?? '', topic: s.topic, queue: s.queue };
    });
  }

  // ── EventBridge ──────────────────────────────────────────────────────────────────────────────────
  /** The rule on the default bus, with its pattern converged and deploy's tags. */
  private rule(id: string): Promise<Rule> {
    return this.step(`rule ${id}`, async () => {
      const index = (this.p.rules ?? []).findIndex((r) => r.id === id);
      const r = this.p.rules![index]!;
      const name = resourceName(this.p.prefix, r.id);
      const bucketName = resourceName(this.p.prefix, r.events.bucket);
      const existing = await ifExists(() => this.c.events.send(new DescribeRuleCommand({ Name: name })), 'ResourceNotFoundException');
      const put = { Name: name, EventPattern: JSON.stringify(s3EventPattern(r.events, bucketName)), State: 'ENABLED' as const, Description: `s3-event-harness pipeline ${this.p.prefix}` };
      const out = await this.c.events.send(new PutRuleCommand(existing ? put : { ...put, Tags: toTagList(this.tags) }));
      if (!out.RuleArn) throw new Error(`EventBridge returned no ARN for rule ${name}`);
      if (!existing) this.did('rule', index, `create rule ${name}`);
      else {
        const missing = missingTags(fromTagList((await this.c.events.send(new ListRuleTagsCommand({ ResourceARN: out.RuleArn }))).Tags), this.tags);
        if (Object.keys(missing).length) {
          await this.c.events.send(new TagRuleCommand({ ResourceARN: out.RuleArn, Tags: toTagList(missing) }));
          this.did('rule', index, `tag rule ${name}`);
        }
      }
      return { name, arn: out.RuleArn };
    });
  }

  /** The rule's target (its queue, after the queue lets the rule send), with the DLQ and retry policy; and its probe. */
  private ruleTargets(id: string): Promise<void> {
    return this.step(`rule targets ${id}`, async () => {
      const r = this.p.rules!.find((x) => x.id === id)!;
      const [rule, target, dlq, probe] = await Promise.all([
        this.rule(id),
        // The target lets the rule send first: the queue's policy, or the function's permission.
        'queue' in r.target ? this.queueAttributes(r.target.queue) : this.permissions(r.target.function),
        r.deadLetterQueue ? this.queueAttributes(r.deadLetterQueue) : undefined,
        r.probe ? this.queueAttributes(r.probe) : undefined,
      ]);
      const retry = r.maximumRetryAttempts !== undefined || r.maximumEventAgeSeconds !== undefined;
      const targetId = 'queue' in r.target ? 'queue' : 'function';
      const out = await this.c.events.send(
        new PutTargetsCommand({
          Rule: rule.name,
          Targets: [
            {
              Id: targetId,
              Arn: target.arn,
              ...(dlq ? { DeadLetterConfig: { Arn: dlq.arn } } : {}),
              ...(retry ? { RetryPolicy: { MaximumRetryAttempts: r.maximumRetryAttempts, MaximumEventAgeInSeconds: r.maximumEventAgeSeconds } } : {}),
            },
            ...(probe ? [{ Id: 'probe', Arn: probe.arn }] : []),
          ],
        }),
      );
      if (out.FailedEntryCount) throw new Error(`PutTargets on ${rule.name}: ${out.FailedEntries?.map((e) => `${e.ErrorCode}: ${e.ErrorMessage}`).join('; ')}`);
      // A target this spec no longer has (the rule's target kind changed) goes: PutTargets only adds and replaces.
      const wanted = new Set([targetId, ...(probe ? ['probe'] : [])]);
      const stale = ((await this.c.events.send(new ListTargetsByRuleCommand({ Rule: rule.name }))).Targets ?? []).filter((t) => !wanted.has(t.Id!));
      if (stale.length) {
        await this.c.events.send(new RemoveTargetsCommand({ Rule: rule.name, Ids: stale.map((t) => t.Id!) }));
        this.did('rule', this.p.rules!.indexOf(r), `remove targets ${stale.map((t) => t.Id).join(', ')} of rule ${rule.name}`);
      }
    });
  }

  // ── SQS ──────────────────────────────────────────────────────────────────────────────────────────
  /** The queue exists and is tagged (its ARN is what redrive policies and subscriptions need). */
  private queue(id: string): Promise<Queue> {
    return this.step(`queue ${id}`, async () => {
      const index = this.p.queues.findIndex((q) => q.id === id);
      const q = this.p.queues[index]!;
      const name = resourceName(this.p.prefix, q.id, q.fifo);
      const sqs = this.c.sqs;
      let url = (await ifExists(() => sqs.send(new GetQueueUrlCommand({ QueueName: name })), 'QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue'))?.QueueUrl;
      const created = !url;
      if (!url) {
        const attributes: Record<string, string> = q.fifo ? { FifoQueue: 'true', ContentBasedDeduplication: 'true' } : {};
        url = (await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes, tags: this.tags }))).QueueUrl;
        this.did('queue', index, `create queue ${name}`);
      }
      if (!url) throw new Error(`SQS returned no URL for queue ${name}`);
      const queueUrl = url;
      const tagged = async () => {
        const missing = missingTags((await sqs.send(new ListQueueTagsCommand({ QueueUrl: queueUrl }))).Tags, this.tags);
        if (!Object.keys(missing).length) return;
        await sqs.send(new TagQueueCommand({ QueueUrl: queueUrl, Tags: missing }));
        this.did('queue', index, `tag queue ${name}`);
      };
      const [arn] = await Promise.all([
        queueArnFromUrl(queueUrl, this.region) ??
          sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] })).then((a) => a.Attributes?.QueueArn),
        created ? undefined : tagged(),
      ]);
      if (!arn) throw new Error(`SQS returned no ARN for queue ${name}`);
      return { name, url: queueUrl, arn };
    });
  }

  /** The queue with its attributes converged: timeouts, redrive to its DLQ, the policy for its senders. */
  private queueAttributes(id: string): Promise<Queue> {
    return this.step(`queue attributes ${id}`, async () => {
      const q = this.p.queues.find((x) => x.id === id)!;
      // SNS sends to a subscription's queue and to its DLQ alike.
      const senderTopics = [...new Set(this.p.subscriptions.filter((s) => s.queue === id || s.deadLetterQueue === id).map((s) => s.topic))];
      // EventBridge sends to a rule's target and to the target's DLQ alike.
      const senderRules = (this.p.rules ?? []).filter((r) => targetQueue(r) === id || r.deadLetterQueue === id || r.probe === id).map((r) => r.id);
      const [queue, dlq, topics, rules, accountId] = await Promise.all([
        this.queue(id),
        q.deadLetter ? this.queue(q.deadLetter.queue) : undefined,
        Promise.all(senderTopics.map((t) => this.topic(t))),
        Promise.all(senderRules.map((r) => this.rule(r))),
        this.accountId(),
      ]);
      const attributes: Record<string, string> = {};
      if (q.visibilityTimeoutSeconds !== undefined) attributes.VisibilityTimeout = String(q.visibilityTimeoutSeconds);
      if (q.messageRetentionSeconds !== undefined) attributes.MessageRetentionPeriod = String(q.messageRetentionSeconds);
      if (q.deadLetter) attributes.RedrivePolicy = JSON.stringify({ deadLetterTargetArn: dlq!.arn, maxReceiveCount: q.deadLetter.maxReceiveCount });
      const policy = queuePolicy(queue.arn, accountId, { buckets: this.notifiers('queue', id), topics: topics.map((t) => t.arn), rules: rules.map((r) => r.arn) });
      if (policy) attributes.Policy = policy;
      if (Object.keys(attributes).length) await this.c.sqs.send(new SetQueueAttributesCommand({ QueueUrl: queue.url, Attributes: attributes }));
      return queue;
    });
  }

  // ── CloudWatch Logs ──────────────────────────────────────────────────────────────────────────────
  /**
   * The function's log group, made by deploy (rather than by Lambda on the first invocation) so that it is
   * tagged and teardown can select it like everything else. TagLogGroup / ListTagsLogGroup: the older pair,
   * which AWS still serves and every backend here implements.
   */
  private logGroup(f: FunctionSpec, index: number): Promise<void> {
    return this.step(`log group ${f.id}`, async () => {
      const logGroupName = `/aws/lambda/${resourceName(this.p.prefix, f.id)}`;
      try {
        await this.c.logs.send(new CreateLogGroupCommand({ logGroupName, tags: this.tags }));
        this.did('logGroup', index, `create log group ${logGroupName}`);
      } catch (e) {
        if (!isAwsError(e, 'ResourceAlreadyExistsException')) throw e;
        const missing = missingTags((await this.c.logs.send(new ListTagsLogGroupCommand({ logGroupName }))).tags, this.tags);
        if (Object.keys(missing).length) {
          await this.c.logs.send(new TagLogGroupCommand({ logGroupName, tags: missing }));
          this.did('logGroup', index, `tag log group ${logGroupName}`);
        }
      }
    });
  }

  // ── Lambda ───────────────────────────────────────────────────────────────────────────────────────
  private async env(vars: Record<string, EnvValue> = {}): Promise<Record<string, string>> {
    return Object.fromEntries(
      await Promise.all(
        Object.entries(vars).map(async ([k, v]) => {
          if (typeof v === 'string') return [k, v];
          if ('bucketName' in v) return [k, resourceName(this.p.prefix, v.bucketName)];
          if ('topicArn' in v) return [k, (await this.topic(v.topicArn)).arn];
          return [k, (await this.queue(v.queueUrl)).url];
        }),
      ),
    );
  }

  private fn(id: string): Promise<Fn> {
    return this.step(`function ${id}`, async () => {
      const index = this.p.functions.findIndex((f) => f.id === id);
      const f = this.p.functions[index]!;
      const name = resourceName(this.p.prefix, f.id);
      const did = (text: string) => this.did('function', index, text);
      const lambda = this.c.lambda;
      const [role, built, env, dlq] = await Promise.all([
        this.role(),
        this.builds.get(f.code)!,
        this.env(f.environment),
        f.async?.deadLetterQueue ? this.queue(f.async.deadLetterQueue) : undefined,
      ]);
      const config = {
        FunctionName: name,
        Runtime: FUNCTION_RUNTIME,
        Handler: FUNCTION_HANDLER,
        Role: role.arn,
        Timeout: f.timeoutSeconds ?? 10,
        MemorySize: f.memorySizeMb ?? 256,
        Environment: { Variables: env },
        ...(dlq ? { DeadLetterConfig: { TargetArn: dlq.arn } } : {}),
      } as const;
      // Create first: a new function costs one request, an existing one answers ResourceConflictException.
      const out = await retryWhile(
        () => lambda.send(new CreateFunctionCommand({ ...config, PackageType: 'Zip', Code: { ZipFile: built.zip }, Tags: this.tags })),
        isIamPropagation,
        { what: `Lambda to accept role ${role.name}`, timeoutMs: this.timeoutMs },
      ).catch((e) => {
        if (isAwsError(e, 'ResourceConflictException')) return undefined;
        throw e;
      });
      let arn: string | undefined;
      let ready: boolean;
      if (out) {
        arn = out.FunctionArn;
        ready = isReady(out);
        this.createdFunctions.add(id);
        did(`create function ${name}`);
      } else {
        const existingFn = await lambda.send(new GetFunctionCommand({ FunctionName: name }));
        const existing = existingFn.Configuration ?? {};
        arn = existing.FunctionArn;
        ready = isReady(existing);
        const missing = missingTags(existingFn.Tags, this.tags);
        if (Object.keys(missing).length && arn) {
          await lambda.send(new TagFunctionCommand({ Resource: arn, Tags: missing }));
          did(`tag function ${name}`);
        }
        if (existing.CodeSha256 !== built.sha256) {
          if (!ready) await this.waitForFunctionReady(name);
          await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: name, ZipFile: built.zip }));
          ready = false;
          did(`update code ${name}`);
        }
        if (configDiffers(existing, config)) {
          if (!ready) await this.waitForFunctionReady(name);
          await retryWhile(() => lambda.send(new UpdateFunctionConfigurationCommand(config)), (e) => isIamPropagation(e) || isAwsError(e, 'ResourceConflictException'), {
            what: `configuration update of ${name}`,
            timeoutMs: this.timeoutMs,
          });
          ready = false;
          did(`update configuration ${name}`);
        }
      }
      if (!ready) await this.waitForFunctionReady(name);
      if (f.async) {
        await lambda.send(
          new PutFunctionEventInvokeConfigCommand({
            FunctionName: name,
            MaximumRetryAttempts: f.async.maxRetries,
            ...(f.async.maxEventAgeSeconds !== undefined ? { MaximumEventAgeInSeconds: f.async.maxEventAgeSeconds } : {}),
          }),
        );
      }
      if (!arn) throw new Error(`Lambda returned no ARN for function ${name}`);
      return { name, arn, codeSha256: built.sha256, logGroup: `/aws/lambda/${name}` };
    });
  }

  /** The function, once S3 may invoke it from each bucket that notifies it. */
  private permissions(id: string): Promise<Fn> {
    return this.step(`permissions ${id}`, async () => {
      const index = this.p.functions.findIndex((f) => f.id === id);
      const [fn, accountId] = await Promise.all([this.fn(id), this.accountId()]);
      // Adds a statement unless it is there already (Lambda answers ResourceConflictException), saying so when added.
      const allow = async (statement: { StatementId: string; Principal: string; SourceArn: string; SourceAccount?: string }, text: string) => {
        try {
          await this.c.lambda.send(new AddPermissionCommand({ FunctionName: fn.name, Action: 'lambda:InvokeFunction', ...statement, StatementId: statement.StatementId.slice(0, 100) }));
          this.did('permission', index, text);
        } catch (e) {
          if (!isAwsError(e, 'ResourceConflictException')) throw e;
        }
      };
      for (const r of (this.p.rules ?? []).filter((x) => 'function' in x.target && x.target.function === id)) {
        const rule = await this.rule(r.id);
        await allow({ StatementId: `rule-${rule.name}`, Principal: 'events.amazonaws.com', SourceArn: rule.arn }, `allow rule ${rule.name} to invoke ${fn.name}`);
      }
      for (const source of this.notifiers('function', id)) {
        const bucketName = source.slice(source.lastIndexOf(':') + 1);
        await allow({ StatementId: `s3-invoke-${bucketName}`, Principal: 's3.amazonaws.com', SourceArn: source, SourceAccount: accountId }, `allow ${bucketName} to invoke ${fn.name}`);
      }
      return fn;
    });
  }

  private mapping(index: number): Promise<Resources['mappings'][number]> {
    return this.step(`mapping ${index}`, async () => {
      const m = this.p.mappings[index]!;
      const did = (text: string) => this.did('mapping', index, text);
      // The queue's attributes first: Lambda checks its visibility timeout against the function's timeout.
      const [fn, queue] = await Promise.all([this.fn(m.function), this.queueAttributes(m.queue)]);
      const wanted = {
        BatchSize: m.batchSize ?? 10,
        ...(m.maximumBatchingWindowSeconds !== undefined ? { MaximumBatchingWindowInSeconds: m.maximumBatchingWindowSeconds } : {}),
        FunctionResponseTypes: m.reportBatchItemFailures ? (['ReportBatchItemFailures'] as const) : ([] as const),
      };
      const existing = this.createdFunctions.has(m.function) ? [] : await this.listMappings(fn.name, queue.arn);
      let uuid: string | undefined;
      let state: string | undefined;
      if (existing.length) {
        const [keep, ...extra] = existing;
        uuid = keep!.UUID;
        state = keep!.State;
        // A mapping per (function, queue): duplicates left by an interrupted run are removed.
        for (const x of extra) {
          await this.c.lambda.send(new DeleteEventSourceMappingCommand({ UUID: x.UUID }));
          did(`delete duplicate mapping ${x.UUID}`);
        }
        if (mappingDiffers(keep!, wanted)) {
          if (state !== 'Enabled' && state !== 'Disabled') await this.waitForMapping(uuid!, (s) => !['Creating', 'Updating', 'Enabling'].includes(s));
          const out = await this.c.lambda.send(
            new UpdateEventSourceMappingCommand({ UUID: uuid, FunctionName: fn.name, Enabled: true, ...wanted, FunctionResponseTypes: [...wanted.FunctionResponseTypes] }),
          );
          state = out.State;
          did(`update mapping ${queue.name} → ${fn.name}`);
        }
      } else {
        const out = await retryWhile(
          () =>
            this.c.lambda.send(
              new CreateEventSourceMappingCommand({
                FunctionName: fn.name,
                EventSourceArn: queue.arn,
                Enabled: true,
                ...wanted,
                FunctionResponseTypes: [...wanted.FunctionResponseTypes],
              }),
            ),
          isIamPropagation,
          { what: `mapping ${queue.name} → ${fn.name}`, timeoutMs: this.timeoutMs },
        );
        uuid = out.UUID;
        state = out.State;
        did(`create mapping ${queue.name} → ${fn.name}`);
      }
      if (!uuid) throw new Error(`Lambda returned no UUID for mapping ${queue.name} → ${fn.name}`);
      if (state !== 'Enabled') await this.waitForMapping(uuid, (s) => s === 'Enabled');
      return { uuid, function: m.function, queue: m.queue };
    });
  }

  private async listMappings(functionName: string, queueArn: string): Promise<EventSourceMappingConfiguration[]> {
    const all: EventSourceMappingConfiguration[] = [];
    let Marker: string | undefined;
    do {
      const page = await this.c.lambda.send(new ListEventSourceMappingsCommand({ FunctionName: functionName, EventSourceArn: queueArn, Marker }));
      all.push(...(page.EventSourceMappings ?? []));
      Marker = page.NextMarker;
    } while (Marker);
    // Some implementations ignore one of the filters; match both here.
    return all.filter((m) => m.EventSourceArn === queueArn && (m.FunctionArn ?? '').endsWith(`:function:${functionName}`));
  }

  /** Active and not mid-update (poll.ts: first look after 10 ms, backing off to 1 s). */
  private async waitForFunctionReady(name: string) {
    let last = '';
    await pollUntil(
      async () => {
        const c = await this.c.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
        last = `${c.State}/${c.LastUpdateStatus}`;
        if (c.State === 'Failed' || c.LastUpdateStatus === 'Failed') throw new Error(`function ${name} failed: ${c.StateReason ?? c.LastUpdateStatusReason}`);
        return isReady(c);
      },
      { timeoutMs: this.timeoutMs, what: `function ${name} to be Active`, describe: () => `state: ${last}` },
    );
  }

  private async waitForMapping(uuid: string, ok: (state: string) => boolean) {
    let last = '';
    await pollUntil(
      async () => {
        last = (await this.c.lambda.send(new GetEventSourceMappingCommand({ UUID: uuid }))).State ?? '';
        return ok(last);
      },
      { timeoutMs: this.timeoutMs, what: `event source mapping ${uuid}`, describe: () => `state: ${last}` },
    );
  }
}

/**
 * Waits for every step, also after one failed (so nothing is still running against the clients when
 * deploy returns or throws), then throws the first failure in pipeline order.
 */
async function settleAll(steps: Promise<unknown>[]): Promise<void> {
  const results = await Promise.allSettled(steps);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/**
 * A queue URL ends in `/<account id>/<queue name>` on AWS and on every emulator (LocalStack's URL
 * strategies included), and the queue's ARN is made of the same parts: no GetQueueAttributes needed.
 * Undefined for a URL of another shape (then SQS is asked).
 */
export function queueArnFromUrl(url: string, region: string): string | undefined {
  let parts: string[];
  try {
    parts = new URL(url).pathname.split('/').filter(Boolean);
  } catch {
    return undefined;
  }
  const [account, name] = parts.slice(-2);
  if (!account || !name || !/^\d{12}$/.test(account)) return undefined;
  return `arn:${partitionOf(region)}:sqs:${region}:${account}:${decodeURIComponent(name)}`;
}

/** The queue a rule sends to, if its target is a queue. */
const targetQueue = (r: RuleSpec): string | undefined => ('queue' in r.target ? r.target.queue : undefined);

const isReady = (c: Pick<FunctionConfiguration, 'State' | 'LastUpdateStatus'>): boolean => c.State === 'Active' && c.LastUpdateStatus !== 'InProgress';

/** Real AWS: a role created moments ago is not yet visible to Lambda (it says so in these words). */
function isIamPropagation(e: unknown): boolean {
  const message = (e as Error | undefined)?.message ?? '';
  return isAwsError(e, 'InvalidParameterValueException') && /cannot be assumed|execution role does not have permissions|not authorized/i.test(message);
}

function configDiffers(existing: FunctionConfiguration, wanted: Record<string, any>): boolean {
  const env = existing.Environment?.Variables ?? {};
  const wantedEnv: Record<string, string> = wanted.Environment.Variables;
  const sameEnv = Object.keys(env).length === Object.keys(wantedEnv).length && Object.entries(wantedEnv).every(([k, v]) => env[k] === v);
  return (
    !sameEnv ||
    existing.Timeout !== wanted.Timeout ||
    existing.MemorySize !== wanted.MemorySize ||
    existing.Role !== wanted.Role ||
    existing.Handler !== wanted.Handler ||
    existing.Runtime !== wanted.Runtime ||
    (existing.DeadLetterConfig?.TargetArn ?? undefined) !== (wanted.DeadLetterConfig?.TargetArn ?? undefined)
  );
}

function mappingDiffers(m: EventSourceMappingConfiguration, wanted: { BatchSize: number; MaximumBatchingWindowInSeconds?: number; FunctionResponseTypes: readonly string[] }): boolean {
  const types = [...(m.FunctionResponseTypes ?? [])].sort().join(',');
  return (
    m.BatchSize !== wanted.BatchSize ||
    (wanted.MaximumBatchingWindowInSeconds !== undefined && m.MaximumBatchingWindowInSeconds !== wanted.MaximumBatchingWindowInSeconds) ||
    types !== [...wanted.FunctionResponseTypes].sort().join(',') ||
    (m.State !== undefined && !['Enabled', 'Enabling', 'Creating', 'Updating'].includes(m.State))
  );
}
