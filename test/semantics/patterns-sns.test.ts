import { matchesPattern, toFilterableAttributes, type SnsMessageAttribute } from '../../emulator/core/patterns';

/**
 * SNS subscription filter policies, with the examples of the SNS Developer Guide pages "Amazon SNS
 * example filter policies", "String value matching", "Numeric value matching", "Key matching",
 * "IP address matching" and "AND/OR logic".
 */
type Attrs = Record<string, SnsMessageAttribute>;
const byAttributes = (policy: object, attrs: Attrs): boolean =>
  matchesPattern(policy, toFilterableAttributes(attrs), { mode: 'sns-attributes' });
const byBody = (policy: object, body: object): boolean => matchesPattern(policy, body, { mode: 'sns-body' });

const str = (Value: string): SnsMessageAttribute => ({ Type: 'String', Value });
const arr = (values: unknown[]): SnsMessageAttribute => ({ Type: 'String.Array', Value: JSON.stringify(values) });
const num = (Value: string): SnsMessageAttribute => ({ Type: 'Number', Value });

/** The "example filter policies" message: attributes and the same data as a body. */
const exampleAttributes: Attrs = {
  customer_interests: arr(['soccer', 'rugby', 'hockey']),
  store: str('example_corp'),
  event: str('order_placed'),
  price_usd: num('210.75'),
};
const exampleBody = {
  customer_interests: ['soccer', 'rugby', 'hockey'],
  store: 'example_corp',
  event: 'order_placed',
  price_usd: 210.75,
};
const accepting = {
  store: ['example_corp'],
  event: [{ 'anything-but': 'order_cancelled' }],
  customer_interests: ['rugby', 'football', 'baseball'],
  price_usd: [{ numeric: ['>=', 100] }],
};
const rejecting = {
  store: ['example_corp'],
  event: ['order_cancelled'],
  encrypted: [false],
  customer_interests: ['basketball', 'baseball'],
};

describe('example filter policies page', () => {
  test('the accepting policy accepts the message (attribute and body scope)', () => {
    expect(byAttributes(accepting, exampleAttributes)).toBe(true);
    expect(byBody(accepting, exampleBody)).toBe(true);
  });
  test('the rejecting policy rejects it (attribute and body scope)', () => {
    expect(byAttributes(rejecting, exampleAttributes)).toBe(false);
    expect(byBody(rejecting, exampleBody)).toBe(false);
  });
  test('attributes the policy does not name are ignored', () => {
    expect(byAttributes({ store: ['example_corp'] }, exampleAttributes)).toBe(true);
  });
});

