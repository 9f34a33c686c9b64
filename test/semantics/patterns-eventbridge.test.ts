import { matchesPattern } from '../../emulator/core/patterns';

/**
 * EventBridge content filtering. Patterns and events are the examples of the EventBridge User Guide
 * ("Content filtering in Amazon EventBridge event patterns", "Comparison operators for use in event
 * patterns") and of aws/event-ruler's README, with a negative case next to each positive one.
 */
const eb = (pattern: object, event: object): boolean => matchesPattern(pattern, event, { mode: 'eventbridge' });

/** event-ruler README's sample event. */
const ec2Event = {
  version: '0',
  id: 'ddddd4-aaaa-7777-4444-345dd43cc333',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '012345679012',
  time: '2017-10-02T16:24:49Z',
  region: 'us-east-1',
  resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-000000aaaaaa00000'],
  detail: {
    'c-count': 5,
    'd-count': 3,
    'x-limit': 301.8,
    'source-ip': '10.0.0.33',
    'instance-id': 'i-000000aaaaaa00000',
    state: 'running',
  },
};
const withDetail = (detail: object): object => ({ ...ec2Event, detail: { ...ec2Event.detail, ...detail } });

describe('exact matching, AND and OR', () => {
  const simple = {
    'detail-type': ['EC2 Instance State-change Notification'],
    resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-000000aaaaaa00000'],
    detail: { state: ['initializing', 'running'] },
  };
  test('README simple rule matches; values in an array are OR-ed', () => {
    expect(eb(simple, ec2Event)).toBe(true);
    expect(eb(simple, withDetail({ state: 'initializing' }))).toBe(true);
  });
  test('every key must match (AND)', () => {
    expect(eb(simple, withDetail({ state: 'stopped' }))).toBe(false);
    expect(eb({ ...simple, source: ['aws.s3'] }, ec2Event)).toBe(false);
  });
  test('a key the event lacks fails an exact match', () => {
    expect(eb({ detail: { nope: ['x'] } }, ec2Event)).toBe(false);
  });
  test('an array event value matches when any element matches', () => {
    const ev = { resources: ['a', 'b', 'c'] };
    expect(eb({ resources: ['b', 'z'] }, ev)).toBe(true);
    expect(eb({ resources: ['z'] }, ev)).toBe(false);
  });
  test('numbers compare numerically; strings and numbers never equal each other', () => {
    expect(eb({ detail: { 'x-limit': [3.018e2] } }, ec2Event)).toBe(true);
    expect(eb({ detail: { 'c-count': ['5'] } }, ec2Event)).toBe(false);
    expect(eb({ detail: { 'instance-id': [5] } }, withDetail({ 'instance-id': '5' }))).toBe(false);
  });
  test('booleans match only booleans', () => {
    expect(eb({ detail: { ok: [true] } }, withDetail({ ok: true }))).toBe(true);
    expect(eb({ detail: { ok: [true] } }, withDetail({ ok: 'true' }))).toBe(false);
  });
  test('matching is case-sensitive', () => {
    expect(eb({ source: ['AWS.EC2'] }, ec2Event)).toBe(false);
  });
});

describe('empty and null values (EventBridge "Matching on null values and empty strings")', () => {
  const ev = { detail: { eventVersion: '', responseElements: null } };
  test('[""] matches an empty string only', () => {
    expect(eb({ detail: { eventVersion: [''] } }, ev)).toBe(true);
    expect(eb({ detail: { eventVersion: [''] } }, { detail: { eventVersion: '1.0' } })).toBe(false);
  });
  test('[null] matches a null value, not the string "null" nor an absent field', () => {
    expect(eb({ detail: { responseElements: [null] } }, ev)).toBe(true);
    expect(eb({ detail: { responseElements: [null] } }, { detail: { responseElements: 'null' } })).toBe(false);
    expect(eb({ detail: { responseElements: [null] } }, { detail: {} })).toBe(false);
  });
});

describe('prefix / suffix', () => {
  test('prefix on "time"', () => {
    expect(eb({ time: [{ prefix: '2017-10-02' }] }, ec2Event)).toBe(true);
    expect(eb({ time: [{ prefix: '2017-10-03' }] }, ec2Event)).toBe(false);
  });
  test('prefix with equals-ignore-case', () => {
    const p = { detail: { service: [{ prefix: { 'equals-ignore-case': 'EventB' } }] } };
    expect(eb(p, { detail: { service: 'eventbridge' } })).toBe(true);
    expect(eb(p, { detail: { service: 'EVENTBUS' } })).toBe(true);
    expect(eb(p, { detail: { service: 'sns' } })).toBe(false);
  });
  test('suffix on "FileName"', () => {
    expect(eb({ FileName: [{ suffix: '.png' }] }, { FileName: 'cat.png' })).toBe(true);
    expect(eb({ FileName: [{ suffix: '.png' }] }, { FileName: 'cat.PNG' })).toBe(false);
  });
  test('suffix with equals-ignore-case', () => {
    const p = { detail: { FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] } };
    expect(eb(p, { detail: { FileName: 'cat.PNG' } })).toBe(true);
    expect(eb(p, { detail: { FileName: 'cat.jpg' } })).toBe(false);
  });
  test('prefix and suffix only apply to strings', () => {
    expect(eb({ n: [{ prefix: '1' }] }, { n: 123 })).toBe(false);
  });
});

