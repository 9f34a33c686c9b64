import { AWS_MANAGED_RETRY, EMULATOR_MANAGED_RETRY, httpDeliverySettings, retryDelay } from '../../emulator/sns/retry';
import {
  parseMessageStructure,
  payloadSize,
  validateMessageAttributes,
  validateSubject,
  validateTopicAttribute,
  validateTopicName,
} from '../../emulator/sns/validation';
import { awsErrorOf } from './unit-helpers';

describe('SNS request validation', () => {
  it('topic names', async () => {
    expect(() => validateTopicName('a-b_C9', false)).not.toThrow();
    expect(() => validateTopicName('x'.repeat(256), false)).not.toThrow();
    expect(() => validateTopicName(`${'x'.repeat(251)}.fifo`, true)).not.toThrow();
    for (const [name, fifo] of [['', false], ['x'.repeat(257), false], ['a.b', false], ['a.fifo', false], ['a', true], [`${'x'.repeat(252)}.fifo`, true]] as const) {
      expect((await awsErrorOf(() => validateTopicName(name, fifo))).code).toBe('InvalidParameter');
    }
  });

  it('message attribute names and values', async () => {
    const cases: [Record<string, { DataType: string; StringValue?: string; BinaryValue?: Uint8Array }>, string][] = [
      [{ '.a': { DataType: 'String', StringValue: 'v' } }, "Invalid message attribute name starting with character '.' was found."],
      [{ 'a.': { DataType: 'String', StringValue: 'v' } }, "Invalid message attribute name ending with character '.' was found."],
      [{ 'a..b': { DataType: 'String', StringValue: 'v' } }, "Message attribute name can not have successive '.' character."],
      [{ 'a b': { DataType: 'String', StringValue: 'v' } }, "Invalid non-alphanumeric character '#x20' was found in the message attribute name. Can only include alphanumeric characters, hyphens, underscores, or dots."],
      [{ a: { DataType: 'String', StringValue: '' } }, "The message attribute 'a' must contain non-empty message attribute value for message attribute type 'String'."],
      [{ a: { DataType: 'String.Array', StringValue: 'nope' } }, "The message attribute 'a' with type 'String.Array' must be a JSON array."],
      [{ a: { DataType: 'String', BinaryValue: Buffer.from('x') } }, "The message attribute 'a' with type 'String' must use field 'String'."],
    ];
    for (const [attrs, message] of cases) {
      const err = await awsErrorOf(() => validateMessageAttributes(attrs));
      expect([err.code, err.message]).toEqual(['ParameterValueInvalid', message]);
    }
    expect(() =>
      validateMessageAttributes({
        'a.b-c_d': { DataType: 'String.custom', StringValue: 'v' },
        n: { DataType: 'Number', StringValue: '-1.5e3' },
        arr: { DataType: 'String.Array', StringValue: '["a", 1, true, null]' },
        bin: { DataType: 'Binary', BinaryValue: Buffer.from([0]) },
      }),
    ).not.toThrow();
    const missingType = await awsErrorOf(() => validateMessageAttributes({ a: { StringValue: 'v' } as never }, 2));
    expect(missingType.message).toContain("publishBatchRequestEntries.2.member.messageAttributes.a.member.dataType");
  });

  it('subjects, sizes, message structure, topic attributes', async () => {
    expect(() => validateSubject('Valid subject: 100% ok!')).not.toThrow();
    expect(() => validateSubject('x'.repeat(100))).not.toThrow();
    for (const bad of ['', ' leading space', 'tab\there', 'ünïcode', 'x'.repeat(101)]) {
      expect((await awsErrorOf(() => validateSubject(bad))).message).toBe('Invalid parameter: Subject');
    }
    expect(payloadSize('héllo', { k: { DataType: 'String', StringValue: 'vv' } })).toBe(6 + 1 + 6 + 2);
    expect(parseMessageStructure('{"default":"d","sqs":"s","http":{"x":1}}')).toEqual({ default: 'd', sqs: 's' });
    expect((await awsErrorOf(() => validateTopicAttribute('SignatureVersion', '3', false, 'set'))).message).toBe('Invalid parameter: SignatureVersion');
    expect((await awsErrorOf(() => validateTopicAttribute('Policy', 'nope', false, 'create'))).message).toMatch(/^Invalid parameter: Attributes Reason: Policy/);
    expect((await awsErrorOf(() => validateTopicAttribute('Bogus', 'x', false, 'create'))).message).toBe('Invalid parameter: Attributes Reason: Unknown attribute Bogus');
  });
});

describe('SNS retry schedules', () => {
  const delays = (p: typeof AWS_MANAGED_RETRY, n: number) => Array.from({ length: n }, (_, i) => retryDelay(p, i + 1));

  it('AWS-managed endpoints: 3 immediate, 2 at 1 s, 10 backing off 1→20 s, then 100,000 at 20 s', () => {
    const first = delays(AWS_MANAGED_RETRY, 15);
    expect(first.slice(0, 5)).toEqual([0, 0, 0, 1000, 1000]);
    expect(first[5]).toBe(1000);
    expect(first[14]).toBe(20000);
    for (let i = 6; i < 15; i++) expect(first[i]!).toBeGreaterThan(first[i - 1]!);
    expect(retryDelay(AWS_MANAGED_RETRY, 15 + 100_000)).toBe(20000);
    expect(retryDelay(AWS_MANAGED_RETRY, 15 + 100_001)).toBeUndefined();
  });

  it('the emulator default stops after the first backoff steps', () => {
    expect(delays(EMULATOR_MANAGED_RETRY, 9)).toEqual([0, 0, 0, 1000, 1000, 1000, 4472, 20000, undefined]);
  });

  it('HTTP: the default policy and a subscription override (unless the topic disables overrides)', () => {
    expect(delays(httpDeliverySettings(undefined, undefined).phases, 4)).toEqual([20000, 20000, 20000, undefined]);
    const sub = JSON.stringify({ healthyRetryPolicy: { numRetries: 4, numNoDelayRetries: 1, minDelayTarget: 1, maxDelayTarget: 9, backoffFunction: 'linear' }, requestPolicy: { headerContentType: 'application/json' } });
    const custom = httpDeliverySettings(undefined, sub);
    expect(delays(custom.phases, 5)).toEqual([0, 1000, 5000, 9000, undefined]);
    expect(custom.contentType).toBe('application/json');
    const locked = httpDeliverySettings(JSON.stringify({ http: { disableSubscriptionOverrides: true } }), sub);
    expect(locked.contentType).toBe('text/plain; charset=UTF-8');
  });
});

describe('regressions found by fuzzing', () => {
  it('answers an empty message attribute name with InvalidParameterValue, not a crash', async () => {
    const err = await awsErrorOf(() => validateMessageAttributes({ '': { DataType: 'String', StringValue: 'v' } }));
    // SNS's wire code for InvalidParameterValueException.
    expect(err.code).toBe('ParameterValueInvalid');
    expect(err.status).toBe(400);
  });
});
