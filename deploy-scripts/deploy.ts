import { CreateRoleCommand, GetRoleCommand, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import {
  AddPermissionCommand,
  CreateEventSourceMappingCommand,
  CreateFunctionCommand,
  DeleteEventSourceMappingCommand,
  GetEventSourceMappingCommand,
  GetFunctionCommand,
  ListEventSourceMappingsCommand,
  PutFunctionEventInvokeConfigCommand,
  UpdateEventSourceMappingCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  GetFunctionConfigurationCommand,
  type EventSourceMappingConfiguration,
  type FunctionConfiguration,
} from '@aws-sdk/client-lambda';
import {
  CreateBucketCommand,
  GetBucketVersioningCommand,
  HeadBucketCommand,
  PutBucketNotificationConfigurationCommand,
  PutBucketVersioningCommand,
  type NotificationConfiguration,
} from '@aws-sdk/client-s3';
import { CreateTopicCommand, ListSubscriptionsByTopicCommand, SetSubscriptionAttributesCommand, SetTopicAttributesCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, GetQueueUrlCommand, SetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { buildHandler, type BuiltHandler } from '../handlers/build';
import { waitFor } from '../harness/wait';
import { ifExists, isAwsError, retryWhile, statusOf } from './aws-errors';
import { bucketArn, partitionOf, type AwsClients } from './clients';
import { type EnvValue, type FunctionSpec, type HandlerCode, type PipelineSpec, type Resources, resourceName, validatePipeline } from './pipeline';
import { LAMBDA_TRUST_POLICY, functionRolePolicy, queuePolicy, topicPolicy } from './policies';

/**
 * Provisions a pipeline through SDK calls only, the same calls on every backend. Idempotent: each step
 * looks first and converges (existing queues get their attributes set, an existing mapping is updated
 * rather than duplicated, unchanged code is not uploaded again).
 */
export interface DeployOptions {
  /** Progress lines (what was created, updated or left alone). */
  log?: (line: string) => void;
  /** Deadline for each wait (function active, mapping enabled, IAM propagation). */
  timeoutMs?: number;
}

export interface DeployReport {
  resources: Resources;
  /** What changed, e.g. `create function p-processor`, `update code p-processor`; empty on a converged re-run. */
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
  return { resources: await d.run(), actions: d.actions };
}

class Deployment {
  readonly actions: string[] = [];
  private readonly region: string;
  private readonly timeoutMs: number;
  private readonly r: Resources;
  private readonly builds = new Map<HandlerCode, Promise<BuiltHandler>>();

  constructor(
    private readonly c: AwsClients,
    private readonly p: PipelineSpec,
    private readonly opts: DeployOptions,
  ) {
    this.region = c.config.region;
    this.timeoutMs = opts.timeoutMs ?? 120_000;
    this.r = {
      prefix: p.prefix,
      topology: p.topology,
      region: this.region,
      accountId: '',
      sourceBucket: resourceName(p.prefix, p.sourceBucket),
      buckets: {},
      topics: {},
      queues: {},
      role: { name: '', arn: '' },
      functions: {},
      mappings: [],
      subscriptions: [],
      probes: { ...p.probes },
      ...(p.alertTopic ? { alertTopic: p.alertTopic } : {}),
    };
  }

  private did(action: string) {
    this.actions.push(action);
    this.opts.log?.(action);
  }

  async run(): Promise<Resources> {
    // Builds run while the infrastructure is created.
    for (const f of this.p.functions) if (!this.builds.has(f.code)) this.builds.set(f.code, buildHandler(f.code));
    this.r.accountId = await this.accountId();
    await Promise.all([this.role(), this.buckets(), this.topics()]);
    await this.queues();
    await this.subscriptions();
    for (const f of this.p.functions) await this.fn(f);
    await this.permissions();
    for (const m of this.p.mappings) await this.mapping(m.function, m.queue, m);
    // Last: S3 checks that destinations exist and may send s3:TestEvent to them.
    await this.notifications();
    return this.r;
  }

  private async accountId(): Promise<string> {
    const id = await this.c.sts.send(new GetCallerIdentityCommand({}));
    if (!id.Account) throw new Error('STS GetCallerIdentity returned no account id');
    return id.Account;
  }

  // ── IAM ──────────────────────────────────────────────────────────────────────────────────────────
  private async role() {
    const name = resourceName(this.p.prefix, 'lambda');
    let role = (await ifExists(() => this.c.iam.send(new GetRoleCommand({ RoleName: name })), 'NoSuchEntityException', 'NoSuchEntity'))?.Role;
    if (!role) {
      role = (
        await this.c.iam.send(
          new CreateRoleCommand({
            RoleName: name,
            Path: ROLE_PATH,
            AssumeRolePolicyDocument: LAMBDA_TRUST_POLICY,
            Description: `s3-event-harness pipeline ${this.p.prefix}`,
          }),
        )
      ).Role;
      this.did(`create role ${name}`);
    }
    if (!role?.Arn) throw new Error(`IAM returned no ARN for role ${name}`);
    await this.c.iam.send(
      new PutRolePolicyCommand({ RoleName: name, PolicyName: 'pipeline', PolicyDocument: functionRolePolicy(this.p.prefix, partitionOf(this.region)) }),
    );
    this.r.role = { name, arn: role.Arn };
  }

  // ── S3 ───────────────────────────────────────────────────────────────────────────────────────────
  private async buckets() {
    for (const b of this.p.buckets) {
      const name = resourceName(this.p.prefix, b.id);
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
          this.did(`create bucket ${name}`);
        } catch (e) {
          if (!isAwsError(e, 'BucketAlreadyOwnedByYou')) throw e;
        }
      }
      const current = (await this.c.s3.send(new GetBucketVersioningCommand({ Bucket: name }))).Status;
      const wanted = b.versioning ? 'Enabled' : current === 'Enabled' ? 'Suspended' : current;
      if (wanted && wanted !== current) {
        await this.c.s3.send(new PutBucketVersioningCommand({ Bucket: name, VersioningConfiguration: { Status: wanted } }));
        this.did(`set versioning ${wanted} on ${name}`);
      }
      this.r.buckets[b.id] = { name, arn: bucketArn(this.region, name), versioning: b.versioning };
    }
  }

  private async notifications() {
    for (const b of this.p.buckets) {
      if (!b.notifications) continue;
      const config: NotificationConfiguration = { QueueConfigurations: [], TopicConfigurations: [], LambdaFunctionConfigurations: [] };
      b.notifications.forEach((n, i) => {
        const rules = [
          ...(n.prefix ? [{ Name: 'prefix' as const, Value: n.prefix }] : []),
          ...(n.suffix ? [{ Name: 'suffix' as const, Value: n.suffix }] : []),
        ];
        const common = { Id: `n${i + 1}`, Events: n.events as never[], ...(rules.length ? { Filter: { Key: { FilterRules: rules } } } : {}) };
        if ('queue' in n.target) config.QueueConfigurations!.push({ ...common, QueueArn: this.r.queues[n.target.queue]!.arn });
        else if ('topic' in n.target) config.TopicConfigurations!.push({ ...common, TopicArn: this.r.topics[n.target.topic]!.arn });
        else config.LambdaFunctionConfigurations!.push({ ...common, LambdaFunctionArn: this.r.functions[n.target.function]!.arn });
      });
      // The configuration is replaced as a whole, so putting it again converges by itself.
      await this.c.s3.send(new PutBucketNotificationConfigurationCommand({ Bucket: this.r.buckets[b.id]!.name, NotificationConfiguration: config }));
    }
  }

  /** ARNs of the buckets whose notifications target `kind`/`id`. */
  private notifiers(kind: 'queue' | 'topic' | 'function', id: string): string[] {
    return this.p.buckets
      .filter((b) => (b.notifications ?? []).some((n) => kind in n.target && (n.target as Record<string, string>)[kind] === id))
      .map((b) => bucketArn(this.region, resourceName(this.p.prefix, b.id)));
  }

  // ── SNS ──────────────────────────────────────────────────────────────────────────────────────────
  private async topics() {
    for (const t of this.p.topics) {
      const name = resourceName(this.p.prefix, t.id, t.fifo);
      // CreateTopic returns the existing topic when called again with the same attributes.
      const out = await this.c.sns.send(new CreateTopicCommand({ Name: name, ...(t.fifo ? { Attributes: { FifoTopic: 'true' } } : {}) }));
      if (!out.TopicArn) throw new Error(`SNS returned no ARN for topic ${name}`);
      this.r.topics[t.id] = { name, arn: out.TopicArn };
      const buckets = this.notifiers('topic', t.id);
      if (buckets.length) {
        await this.c.sns.send(
          new SetTopicAttributesCommand({ TopicArn: out.TopicArn, AttributeName: 'Policy', AttributeValue: topicPolicy(out.TopicArn, this.r.accountId, buckets) }),
        );
      }
    }
  }

  private async subscriptions() {
    for (const s of this.p.subscriptions) {
      const topicArn = this.r.topics[s.topic]!.arn;
      const queueArn = this.r.queues[s.queue]!.arn;
      const attributes: Record<string, string> = { RawMessageDelivery: String(Boolean(s.raw)) };
      if (s.filterPolicy) {
        attributes.FilterPolicy = JSON.stringify(s.filterPolicy);
        attributes.FilterPolicyScope = s.filterPolicyScope ?? 'MessageAttributes';
      }
      const existing = (await this.listSubscriptions(topicArn)).find((x) => x.Protocol === 'sqs' && x.Endpoint === queueArn);
      let arn = existing?.SubscriptionArn;
      if (arn && arn !== 'PendingConfirmation') {
        // FilterPolicy before FilterPolicyScope: the scope applies to a policy that must exist.
        for (const name of ['RawMessageDelivery', 'FilterPolicy', 'FilterPolicyScope']) {
          if (attributes[name] === undefined) continue;
          await this.c.sns.send(new SetSubscriptionAttributesCommand({ SubscriptionArn: arn, AttributeName: name, AttributeValue: attributes[name] }));
        }
      } else {
        const out = await this.c.sns.send(
          new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: queueArn, Attributes: attributes, ReturnSubscriptionArn: true }),
        );
        arn = out.SubscriptionArn;
        this.did(`subscribe ${this.r.queues[s.queue]!.name} to ${this.r.topics[s.topic]!.name}${s.raw ? ' (raw)' : ''}`);
      }
      this.r.subscriptions.push({ arn: arn ?? '', topic: s.topic, queue: s.queue });
    }
  }

  private async listSubscriptions(topicArn: string) {
    const all = [];
    let NextToken: string | undefined;
    do {
      const page = await this.c.sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn, NextToken }));
      all.push(...(page.Subscriptions ?? []));
      NextToken = page.NextToken;
    } while (NextToken);
    return all;
  }

  // ── SQS ──────────────────────────────────────────────────────────────────────────────────────────
  private async queues() {
    // First every queue exists (ARNs are needed for redrive and policies), then attributes converge.
    for (const q of this.p.queues) {
      const name = resourceName(this.p.prefix, q.id, q.fifo);
      let url = (await ifExists(() => this.c.sqs.send(new GetQueueUrlCommand({ QueueName: name })), 'QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue'))
        ?.QueueUrl;
      if (!url) {
        const attributes: Record<string, string> = q.fifo ? { FifoQueue: 'true', ContentBasedDeduplication: 'true' } : {};
        url = (await this.c.sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }))).QueueUrl;
        this.did(`create queue ${name}`);
      }
      if (!url) throw new Error(`SQS returned no URL for queue ${name}`);
      const arn = (await this.c.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes?.QueueArn;
      if (!arn) throw new Error(`SQS returned no ARN for queue ${name}`);
      this.r.queues[q.id] = { name, url, arn };
    }
    for (const q of this.p.queues) {
      const { url, arn } = this.r.queues[q.id]!;
      const attributes: Record<string, string> = {};
      if (q.visibilityTimeoutSeconds !== undefined) attributes.VisibilityTimeout = String(q.visibilityTimeoutSeconds);
      if (q.messageRetentionSeconds !== undefined) attributes.MessageRetentionPeriod = String(q.messageRetentionSeconds);
      if (q.deadLetter) {
        attributes.RedrivePolicy = JSON.stringify({ deadLetterTargetArn: this.r.queues[q.deadLetter.queue]!.arn, maxReceiveCount: q.deadLetter.maxReceiveCount });
      }
      const policy = queuePolicy(arn, this.r.accountId, {
        buckets: this.notifiers('queue', q.id),
        topics: this.p.subscriptions.filter((s) => s.queue === q.id).map((s) => this.r.topics[s.topic]!.arn),
      });
      if (policy) attributes.Policy = policy;
      if (Object.keys(attributes).length) await this.c.sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: attributes }));
    }
  }

  // ── Lambda ───────────────────────────────────────────────────────────────────────────────────────
  private env(vars: Record<string, EnvValue> = {}): Record<string, string> {
    return Object.fromEntries(
      Object.entries(vars).map(([k, v]) => {
        if (typeof v === 'string') return [k, v];
        if ('bucketName' in v) return [k, this.r.buckets[v.bucketName]!.name];
        if ('topicArn' in v) return [k, this.r.topics[v.topicArn]!.arn];
        return [k, this.r.queues[v.queueUrl]!.url];
      }),
    );
  }

  private async fn(f: FunctionSpec) {
    const name = resourceName(this.p.prefix, f.id);
    const built = await this.builds.get(f.code)!;
    const config = {
      FunctionName: name,
      Runtime: FUNCTION_RUNTIME,
      Handler: FUNCTION_HANDLER,
      Role: this.r.role.arn,
      Timeout: f.timeoutSeconds ?? 10,
      MemorySize: f.memorySizeMb ?? 256,
      Environment: { Variables: this.env(f.environment) },
      ...(f.async?.deadLetterQueue ? { DeadLetterConfig: { TargetArn: this.r.queues[f.async.deadLetterQueue]!.arn } } : {}),
    } as const;
    const lambda = this.c.lambda;
    const existing = (await ifExists(() => lambda.send(new GetFunctionCommand({ FunctionName: name })), 'ResourceNotFoundException'))?.Configuration;
    let arn: string | undefined;
    if (!existing) {
      const out = await retryWhile(
        () => lambda.send(new CreateFunctionCommand({ ...config, PackageType: 'Zip', Code: { ZipFile: built.zip } })),
        isIamPropagation,
        { what: `Lambda to accept role ${this.r.role.name}`, timeoutMs: this.timeoutMs },
      );
      arn = out.FunctionArn;
      this.did(`create function ${name}`);
    } else {
      arn = existing.FunctionArn;
      if (existing.CodeSha256 !== built.sha256) {
        await this.waitForFunctionReady(name);
        await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: name, ZipFile: built.zip }));
        this.did(`update code ${name}`);
      }
      if (configDiffers(existing, config)) {
        await this.waitForFunctionReady(name);
        await retryWhile(() => lambda.send(new UpdateFunctionConfigurationCommand(config)), (e) => isIamPropagation(e) || isAwsError(e, 'ResourceConflictException'), {
          what: `configuration update of ${name}`,
          timeoutMs: this.timeoutMs,
        });
        this.did(`update configuration ${name}`);
      }
    }
    await this.waitForFunctionReady(name);
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
    this.r.functions[f.id] = { name, arn, codeSha256: built.sha256, logGroup: `/aws/lambda/${name}` };
  }

  /** S3 may invoke each function its buckets notify. */
  private async permissions() {
    for (const f of this.p.functions) {
      for (const source of this.notifiers('function', f.id)) {
        const bucketName = source.slice(source.lastIndexOf(':') + 1);
        try {
          await this.c.lambda.send(
            new AddPermissionCommand({
              FunctionName: this.r.functions[f.id]!.name,
              StatementId: `s3-invoke-${bucketName}`.slice(0, 100),
              Action: 'lambda:InvokeFunction',
              Principal: 's3.amazonaws.com',
              SourceArn: source,
              SourceAccount: this.r.accountId,
            }),
          );
          this.did(`allow ${bucketName} to invoke ${this.r.functions[f.id]!.name}`);
        } catch (e) {
          if (!isAwsError(e, 'ResourceConflictException')) throw e; // the statement is already there
        }
      }
    }
  }

  private async mapping(fnId: string, queueId: string, m: PipelineSpec['mappings'][number]) {
    const fn = this.r.functions[fnId]!;
    const queue = this.r.queues[queueId]!;
    const wanted = {
      BatchSize: m.batchSize ?? 10,
      ...(m.maximumBatchingWindowSeconds !== undefined ? { MaximumBatchingWindowInSeconds: m.maximumBatchingWindowSeconds } : {}),
      FunctionResponseTypes: m.reportBatchItemFailures ? (['ReportBatchItemFailures'] as const) : ([] as const),
    };
    const existing = await this.listMappings(fn.name, queue.arn);
    let uuid: string | undefined;
    if (existing.length) {
      const [keep, ...extra] = existing;
      uuid = keep!.UUID;
      // A mapping per (function, queue): duplicates left by an interrupted run are removed.
      for (const x of extra) {
        await this.c.lambda.send(new DeleteEventSourceMappingCommand({ UUID: x.UUID }));
        this.did(`delete duplicate mapping ${x.UUID}`);
      }
      if (mappingDiffers(keep!, wanted)) {
        await this.waitForMapping(uuid!, (s) => !['Creating', 'Updating', 'Enabling'].includes(s));
        await this.c.lambda.send(new UpdateEventSourceMappingCommand({ UUID: uuid, FunctionName: fn.name, Enabled: true, ...wanted, FunctionResponseTypes: [...wanted.FunctionResponseTypes] }));
        this.did(`update mapping ${queue.name} → ${fn.name}`);
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
      this.did(`create mapping ${queue.name} → ${fn.name}`);
    }
    if (!uuid) throw new Error(`Lambda returned no UUID for mapping ${queue.name} → ${fn.name}`);
    await this.waitForMapping(uuid, (s) => s === 'Enabled');
    this.r.mappings.push({ uuid, function: fnId, queue: queueId });
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

  /**
   * Active and not mid-update. Polled every 100 ms: the SDK's waiters sleep at least a second between looks,
   * which costs a second per function on an emulator where the transition takes milliseconds.
   */
  private async waitForFunctionReady(name: string) {
    let last = '';
    await waitFor(
      async () => {
        const c = await this.c.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
        last = `${c.State}/${c.LastUpdateStatus}`;
        if (c.State === 'Failed' || c.LastUpdateStatus === 'Failed') throw new Error(`function ${name} failed: ${c.StateReason ?? c.LastUpdateStatusReason}`);
        return c.State === 'Active' && c.LastUpdateStatus !== 'InProgress';
      },
      { timeoutMs: this.timeoutMs, intervalMs: 100, what: `function ${name} to be Active`, describe: () => `state: ${last}` },
    );
  }

  private async waitForMapping(uuid: string, ok: (state: string) => boolean) {
    let last = '';
    await waitFor(
      async () => {
        last = (await this.c.lambda.send(new GetEventSourceMappingCommand({ UUID: uuid }))).State ?? '';
        return ok(last);
      },
      { timeoutMs: this.timeoutMs, intervalMs: 50, what: `event source mapping ${uuid}`, describe: () => `state: ${last}` },
    );
  }
}

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
