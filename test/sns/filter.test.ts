import type { MessageAttributeValue } from '@aws-sdk/client-sns';
import { awsErrorOf, bodyOf, unitSetup, type UnitSetup } from './unit-helpers';
import { waitFor } from '../../harness/wait';

/**
 * Filter policies applied through subscriptions, every operator in both scopes (the matcher itself is tested
 * with emulator/core/patterns). Filtering happens at publish time, so each publish is already traced as
 * `sns.deliver` or `sns.filtered` when Publish returns; the delivered ones are then awaited at the queue.
 */
type Event = Record<string, unknown>;
type Scope = 'MessageAttributes' | 'MessageBody';

function attributesOf(event: Event): Record<string, MessageAttributeValue> {
  const out: Record<string, MessageAttributeValue> = {};
  for (const [k, v] of Object.entries(event)) {
    if (Array.isArray(v)) out[k] = { DataType: 'String.Array', StringValue: JSON.stringify(v) };
    else if (typeof v === 'number') out[k] = { DataType: 'Number', StringValue: String(v) };
    else out[k] = { DataType: 'String', StringValue: String(v) };
  }
  return out;
}

async function subscribeWithFilter(u: UnitSetup, scope: Scope, policy: object) {
  const topicArn = await u.topic();
  const queue = u.queueArn(`q-${topicArn.split(':').pop()}`);
  const { SubscriptionArn } = await u.sns.Subscribe(
    { TopicArn: topicArn, Protocol: 'sqs', Endpoint: queue, Attributes: { FilterPolicy: JSON.stringify(policy), FilterPolicyScope: scope } },
    u.ctx,
  );
  return { topicArn, queue, subscriptionArn: SubscriptionArn! };
}

/** Publishes `event` in the scope's form and says whether it was delivered (true) or filtered (false). */
async function delivered(u: UnitSetup, topicArn: string, scope: Scope, event: Event): Promise<boolean> {
  const input =
    scope === 'MessageBody'
      ? { TopicArn: topicArn, Message: JSON.stringify(event) }
      : { TopicArn: topicArn, Message: 'attributes decide', MessageAttributes: attributesOf(event) };
  const { MessageId } = await u.sns.Publish(input, u.ctx);
  // Filtering is decided at publish; a matching delivery starts once its signature is made (off the event loop).
  const hop = await waitFor(() => u.hops.find((h) => h.messageId === MessageId && (h.type === 'sns.deliver' || h.type === 'sns.filtered')), {
    what: `a delivery decision traced for ${MessageId}`,
  });
  return hop.type === 'sns.deliver';
}

const CASES: { name: string; policy: object; match: Event[]; miss: Event[] }[] = [
  { name: 'exact strings (OR within a key)', policy: { color: ['red', 'blue'] }, match: [{ color: 'red' }, { color: 'blue' }], miss: [{ color: 'green' }, { colour: 'red' }] },
  { name: 'exact number', policy: { size: [5] }, match: [{ size: 5 }], miss: [{ size: 6 }] },
  { name: 'keys combine with AND', policy: { color: ['red'], size: [5] }, match: [{ color: 'red', size: 5 }], miss: [{ color: 'red', size: 6 }, { color: 'red' }] },
  { name: 'prefix', policy: { color: [{ prefix: 're' }] }, match: [{ color: 'red' }], miss: [{ color: 'blue' }] },
  { name: 'suffix', policy: { file: [{ suffix: '.jpg' }] }, match: [{ file: 'a.jpg' }], miss: [{ file: 'a.png' }] },
  { name: 'anything-but values', policy: { color: [{ 'anything-but': ['red', 'blue'] }] }, match: [{ color: 'green' }], miss: [{ color: 'red' }, { color: 'blue' }] },
  { name: 'anything-but prefix', policy: { color: [{ 'anything-but': { prefix: 're' } }] }, match: [{ color: 'blue' }], miss: [{ color: 'red' }] },
  { name: 'numeric range', policy: { price: [{ numeric: ['>', 0, '<=', 100] }] }, match: [{ price: 50 }, { price: 100 }], miss: [{ price: 0 }, { price: 100.5 }] },
  { name: 'numeric equals', policy: { price: [{ numeric: ['=', 5] }] }, match: [{ price: 5 }], miss: [{ price: 5.1 }] },
  { name: 'exists true', policy: { color: [{ exists: true }] }, match: [{ color: 'x' }], miss: [{ other: 'y' }] },
  { name: 'exists false', policy: { color: [{ exists: false }] }, match: [{ other: 'y' }], miss: [{ color: 'x' }] },
  { name: 'equals-ignore-case', policy: { color: [{ 'equals-ignore-case': 'RED' }] }, match: [{ color: 'red' }, { color: 'Red' }], miss: [{ color: 'blue' }] },
  { name: 'cidr', policy: { ip: [{ cidr: '10.0.0.0/24' }] }, match: [{ ip: '10.0.0.7' }], miss: [{ ip: '10.0.1.7' }] },
  { name: '$or', policy: { $or: [{ color: ['red'] }, { size: [5] }] }, match: [{ color: 'red' }, { color: 'x', size: 5 }], miss: [{ color: 'blue', size: 6 }] },
  { name: 'array elements match one by one', policy: { tags: ['b'] }, match: [{ tags: ['a', 'b'] }], miss: [{ tags: ['c', 'd'] }] },
];