describe('string matching', () => {
  const policy = { customer_interests: ['rugby', 'tennis'] };
  test('exact: String, String.Array elements and body values', () => {
    expect(byAttributes(policy, { customer_interests: str('rugby') })).toBe(true);
    expect(byAttributes(policy, { customer_interests: arr(['rugby', 'tennis']) })).toBe(true);
    expect(byBody(policy, { customer_interests: 'tennis' })).toBe(true);
    expect(byAttributes(policy, { customer_interests: str('baseball') })).toBe(false);
    expect(byAttributes(policy, { customer_interests: arr(['baseball']) })).toBe(false);
    expect(byBody(policy, { customer_interests: 'baseball' })).toBe(false);
  });
  test('exact matching is case-sensitive', () => {
    expect(byAttributes(policy, { customer_interests: str('Rugby') })).toBe(false);
  });
  test('anything-but, including the String.Array case ("contains a value that isn\'t rugby or tennis")', () => {
    const p = { customer_interests: [{ 'anything-but': ['rugby', 'tennis'] }] };
    expect(byAttributes(p, { customer_interests: str('baseball') })).toBe(true);
    expect(byAttributes(p, { customer_interests: arr(['rugby', 'baseball']) })).toBe(true);
    expect(byBody(p, { customer_interests: ['rugby', 'baseball'] })).toBe(true);
    expect(byAttributes(p, { customer_interests: str('rugby') })).toBe(false);
    expect(byAttributes(p, { customer_interests: arr(['rugby', 'tennis']) })).toBe(false);
  });
  test('anything-but does not match a missing attribute unless combined with exists:false', () => {
    const p = { customer_interests: [{ 'anything-but': ['rugby'] }] };
    expect(byAttributes(p, { store: str('x') })).toBe(false);
    const orAbsent = { customer_interests: [{ 'anything-but': ['rugby'] }, { exists: false }] };
    expect(byAttributes(orAbsent, { store: str('x') })).toBe(true);
    expect(byAttributes(orAbsent, { customer_interests: str('rugby') })).toBe(false);
  });
  test('prefix', () => {
    const p = { customer_interests: [{ prefix: 'bas' }] };
    expect(byAttributes(p, { customer_interests: str('baseball') })).toBe(true);
    expect(byAttributes(p, { customer_interests: str('basketball') })).toBe(true);
    expect(byAttributes(p, { customer_interests: str('rugby') })).toBe(false);
  });
  test('anything-but prefix', () => {
    const p = { event: [{ 'anything-but': { prefix: 'order-' } }] };
    expect(byAttributes(p, { event: str('data-entry') })).toBe(true);
    expect(byAttributes(p, { event: str('order-cancelled') })).toBe(false);
  });
  test('suffix and anything-but suffix', () => {
    expect(byAttributes({ customer_interests: [{ suffix: 'ball' }] }, { customer_interests: str('baseball') })).toBe(true);
    expect(byAttributes({ customer_interests: [{ suffix: 'ball' }] }, { customer_interests: str('rugby') })).toBe(false);
    const notBall = { customer_interests: [{ 'anything-but': { suffix: 'ball' } }] };
    expect(byAttributes(notBall, { customer_interests: str('rugby') })).toBe(true);
    expect(byAttributes(notBall, { customer_interests: str('football') })).toBe(false);
  });
  test('equals-ignore-case', () => {
    const p = { customer_interests: [{ 'equals-ignore-case': 'tennis' }] };
    expect(byAttributes(p, { customer_interests: str('TENNIS') })).toBe(true);
    expect(byBody(p, { customer_interests: 'Tennis' })).toBe(true);
    expect(byAttributes(p, { customer_interests: str('tennis ball') })).toBe(false);
  });
});

describe('numeric matching', () => {
  test('exact: 301.5 and 3.015e2 are the same number', () => {
    const p = { price_usd: [{ numeric: ['=', 301.5] }] };
    expect(byAttributes(p, { price_usd: num('301.5') })).toBe(true);
    expect(byAttributes(p, { price_usd: num('3.015e2') })).toBe(true);
    expect(byBody(p, { price_usd: 3.015e2 })).toBe(true);
    expect(byAttributes(p, { price_usd: num('301.51') })).toBe(false);
  });
  test('anything-but numbers', () => {
    const p = { price: [{ 'anything-but': [100, 500] }] };
    expect(byAttributes(p, { price: num('101') })).toBe(true);
    expect(byBody(p, { price: 501 })).toBe(true);
    expect(byAttributes(p, { price: num('100') })).toBe(false);
  });
  test('range', () => {
    const p = { price_usd: [{ numeric: ['>', 0, '<=', 150] }] };
    expect(byAttributes(p, { price_usd: num('100') })).toBe(true);
    expect(byBody(p, { price_usd: 150 })).toBe(true);
    expect(byAttributes(p, { price_usd: num('150.01') })).toBe(false);
    expect(byAttributes(p, { price_usd: num('0') })).toBe(false);
  });
  test('only Number attributes are compared numerically; a String "100" is not a number', () => {
    const p = { price_usd: [{ numeric: ['>', 0] }] };
    expect(byAttributes(p, { price_usd: str('100') })).toBe(false);
    expect(byAttributes({ price_usd: [100] }, { price_usd: num('100.0') })).toBe(true);
    expect(byAttributes({ price_usd: [100] }, { price_usd: str('100') })).toBe(false);
  });
  test('custom Number types follow Number', () => {
    expect(byAttributes({ n: [{ numeric: ['<', 0] }] }, { n: { DataType: 'Number.float', StringValue: '-2.5' } })).toBe(true);
  });
});