describe('equals-ignore-case', () => {
  test('matches any casing, only that string', () => {
    const p = { 'detail-type': [{ 'equals-ignore-case': 'ec2 instance state-change notification' }] };
    expect(eb(p, ec2Event)).toBe(true);
    expect(eb({ source: [{ 'equals-ignore-case': 'AWS.EC' }] }, ec2Event)).toBe(false);
  });
});

describe('wildcard', () => {
  test('"*" stands for any run of characters', () => {
    const p = { EventBusArn: [{ wildcard: 'arn:aws:events:us-east-1:*:event-bus/*' }] };
    expect(eb(p, { EventBusArn: 'arn:aws:events:us-east-1:123456789012:event-bus/default' })).toBe(true);
    expect(eb(p, { EventBusArn: 'arn:aws:events:us-west-2:123456789012:event-bus/default' })).toBe(false);
  });
  test('README: Simple*Service', () => {
    expect(eb({ source: [{ wildcard: 'Simple*Service' }] }, { source: 'SimpleQueueService' })).toBe(true);
    expect(eb({ source: [{ wildcard: 'Simple*Service' }] }, { source: 'SimpleQueueServices' })).toBe(false);
  });
  test('an escaped \\* is a literal asterisk', () => {
    expect(eb({ a: [{ wildcard: 'a\\*b' }] }, { a: 'a*b' })).toBe(true);
    expect(eb({ a: [{ wildcard: 'a\\*b' }] }, { a: 'axxb' })).toBe(false);
  });
  test('regex metacharacters in the pattern are literal', () => {
    expect(eb({ a: [{ wildcard: 'file.(1)*' }] }, { a: 'file.(1).txt' })).toBe(true);
    expect(eb({ a: [{ wildcard: 'file.(1)*' }] }, { a: 'fileX(1).txt' })).toBe(false);
  });
  test('many wildcards against a long value that almost matches answer at once (a RegExp backtracked for seconds)', () => {
    // As a RegExp, ^.*a.*a.*a.*b$ against 400 a's takes ~16 s of CPU, the emulator's event loop blocked all along.
    const started = performance.now();
    expect(eb({ a: [{ wildcard: '*a*a*a*b' }] }, { a: 'a'.repeat(400) })).toBe(false);
    expect(eb({ a: [{ wildcard: '*a*a*a*b' }] }, { a: `${'a'.repeat(400)}b` })).toBe(true);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('anything-but', () => {
  test('single string', () => {
    const p = { detail: { state: [{ 'anything-but': 'initializing' }] } };
    expect(eb(p, ec2Event)).toBe(true);
    expect(eb(p, withDetail({ state: 'initializing' }))).toBe(false);
  });
  test('single number', () => {
    const p = { detail: { 'x-limit': [{ 'anything-but': 123 }] } };
    expect(eb(p, ec2Event)).toBe(true);
    expect(eb(p, withDetail({ 'x-limit': 123 }))).toBe(false);
  });
  test('list of strings', () => {
    const p = { detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } };
    expect(eb(p, ec2Event)).toBe(true);
    expect(eb(p, withDetail({ state: 'overloaded' }))).toBe(false);
  });
  test('list of numbers', () => {
    const p = { detail: { 'x-limit': [{ 'anything-but': [100, 200, 300] }] } };
    expect(eb(p, ec2Event)).toBe(true);
    expect(eb(p, withDetail({ 'x-limit': 200 }))).toBe(false);
  });
  test('prefix', () => {
    const p = { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } };
    expect(eb(p, ec2Event)).toBe(true);
    expect(eb(p, withDetail({ state: 'initializing' }))).toBe(false);
  });
  test('suffix', () => {
    const p = { FileName: [{ 'anything-but': { suffix: '.png' } }] };
    expect(eb(p, { FileName: 'a.jpg' })).toBe(true);
    expect(eb(p, { FileName: 'a.png' })).toBe(false);
  });
  test('equals-ignore-case (single and list)', () => {
    const p = { state: [{ 'anything-but': { 'equals-ignore-case': 'initializing' } }] };
    expect(eb(p, { state: 'running' })).toBe(true);
    expect(eb(p, { state: 'INITIALIZING' })).toBe(false);
    const list = { state: [{ 'anything-but': { 'equals-ignore-case': ['a', 'b'] } }] };
    expect(eb(list, { state: 'c' })).toBe(true);
    expect(eb(list, { state: 'B' })).toBe(false);
  });
  test('wildcard', () => {
    const p = { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] };
    expect(eb(p, { FilePath: '/usr/bin/x' })).toBe(true);
    expect(eb(p, { FilePath: '/usr/lib/x' })).toBe(false);
  });
  test('does not match an absent field', () => {
    expect(eb({ detail: { missing: [{ 'anything-but': 'x' }] } }, ec2Event)).toBe(false);
    expect(eb({ detail: { missing: [{ 'anything-but': { prefix: 'x' } }] } }, ec2Event)).toBe(false);
  });
  test('on an array, matches when some element is not excluded', () => {
    const p = { tags: [{ 'anything-but': ['a', 'b'] }] };
    expect(eb(p, { tags: ['a', 'c'] })).toBe(true);
    expect(eb(p, { tags: ['a', 'b'] })).toBe(false);
  });
});

describe('numeric', () => {
  const p = {
    detail: {
      'c-count': [{ numeric: ['>', 0, '<=', 5] }],
      'd-count': [{ numeric: ['<', 10] }],
      'x-limit': [{ numeric: ['=', 3.018e2] }],
    },
  };
  test('documentation example matches the README event', () => {
    expect(eb(p, ec2Event)).toBe(true);
  });
  test('each bound is honoured', () => {
    expect(eb(p, withDetail({ 'c-count': 0 }))).toBe(false);
    expect(eb(p, withDetail({ 'c-count': 6 }))).toBe(false);
    expect(eb(p, withDetail({ 'd-count': 10 }))).toBe(false);
    expect(eb(p, withDetail({ 'x-limit': 301.9 }))).toBe(false);
  });
  test('>= and <=', () => {
    expect(eb({ n: [{ numeric: ['>=', 5] }] }, { n: 5 })).toBe(true);
    expect(eb({ n: [{ numeric: ['>=', 5] }] }, { n: 4.999 })).toBe(false);
    expect(eb({ n: [{ numeric: ['<=', 5] }] }, { n: 5 })).toBe(true);
    expect(eb({ n: [{ numeric: ['<=', 5] }] }, { n: 5.001 })).toBe(false);
  });
  test('only JSON numbers are compared', () => {
    expect(eb({ n: [{ numeric: ['>', 0] }] }, { n: '5' })).toBe(false);
  });
});

describe('cidr', () => {
  test('IPv4', () => {
    const p = { detail: { 'source-ip': [{ cidr: '10.0.0.0/24' }] } };
    expect(eb(p, ec2Event)).toBe(true);
    expect(eb(p, withDetail({ 'source-ip': '10.0.1.33' }))).toBe(false);
    expect(eb(p, withDetail({ 'source-ip': 'not-an-ip' }))).toBe(false);
  });
  test('IPv6', () => {
    const p = { ip: [{ cidr: '2001:db8::/32' }] };
    expect(eb(p, { ip: '2001:db8:1234::1' })).toBe(true);
    expect(eb(p, { ip: '2001:db9::1' })).toBe(false);
    expect(eb(p, { ip: '10.0.0.1' })).toBe(false);
  });
  test('IPv6 with an embedded IPv4 tail', () => {
    expect(eb({ ip: [{ cidr: '::ffff:10.0.0.0/120' }] }, { ip: '::ffff:10.0.0.7' })).toBe(true);
    expect(eb({ ip: [{ cidr: '::ffff:10.0.0.0/120' }] }, { ip: '::ffff:10.0.1.7' })).toBe(false);
  });
});

describe('exists', () => {
  test('exists: true', () => {
    expect(eb({ detail: { 'c-count': [{ exists: true }] } }, ec2Event)).toBe(true);
    expect(eb({ detail: { missing: [{ exists: true }] } }, ec2Event)).toBe(false);
  });
  test('exists: false on the documentation events', () => {
    const p = { detail: { 'c-count': [{ exists: false }] } };
    const noCount = {
      'detail-type': ['EC2 Instance State-change Notification'],
      detail: { state: ['initializing', 'running'] },
    };
    expect(eb(p, noCount)).toBe(true);
    // c-count is not a leaf there, so it counts as absent.
    expect(eb(p, { ...noCount, detail: { ...noCount.detail, 'c-count': { c1: 100 } } })).toBe(true);
    expect(eb(p, ec2Event)).toBe(false);
  });
  test('an empty array counts as absent; null counts as present', () => {
    expect(eb({ a: [{ exists: false }] }, { a: [] })).toBe(true);
    expect(eb({ a: [{ exists: true }] }, { a: null })).toBe(true);
  });
  test('exists: false when the parent object is missing', () => {
    expect(eb({ detail: { sub: { x: [{ exists: false }] } } }, { detail: {} })).toBe(true);
  });
});

describe('$or', () => {
  test('README "source && (metricName || namespace)"', () => {
    const p = {
      source: ['aws.cloudwatch'],
      $or: [{ metricName: ['CPUUtilization', 'ReadLatency'] }, { namespace: ['AWS/EC2', 'AWS/ES'] }],
    };
    expect(eb(p, { source: 'aws.cloudwatch', namespace: 'AWS/EC2' })).toBe(true);
    expect(eb(p, { source: 'aws.cloudwatch', metricName: 'ReadLatency' })).toBe(true);
    expect(eb(p, { source: 'aws.cloudwatch', metricName: 'Other' })).toBe(false);
    expect(eb(p, { source: 'aws.s3', namespace: 'AWS/EC2' })).toBe(false);
  });
  test('parallel and nested $or', () => {
    const p = {
      $or: [{ metricName: ['CPUUtilization'] }, { namespace: ['AWS/EC2'] }],
      detail: { $or: [{ source: ['aws.cloudwatch'] }, { 'detail-type': ['CloudWatch Alarm State Change'] }] },
    };
    expect(eb(p, { namespace: 'AWS/EC2', detail: { 'detail-type': 'CloudWatch Alarm State Change' } })).toBe(true);
    expect(eb(p, { namespace: 'AWS/EC2', detail: { source: 'x' } })).toBe(false);
  });
  test('"or" holding an "and" with its own $or', () => {
    const p = {
      source: ['aws.cloudwatch'],
      $or: [
        { metricName: ['CPUUtilization'] },
        { metricType: ['MetricType'], namespace: ['AWS/EC2'], $or: [{ metricId: [1234] }, { spaceId: [1000] }] },
        { scope: ['Service'] },
      ],
    };
    expect(eb(p, { source: 'aws.cloudwatch', metricType: 'MetricType', namespace: 'AWS/EC2', spaceId: 1000 })).toBe(true);
    expect(eb(p, { source: 'aws.cloudwatch', metricType: 'MetricType', namespace: 'AWS/EC2', spaceId: 1 })).toBe(false);
    expect(eb(p, { source: 'aws.cloudwatch', scope: 'Service' })).toBe(true);
  });
  test('"$or" holding an object is an ordinary field name', () => {
    const p = { $or: { metricType: ['MetricType'] } };
    expect(eb(p, { $or: { metricType: 'MetricType' } })).toBe(true);
    expect(eb(p, { metricType: 'MetricType' })).toBe(false);
  });
});

describe('nested keys and arrays of objects', () => {
  const employees = {
    employees: [
      { firstName: 'John', lastName: 'Doe' },
      { firstName: 'Anna', lastName: 'Smith' },
      { firstName: 'Peter', lastName: 'Jones' },
    ],
  };
  test('array structure is crushed out of the pattern', () => {
    expect(eb({ employees: { firstName: ['Anna'] } }, employees)).toBe(true);
  });
  test('fields must come from the same array element (rulesForJSONEvent)', () => {
    expect(eb({ employees: { firstName: ['Anna'], lastName: ['Smith'] } }, employees)).toBe(true);
    expect(eb({ employees: { firstName: ['Anna'], lastName: ['Jones'] } }, employees)).toBe(false);
  });
  test('multi-level arrays', () => {
    const nested = { employees: [[{ firstName: 'John' }, { firstName: 'Anna' }], [{ firstName: 'Peter' }]] };
    expect(eb({ employees: { firstName: ['Peter'] } }, nested)).toBe(true);
    expect(eb({ employees: { firstName: ['Mary'] } }, nested)).toBe(false);
  });
  test('a pattern object against a leaf value does not match', () => {
    expect(eb({ detail: { state: { x: ['running'] } } }, ec2Event)).toBe(false);
  });
});

test('complex example from the content-filtering page', () => {
  const p = {
    time: [{ prefix: '2017-10-02' }],
    detail: {
      state: [{ 'anything-but': 'initializing' }],
      'c-count': [{ numeric: ['>', 0, '<=', 5] }],
      'd-count': [{ numeric: ['<', 10] }],
      'x-limit': [{ 'anything-but': [100, 200, 300] }],
      'source-ip': [{ cidr: '10.0.0.0/8' }],
    },
  };
  expect(eb(p, ec2Event)).toBe(true);
  expect(eb(p, withDetail({ 'x-limit': 300 }))).toBe(false);
});