describe.each(['MessageAttributes', 'MessageBody'] as Scope[])('filter policy, %s scope', (scope) => {
  it.each(CASES)('$name', async ({ policy, match, miss }) => {
    const u = unitSetup();
    const { topicArn, queue } = await subscribeWithFilter(u, scope, policy);
    for (const e of miss) expect([JSON.stringify(e), await delivered(u, topicArn, scope, e)]).toEqual([JSON.stringify(e), false]);
    for (const e of match) expect([JSON.stringify(e), await delivered(u, topicArn, scope, e)]).toEqual([JSON.stringify(e), true]);
    const got = await u.arrivals(queue, match.length);
    expect(got).toHaveLength(match.length);
  });
});

describe('filter policy specifics', () => {
  it('body scope matches nested keys; attribute scope refuses a nested policy', async () => {
    const u = unitSetup();
    const { topicArn, queue } = await subscribeWithFilter(u, 'MessageBody', { order: { status: ['paid'] } });
    expect(await delivered(u, topicArn, 'MessageBody', { order: { status: 'open' } })).toBe(false);
    expect(await delivered(u, topicArn, 'MessageBody', { order: { status: 'paid' } })).toBe(true);
    await u.arrivals(queue, 1);

    const other = await u.topic();
    const err = await awsErrorOf(() =>
      u.sns.Subscribe(
        { TopicArn: other, Protocol: 'sqs', Endpoint: queue, Attributes: { FilterPolicy: JSON.stringify({ order: { status: ['paid'] } }) } },
        u.ctx,
      ),
    );
    expect(err.code).toBe('InvalidParameter');
    expect(err.message).toMatch(/^Invalid parameter: Attributes Reason: .*nested/);
  });

  it('body scope filters out a body that is not a JSON object', async () => {
    const u = unitSetup();
    const { topicArn } = await subscribeWithFilter(u, 'MessageBody', { color: [{ exists: false }] });
    const { MessageId } = await u.sns.Publish({ TopicArn: topicArn, Message: 'plain text' }, u.ctx);
    expect(u.hopsOf('sns.filtered').map((h) => h.messageId)).toContain(MessageId);
  });

  it('attribute scope ignores Binary attributes and messages without attributes', async () => {
    const u = unitSetup();
    const { topicArn, queue } = await subscribeWithFilter(u, 'MessageAttributes', { blob: [{ exists: true }] });
    const binary = await u.sns.Publish(
      { TopicArn: topicArn, Message: 'm', MessageAttributes: { blob: { DataType: 'Binary', BinaryValue: Buffer.from('x') } } },
      u.ctx,
    );
    const none = await u.sns.Publish({ TopicArn: topicArn, Message: 'm' }, u.ctx);
    const filtered = u.hopsOf('sns.filtered').map((h) => h.messageId);
    expect(filtered).toEqual([binary.MessageId, none.MessageId]);
    expect(u.received.filter((r) => r.arn === queue)).toHaveLength(0);
  });

  it('SetSubscriptionAttributes: validates the policy, re-checks it when the scope changes, "" removes it', async () => {
    const u = unitSetup();
    const topicArn = await u.topic();
    const queue = u.queueArn('q');
    const { SubscriptionArn } = await u.sns.Subscribe({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: queue }, u.ctx);
    const set = (AttributeName: string, AttributeValue: string) =>
      u.sns.SetSubscriptionAttributes({ SubscriptionArn, AttributeName, AttributeValue }, u.ctx);

    const bad = await awsErrorOf(() => set('FilterPolicy', JSON.stringify({ a: [{ numeric: ['>'] }] })));
    expect(bad.code).toBe('InvalidParameter');
    expect(bad.message).toMatch(/^Invalid parameter: FilterPolicy: /);
    expect((await awsErrorOf(() => set('FilterPolicy', '{not json'))).message).toBe('Invalid parameter: FilterPolicy: failed to parse JSON.');

    await set('FilterPolicyScope', 'MessageBody');
    await set('FilterPolicy', JSON.stringify({ order: { status: ['paid'] } }));
    const back = await awsErrorOf(() => set('FilterPolicyScope', 'MessageAttributes'));
    expect(back.message).toMatch(/nested/);
    const scopeErr = await awsErrorOf(() => set('FilterPolicyScope', 'Body'));
    expect(scopeErr.message).toBe('Invalid parameter: FilterPolicyScope: Invalid value [Body]. Please use either MessageBody or MessageAttributes');

    let attrs = (await u.sns.GetSubscriptionAttributes({ SubscriptionArn }, u.ctx)).Attributes!;
    expect(attrs.FilterPolicyScope).toBe('MessageBody');
    expect(JSON.parse(attrs.FilterPolicy!)).toEqual({ order: { status: ['paid'] } });

    expect(await delivered(u, topicArn, 'MessageBody', { order: { status: 'open' } })).toBe(false);
    await set('FilterPolicy', '');
    attrs = (await u.sns.GetSubscriptionAttributes({ SubscriptionArn }, u.ctx)).Attributes!;
    expect(attrs).not.toHaveProperty('FilterPolicy');
    expect(attrs).not.toHaveProperty('FilterPolicyScope');
    expect(await delivered(u, topicArn, 'MessageBody', { order: { status: 'open' } })).toBe(true);
    const [got] = await u.arrivals(queue, 1);
    expect(JSON.parse(JSON.parse(bodyOf(got!)).Message)).toEqual({ order: { status: 'open' } });
  });
});
