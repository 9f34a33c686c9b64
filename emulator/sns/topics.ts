import type {
  AddPermissionCommandInput,
  AddPermissionCommandOutput,
  CreateTopicCommandInput,
  CreateTopicCommandOutput,
  DeleteTopicCommandInput,
  DeleteTopicCommandOutput,
  GetDataProtectionPolicyCommandInput,
  GetDataProtectionPolicyCommandOutput,
  GetTopicAttributesCommandInput,
  GetTopicAttributesCommandOutput,
  ListTagsForResourceCommandInput,
  ListTagsForResourceCommandOutput,
  ListTopicsCommandInput,
  ListTopicsCommandOutput,
  PutDataProtectionPolicyCommandInput,
  PutDataProtectionPolicyCommandOutput,
  RemovePermissionCommandInput,
  RemovePermissionCommandOutput,
  SetTopicAttributesCommandInput,
  SetTopicAttributesCommandOutput,
  TagResourceCommandInput,
  TagResourceCommandOutput,
  UntagResourceCommandInput,
  UntagResourceCommandOutput,
} from '@aws-sdk/client-sns';
import type { RequestContext } from '../core/context';
import { AwsError } from '../core/errors';
import { arn } from '../core/ids';
import type { ServiceDeps } from '../core/service';
import { page } from './paging';
import { addPermission, defaultTopicPolicy, removePermission } from './policy';
import type { Out } from './publish';
import type { Topic } from './state';
import type { SnsStore } from './store';
import { invalidParameter, parseTopicArn, validateTags, validateTopicAttribute, validateTopicName } from './validation';

/** Topic operations: create/delete/list, attributes, tags, permissions, data protection policy. */

const MAX_TAGS = 50;
const resourceNotFound = () => new AwsError('ResourceNotFound', 'Resource does not exist', 404);

/** Attribute values as stored: booleans lower-cased, FifoTopic implied by the topic itself. */
function normalizeTopicAttributes(attrs: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'FifoTopic') continue;
    out[k] = k === 'ContentBasedDeduplication' ? v.toLowerCase() : v;
  }
  return out;
}

