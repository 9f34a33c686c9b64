import { AwsError } from '../../emulator/core/errors';
import { filterPolicyCombinations, validateEventPattern, validateFilterPolicy } from '../../emulator/core/patterns';
import { compilePattern } from '../../emulator/core/patterns/compile';

function errorOf(fn: () => void): AwsError {
  try {
    fn();
  } catch (e) {
    if (e instanceof AwsError) return e;
    throw e;
  }
  throw new Error('expected an AwsError');
}

const policyError = (policy: unknown, scope: 'MessageAttributes' | 'MessageBody' = 'MessageAttributes'): AwsError =>
  errorOf(() => validateFilterPolicy(typeof policy === 'string' ? policy : JSON.stringify(policy), scope));
const policyOk = (policy: unknown, scope: 'MessageAttributes' | 'MessageBody' = 'MessageAttributes'): void =>
  validateFilterPolicy(JSON.stringify(policy), scope);
const patternError = (pattern: unknown): AwsError =>
  errorOf(() => validateEventPattern(typeof pattern === 'string' ? pattern : JSON.stringify(pattern)));

describe('validateFilterPolicy', () => {
  test('errors are InvalidParameter 400 "Invalid parameter: FilterPolicy: <reason>"', () => {
    const e = policyError({ a: [{ foo: 1 }] });
    expect(e.code).toBe('InvalidParameter');
    expect(e.status).toBe(400);
    expect(e.message).toBe('Invalid parameter: FilterPolicy: Unrecognized match type foo');
  });
  test('Subscribe prefixes "Attributes Reason: "', () => {
    const e = errorOf(() => validateFilterPolicy('{"a":[{"foo":1}]}', 'MessageAttributes', { subscribeCall: true }));
    expect(e.message).toBe('Invalid parameter: Attributes Reason: FilterPolicy: Unrecognized match type foo');
  });
  test('the documented examples are valid', () => {
    policyOk({ store: ['example_corp'], event: [{ 'anything-but': 'order_cancelled' }], customer_interests: ['rugby', 'football', 'baseball'], price_usd: [{ numeric: ['>=', 100] }] });
    policyOk({ key_a: ['value_one', 'value_two', 'value_three'], key_b: ['value_one'], key_c: ['value_one', 'value_two'] });
    policyOk({ source_ip: [{ cidr: '10.0.0.0/24' }], store: [{ exists: false }] });
    policyOk({ source: ['aws.cloudwatch'], $or: [{ metricName: ['CPUUtilization'] }, { namespace: ['AWS/EC2'] }] });
  });

  describe('at most 5 keys', () => {
    const keys = (n: number): Record<string, string[]> => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, ['v']]));
    test('5 are fine, 6 are not', () => {
      policyOk(keys(5));
      expect(policyError(keys(6)).message).toBe('Invalid parameter: FilterPolicy: Filter policy can not have more than 5 keys');
    });
    test('body scope counts top-level keys only (current "Key counting" page)', () => {
      const policy = {
        state: ['SUCCESS'],
        severity: [{ exists: true }],
        message: [{ exists: true }],
        finding: { standard_control: [{ exists: true }], region: [{ exists: true }], account: [{ exists: true }] },
      };
      policyOk(policy, 'MessageBody');
      expect(policyError({ ...policy, a: ['1'], b: ['2'] }, 'MessageBody').message).toMatch(/more than 5 keys/);
    });
  });

  describe('at most 150 combinations', () => {
    const values = (n: number): string[] => Array.from({ length: n }, (_, i) => `v${i}`);
    test('the product of the array sizes', () => {
      policyOk({ a: values(15), b: values(10) });
      expect(policyError({ a: values(16), b: values(10) }).message).toBe('Invalid parameter: FilterPolicy: Filter policy is too complex');
      expect(policyError({ a: values(151) }).message).toMatch(/too complex/);
    });
    test('the documentation examples: 3 × 1 × 2 = 6, and nested 3 × 4 × 2 × 3 = 72', () => {
      const flat = { key_a: ['value_one', 'value_two', 'value_three'], key_b: ['value_one'], key_c: ['value_one', 'value_two'] };
      expect(filterPolicyCombinations(compilePattern(flat, 'sns'))).toBe(6);
      const nested = {
        key_a: { key_b: { key_c: { key_d: ['value_one', 'value_two', 'value_three', 'value_four'] } }, key_e: { key_f: ['value_one', 'value_two', 'value_three'] } },
      };
      expect(filterPolicyCombinations(compilePattern(nested, 'sns'))).toBe(72);
      policyOk(nested, 'MessageBody');
    });
    test('$or branches add up', () => {
      const p = { a: values(10), $or: [{ b: values(10) }, { c: values(6) }] };
      expect(filterPolicyCombinations(compilePattern(p, 'sns'))).toBe(160);
      expect(policyError(p).message).toMatch(/too complex/);
    });
  });

  test('$ors that would expand past 150 branches are refused before they are expanded', () => {
    // Twenty $ors of two under one key: 2^20 branches, built one by one before (10 s; 24 of them ran out of memory).
    const ors = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, { $or: [{ x: ['1'] }, { y: ['2'] }] }]));
    const started = Date.now();
    expect(policyError({ a: ors }, 'MessageBody').message).toBe('Invalid parameter: FilterPolicy: Filter policy is too complex');
    // A guard against the expansion coming back, not a speed target (the same answer took 9 s before).
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  test('many plain keys beside a few $ors are combined in time linear in the keys', () => {
    const ors = Object.fromEntries(Array.from({ length: 7 }, (_, i) => [`o${i}`, { $or: [{ x: ['1'] }, { y: ['2'] }] }]));
    const plain = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, ['v']]));
    const started = Date.now();
    expect(policyError({ a: { ...ors, ...plain } }, 'MessageBody').message).toBe('Invalid parameter: FilterPolicy: Filter policy is too complex');
    // A guard, not a speed target: every branch was copied once per key before (25 s for this policy).
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  test('a policy nested deeper than 150 keys and 150 $ors can hold is too complex, not a stack overflow', () => {
    const deep = '{"a":'.repeat(40_000) + '["x"]' + '}'.repeat(40_000);
    expect(policyError(deep, 'MessageBody').message).toBe('Invalid parameter: FilterPolicy: Filter policy is too complex');
    const within = '{"a":'.repeat(100) + '["x"]' + '}'.repeat(100); // 99 combinations
    expect(() => validateFilterPolicy(within, 'MessageBody')).not.toThrow();
  });

  test('past 150 branches, a policy\'s own errors still come first (as before the branch budget)', () => {
    const ors = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, { $or: [{ x: ['1'] }, { y: ['2'] }] }]));
    // 2^8 = 256 branches, each also wrong in its own way.
    expect(policyError({ ...ors(8), z: [{ foo: 1 }] }, 'MessageBody').message).toBe('Invalid parameter: FilterPolicy: Unrecognized match type foo');
    expect(policyError({ a: ors(8) }).message).toBe('Invalid parameter: Filter policy scope MessageAttributes does not support nested filter policy');
    const sixKeys = { $or: Array.from({ length: 160 }, (_, i) => ({ a: ['1'], b: ['1'], c: ['1'], d: ['1'], e: ['1'], [`f${i}`]: ['1'] })) };
    expect(policyError(sixKeys, 'MessageBody').message).toBe('Invalid parameter: FilterPolicy: Filter policy can not have more than 5 keys');
  });

  test('malformed JSON that opens many levels is malformed, not too complex', () => {
    expect(policyError('{"a":'.repeat(500), 'MessageBody').message).toMatch(/^Invalid parameter: FilterPolicy: Unrecognized or malformed JSON/);
  });

  test('at most 256 KB', () => {
    const big = JSON.stringify({ a: ['x'.repeat(256 * 1024)] });
    expect(policyError(big).message).toBe('Invalid parameter: FilterPolicy: Filter policy is too large');
  });

  test('numbers must lie within ±1e9', () => {
    policyOk({ n: [{ numeric: ['>=', -1e9, '<=', 1e9] }] });
    expect(policyError({ n: [{ numeric: ['<', 1e9 + 1] }] }).message).toBe(
      'Invalid parameter: FilterPolicy: Value must be between -1.0E9 and 1.0E9, inclusive',
    );
    expect(policyError({ n: [{ 'anything-but': [-2e9] }] }).message).toMatch(/between -1\.0E9 and 1\.0E9/);
  });

  test('MessageAttributes scope rejects nesting; MessageBody allows it', () => {
    expect(policyError({ a: { b: ['x'] } }).message).toBe(
      'Invalid parameter: Filter policy scope MessageAttributes does not support nested filter policy',
    );
    policyOk({ a: { b: ['x'] } }, 'MessageBody');
  });

  test('unknown operators and EventBridge-only forms are rejected', () => {
    expect(policyError({ a: [{ wildcard: 'x*' }] }).message).toBe('Invalid parameter: FilterPolicy: Unrecognized match type wildcard');
    expect(policyError({ a: [{ prefix: { 'equals-ignore-case': 'x' } }] }).message).toMatch(/prefix match pattern must be a string/);
    expect(policyError({ a: [{ 'anything-but': { 'equals-ignore-case': 'x' } }] }).message).toMatch(/Unsupported anything-but pattern: equals-ignore-case/);
  });

  test('malformed structure', () => {
    expect(policyError('not json').message).toMatch(/^Invalid parameter: FilterPolicy: /);
    expect(policyError([1]).message).toBe('Invalid parameter: FilterPolicy: Filter is not an object');
    expect(policyError({ a: 'x' }).message).toBe('Invalid parameter: FilterPolicy: "a" must be an object or an array');
    expect(policyError({ a: [] }).message).toBe('Invalid parameter: FilterPolicy: Empty arrays are not allowed');
    expect(policyError({ a: [[1]] }).message).toBe('Invalid parameter: FilterPolicy: Match value must be String, number, true, false, or null');
    expect(policyError({ a: [{ exists: 'yes' }] }).message).toBe('Invalid parameter: FilterPolicy: exists match pattern must be either true or false.');
    expect(policyError({ a: [{ prefix: 'x', suffix: 'y' }] }).message).toBe('Invalid parameter: FilterPolicy: Only one key allowed in match expression');
  });

  test('an empty policy filters nothing', () => {
    expect(() => validateFilterPolicy('{}', 'MessageAttributes')).not.toThrow();
  });
});