describe('key matching (exists)', () => {
  test('exists: true', () => {
    const p = { store: [{ exists: true }] };
    expect(byAttributes(p, { store: str('fans'), customer_interests: arr(['baseball', 'basketball']) })).toBe(true);
    expect(byBody(p, { store: 'fans', customer_interests: ['baseball', 'basketball'] })).toBe(true);
    expect(byAttributes(p, { customer_interests: arr(['baseball', 'basketball']) })).toBe(false);
    expect(byBody(p, { customer_interests: ['baseball', 'basketball'] })).toBe(false);
  });
  test('exists: true needs a non-null, non-empty value', () => {
    expect(byBody({ store: [{ exists: true }] }, { store: null })).toBe(false);
    expect(byBody({ store: [{ exists: true }] }, { store: '' })).toBe(false);
  });
  test('exists: false', () => {
    const p = { store: [{ exists: false }] };
    expect(byAttributes(p, { store: str('fans'), customer_interests: arr(['baseball']) })).toBe(false);
    expect(byBody(p, { store: 'fans', customer_interests: ['baseball'] })).toBe(false);
    expect(byAttributes(p, { customer_interests: arr(['baseball', 'basketball']) })).toBe(true);
    expect(byBody(p, { customer_interests: ['baseball', 'basketball'] })).toBe(true);
  });
  test('exists: false does not match a message without any attributes', () => {
    expect(byAttributes({ store: [{ exists: false }] }, {})).toBe(false);
  });
  test('Binary attributes are ignored', () => {
    const attrs: Attrs = { blob: { DataType: 'Binary', BinaryValue: new Uint8Array([1]) }, other: str('x') };
    expect(byAttributes({ blob: [{ exists: true }] }, attrs)).toBe(false);
    expect(byAttributes({ blob: [{ exists: false }] }, attrs)).toBe(true);
  });
});

describe('IP address matching', () => {
  const p = { source_ip: [{ cidr: '10.0.0.0/24' }] };
  test('addresses in the network match', () => {
    expect(byAttributes(p, { source_ip: str('10.0.0.0') })).toBe(true);
    expect(byAttributes(p, { source_ip: str('10.0.0.255') })).toBe(true);
    expect(byBody(p, { source_ip: '10.0.0.17' })).toBe(true);
  });
  test('others do not', () => {
    expect(byAttributes(p, { source_ip: str('10.1.1.0') })).toBe(false);
    expect(byAttributes(p, { source_ip: str('10.0.1.255') })).toBe(false);
  });
});

describe('AND / OR', () => {
  test('AND across keys', () => {
    const p = { customer_interests: ['rugby'], price_usd: [{ numeric: ['>', 100] }] };
    expect(byAttributes(p, { customer_interests: str('rugby'), price_usd: num('101') })).toBe(true);
    expect(byAttributes(p, { customer_interests: str('rugby'), price_usd: num('99') })).toBe(false);
  });
  test('$or operator across keys', () => {
    const p = {
      source: ['aws.cloudwatch'],
      $or: [{ metricName: ['CPUUtilization', 'ReadLatency'] }, { namespace: ['AWS/EC2', 'AWS/ES'] }],
    };
    expect(byAttributes(p, { source: str('aws.cloudwatch'), namespace: str('AWS/ES') })).toBe(true);
    expect(byBody(p, { source: 'aws.cloudwatch', metricName: 'CPUUtilization' })).toBe(true);
    expect(byAttributes(p, { source: str('aws.cloudwatch'), namespace: str('AWS/S3') })).toBe(false);
  });
});

describe('message body scope', () => {
  test('nested properties', () => {
    const p = { order: { status: ['placed'], total: [{ numeric: ['>=', 10] }] } };
    expect(byBody(p, { order: { status: 'placed', total: 12 } })).toBe(true);
    expect(byBody(p, { order: { status: 'placed', total: 9 } })).toBe(false);
    expect(byBody(p, { status: 'placed', total: 12 })).toBe(false);
  });
});

describe('toFilterableAttributes', () => {
  test('maps the documented types and drops the rest', () => {
    expect(
      toFilterableAttributes({
        s: { DataType: 'String', StringValue: 'a' },
        c: { DataType: 'String.custom', StringValue: 'b' },
        a: { DataType: 'String.Array', StringValue: '["x", 1, true, null]' },
        n: { DataType: 'Number', StringValue: '1.5e2' },
        b: { DataType: 'Binary', BinaryValue: new Uint8Array([1]) },
        bad: { DataType: 'String.Array', StringValue: 'not json' },
      }),
    ).toEqual({ s: 'a', c: 'b', a: ['x', 1, true, null], n: 150 });
  });
});