export function topicOperations(deps: ServiceDeps, store: SnsStore) {
  /** Tagging names topics by ARN; an unknown one is ResourceNotFound rather than NotFound. */
  function taggedTopic(resourceArn: string | undefined, ctx: RequestContext): Topic {
    try {
      return store.topic(resourceArn, ctx, 'ResourceArn');
    } catch (err) {
      if (err instanceof AwsError && err.code === 'NotFound') throw resourceNotFound();
      throw err;
    }
  }

  return {
    async CreateTopic(input: CreateTopicCommandInput, ctx: RequestContext): Promise<Out<CreateTopicCommandOutput>> {
      const attrs = input.Attributes ?? {};
      const fifo = attrs.FifoTopic?.toLowerCase() === 'true';
      validateTopicName(input.Name, fifo);
      for (const [k, v] of Object.entries(attrs)) validateTopicAttribute(k, v, fifo, 'create');
      validateTags(input.Tags);
      if ((input.Tags?.length ?? 0) > MAX_TAGS) throw new AwsError('TagLimitExceeded', 'Could not complete request: tag quota of per resource exceeded', 400);
      const topicArn = arn('sns', ctx.region, ctx.accountId, input.Name!);
      const wanted = normalizeTopicAttributes(attrs);

      // Creating an existing topic is idempotent when the attributes and tags agree.
      const existing = store.findTopic(topicArn);
      if (existing) {
        const current = store.topicAttributes(existing);
        for (const [k, v] of Object.entries(wanted)) {
          if (current[k] !== v) throw invalidParameter('Attributes Reason: Topic already exists with different attributes');
        }
        for (const t of input.Tags ?? []) {
          if (existing.tags.get(t.Key!) !== (t.Value ?? '')) throw invalidParameter('Tags Reason: Topic already exists with different tags');
        }
        return { TopicArn: topicArn };
      }

      const topic: Topic = {
        arn: topicArn,
        name: input.Name!,
        region: ctx.region,
        accountId: ctx.accountId,
        fifo,
        attributes: { Policy: defaultTopicPolicy(topicArn, ctx.accountId), ...wanted },
        tags: new Map((input.Tags ?? []).map((t) => [t.Key!, t.Value ?? ''])),
        subscriptions: [],
        subscriptionsDeleted: 0,
        dataProtectionPolicy: input.DataProtectionPolicy,
        endpoint: ctx.endpoint,
        dedup: new Map(),
        sequence: 0n,
      };
      store.topics.set(topicArn, topic);
      deps.bus.record({ type: 'sns.create-topic', topicArn, fifo });
      return { TopicArn: topicArn };
    },

    async GetTopicAttributes(input: GetTopicAttributesCommandInput, ctx: RequestContext): Promise<Out<GetTopicAttributesCommandOutput>> {
      return { Attributes: store.topicAttributes(store.topic(input.TopicArn, ctx)) };
    },

    async SetTopicAttributes(input: SetTopicAttributesCommandInput, ctx: RequestContext): Promise<Out<SetTopicAttributesCommandOutput>> {
      const topic = store.topic(input.TopicArn, ctx);
      const name = input.AttributeName ?? '';
      const value = input.AttributeValue ?? '';
      validateTopicAttribute(name, value, topic.fifo, 'set');
      if (value === '' && (name === 'DeliveryPolicy' || name === 'ArchivePolicy' || name === 'KmsMasterKeyId')) delete topic.attributes[name];
      else Object.assign(topic.attributes, normalizeTopicAttributes({ [name]: value }));
      return {};
    },

    async DeleteTopic(input: DeleteTopicCommandInput, ctx: RequestContext): Promise<Out<DeleteTopicCommandOutput>> {
      const parsed = parseTopicArn(input.TopicArn);
      if (parsed.region !== ctx.region) throw invalidParameter('TopicArn');
      const topic = store.findTopic(input.TopicArn!);
      // Deleting a topic that does not exist is not an error.
      if (!topic) return {};
      for (const sub of [...topic.subscriptions]) store.removeSubscription(sub);
      store.topics.delete(topic.arn);
      deps.bus.record({ type: 'sns.delete-topic', topicArn: topic.arn });
      return {};
    },

    async ListTopics(input: ListTopicsCommandInput, ctx: RequestContext): Promise<Out<ListTopicsCommandOutput>> {
      const p = page(store.topicsIn(ctx), input.NextToken);
      return { Topics: p.items.map((t) => ({ TopicArn: t.arn })), ...(p.nextToken ? { NextToken: p.nextToken } : {}) };
    },

    async TagResource(input: TagResourceCommandInput, ctx: RequestContext): Promise<Out<TagResourceCommandOutput>> {
      const topic = taggedTopic(input.ResourceArn, ctx);
      validateTags(input.Tags);
      const keys = new Set([...topic.tags.keys(), ...(input.Tags ?? []).map((t) => t.Key!)]);
      if (keys.size > MAX_TAGS) throw new AwsError('TagLimitExceeded', 'Could not complete request: tag quota of per resource exceeded', 400);
      for (const t of input.Tags ?? []) topic.tags.set(t.Key!, t.Value ?? '');
      return {};
    },

    async UntagResource(input: UntagResourceCommandInput, ctx: RequestContext): Promise<Out<UntagResourceCommandOutput>> {
      const topic = taggedTopic(input.ResourceArn, ctx);
      for (const k of input.TagKeys ?? []) topic.tags.delete(k);
      return {};
    },

    async ListTagsForResource(input: ListTagsForResourceCommandInput, ctx: RequestContext): Promise<Out<ListTagsForResourceCommandOutput>> {
      const topic = taggedTopic(input.ResourceArn, ctx);
      return { Tags: [...topic.tags].map(([Key, Value]) => ({ Key, Value })) };
    },

    async AddPermission(input: AddPermissionCommandInput, ctx: RequestContext): Promise<Out<AddPermissionCommandOutput>> {
      const topic = store.topic(input.TopicArn, ctx);
      const current = topic.attributes.Policy ?? defaultTopicPolicy(topic.arn, topic.accountId);
      topic.attributes.Policy = addPermission(current, topic.arn, input.Label ?? '', input.AWSAccountId ?? [], input.ActionName ?? []);
      return {};
    },

    async RemovePermission(input: RemovePermissionCommandInput, ctx: RequestContext): Promise<Out<RemovePermissionCommandOutput>> {
      const topic = store.topic(input.TopicArn, ctx);
      const current = topic.attributes.Policy ?? defaultTopicPolicy(topic.arn, topic.accountId);
      topic.attributes.Policy = removePermission(current, input.Label ?? '');
      return {};
    },

    async GetDataProtectionPolicy(
      input: GetDataProtectionPolicyCommandInput,
      ctx: RequestContext,
    ): Promise<Out<GetDataProtectionPolicyCommandOutput>> {
      const topic = store.topic(input.ResourceArn, ctx, 'ResourceArn');
      return topic.dataProtectionPolicy ? { DataProtectionPolicy: topic.dataProtectionPolicy } : {};
    },

    async PutDataProtectionPolicy(
      input: PutDataProtectionPolicyCommandInput,
      ctx: RequestContext,
    ): Promise<Out<PutDataProtectionPolicyCommandOutput>> {
      const topic = store.topic(input.ResourceArn, ctx, 'ResourceArn');
      try {
        JSON.parse(input.DataProtectionPolicy ?? '');
      } catch {
        throw invalidParameter('DataProtectionPolicy');
      }
      topic.dataProtectionPolicy = input.DataProtectionPolicy;
      return {};
    },
  };
}