describe('validateEventPattern', () => {
  test('$ors expanding to more than 1,000 branches are refused before they are expanded', () => {
    const ors = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, { $or: [{ x: [1] }, { y: [2] }] }]));
    expect(() => validateEventPattern(JSON.stringify({ detail: ors(9) }))).not.toThrow(); // 512
    // 2^20 were built one by one before (10 s), and 2^24 ran the process out of memory.
    expect(patternError({ detail: ors(20) }).message).toBe(
      'Event pattern is not valid. Reason: Event pattern is too complex: its $or relationships expand to more than 1000 combinations',
    );
    expect(patternError({ detail: ors(10) }).message).toMatch(/more than 1000 combinations/); // 1,024
  });

  test('past 1,000 branches, a pattern\'s own errors still come first', () => {
    const ors = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`k${i}`, { $or: [{ x: [1] }, { y: [2] }] }]));
    expect(patternError({ detail: { ...ors, z: [{ foo: 1 }] } }).message).toBe('Event pattern is not valid. Reason: Unrecognized match type foo');
  });

  test('errors are InvalidEventPatternException 400 "Event pattern is not valid. Reason: …"', () => {
    const e = patternError({ source: 'aws.s3' });
    expect(e.code).toBe('InvalidEventPatternException');
    expect(e.status).toBe(400);
    expect(e.message).toBe('Event pattern is not valid. Reason: "source" must be an object or an array');
  });

  test('every documented operator form is accepted', () => {
    const pattern = {
      source: ['aws.s3'],
      time: [{ prefix: '2017-10-02' }],
      detail: {
        a: [{ prefix: { 'equals-ignore-case': 'EventB' } }],
        b: [{ suffix: '.png' }, { suffix: { 'equals-ignore-case': '.png' } }],
        c: [{ 'anything-but': 'x' }, { 'anything-but': 1 }, { 'anything-but': ['x', 'y'] }, { 'anything-but': [1, 2] }],
        d: [{ 'anything-but': { prefix: 'init' } }, { 'anything-but': { suffix: '.png' } }],
        e: [{ 'anything-but': { 'equals-ignore-case': ['a', 'b'] } }, { 'anything-but': { wildcard: '*/lib/*' } }],
        f: [{ numeric: ['>', 0, '<=', 5] }, { numeric: ['=', 3.018e2] }, { numeric: ['<', 10] }],
        g: [{ exists: true }],
        h: [{ 'equals-ignore-case': 'x' }, { wildcard: 'a*b\\*c' }],
        i: [{ cidr: '10.0.0.0/24' }, { cidr: '2001:db8::/64' }],
        j: ['', null, true, 5],
        $or: [{ k: ['1'] }, { l: ['2'] }],
      },
    };
    expect(() => validateEventPattern(JSON.stringify(pattern))).not.toThrow();
  });

  test.each([
    ['{', /^Event pattern is not valid\. Reason: Unrecognized or malformed JSON/],
    ['[1]', /Reason: Filter is not an object$/],
    ['{}', /Reason: Empty objects are not allowed$/],
    ['{"a":[]}', /Reason: Empty arrays are not allowed$/],
    ['{"a":{}}', /Reason: Empty objects are not allowed$/],
    ['{"a":[{}]}', /Reason: Match expression name not found$/],
    ['{"a":[{"foo":"x"}]}', /Reason: Unrecognized match type foo$/],
    ['{"a":[{"prefix":1}]}', /Reason: prefix match pattern must be a string$/],
    ['{"a":[{"prefix":{"x":"y"}}]}', /Reason: Unsupported prefix pattern: x$/],
    ['{"a":[{"wildcard":"a**b"}]}', /Reason: Consecutive wildcard characters at pos 2$/],
    ['{"a":[{"wildcard":"a\\\\b"}]}', /Reason: Invalid escape character at pos 2$/],
    ['{"a":[{"anything-but":{"contains":"x"}}]}', /Reason: Unsupported anything-but pattern: contains$/],
    ['{"a":[{"anything-but":{"prefix":""}}]}', /Reason: Null prefix\/suffix not allowed$/],
    ['{"a":[{"anything-but":["x",1]}]}', /mixed type is not supported$/],
    ['{"a":[{"anything-but":[null]}]}', /Reason: Inside anything but list, start\|null\|boolean is not supported\.$/],
    ['{"a":[{"anything-but":true}]}', /Value of anything-but must be an array or single string\/number value\.$/],
    ['{"a":[{"numeric":5}]}', /Reason: Value of numeric must be an array\.$/],
    ['{"a":[{"numeric":["!",5]}]}', /Reason: Unrecognized numeric range operator: !$/],
    ['{"a":[{"numeric":["=","5"]}]}', /Reason: Value of equals must be numeric$/],
    ['{"a":[{"numeric":["<",5,">",1]}]}', /Reason: Too many elements in numeric expression$/],
    ['{"a":[{"numeric":[">",5,">",10]}]}', /Reason: Bad numeric range operator: >$/],
    ['{"a":[{"numeric":[">",5,"<",1]}]}', /Reason: Bottom must be less than top$/],
    ['{"a":[{"numeric":[">",0,"<",5,"x"]}]}', /Reason: Too many terms in numeric range expression$/],
    ['{"a":[{"numeric":["<",6e9]}]}', /Reason: Value must be between -5\.0E9 and 5\.0E9, inclusive$/],
    ['{"a":[{"exists":1}]}', /exists match pattern must be either true or false\.$/],
    ['{"a":[{"cidr":"10.0.0.0"}]}', /Reason: Malformed CIDR, one '\/' required$/],
    ['{"a":[{"cidr":"10.0.0.0/x"}]}', /Reason: Malformed CIDR, mask bits must be an integer$/],
    ['{"a":[{"cidr":"10.0.0/8"}]}', /Reason: Nonstandard IP address: 10\.0\.0$/],
    ['{"$or":[{"a":["1"]}]}', /There must have at least 2 Objects in \$or relationship\.$/],
    ['{"$or":[{"a":["1"]},"b"]}', /Only JSON object is allowed in array of \$or relationship\.$/],
  ])('rejects %s', (pattern, reason) => {
    expect(patternError(pattern).message).toMatch(reason);
  });

  test('EventBridge allows numbers up to ±5e9 (SNS only ±1e9)', () => {
    expect(() => validateEventPattern('{"a":[{"numeric":["<",2e9]}]}')).not.toThrow();
  });
});
