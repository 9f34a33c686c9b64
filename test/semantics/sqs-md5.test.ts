import { createHash } from 'node:crypto';
import { Md5 } from '@smithy/core/checksum';
import { receiveMessageMiddleware, sendMessageMiddleware } from '@aws-sdk/middleware-sdk-sqs';
import { AwsError } from '../../emulator/core/errors';
import {
  md5OfBody,
  md5OfMessageAttributes,
  md5OfMessageSystemAttributes,
  validateMessageAttributes,
  validateMessageBody,
  type MessageAttributeValue,
} from '../../emulator/sqs/md5';

const bytes = (s: string): Uint8Array => new Uint8Array(Buffer.from(s));

function errorOf(fn: () => void): AwsError {
  try {
    fn();
  } catch (e) {
    if (e instanceof AwsError) return e;
    throw e;
  }
  throw new Error('expected an AwsError');
}

describe('md5OfMessageAttributes', () => {
  /**
   * Known digests from sources independent of this code: the SQS guide's samples as used in
   * ydb-platform/ydb's attributes_md5_ut.cpp ("AmazonSample…"), the aws-md5-of-message-attributes
   * package's README, and values computed with moto's Message.attribute_md5.
   */
  test.each<[string, Record<string, MessageAttributeValue>, string]>([
    [
      'two String attributes, given out of order',
      {
        test_attribute_name_2: { DataType: 'String', StringValue: 'test_attribute_value_2' },
        test_attribute_name_1: { DataType: 'String', StringValue: 'test_attribute_value_1' },
      },
      'd53f3b558fe951154770f25cb63dbba9',
    ],
    ['Binary', { test_attribute_name: { DataType: 'Binary', BinaryValue: bytes('test_attribute_value') } }, '23f6bd27ea87aab7dfeadcc9aebee495'],
    ['String with a space', { attribName1: { DataType: 'String', StringValue: 'attribValue 1' } }, '19e27d4e946b072f3f58da80d94fd778'],
    [
      'custom Number type',
      { customNumberTypeAttrib: { DataType: 'Number.float', StringValue: '4563442423554324324264524243.32543234' } },
      '9fe1b90bbd9965bdf77bac517c7d2495',
    ],
    ['Binary greeting', { binaryAttribute: { DataType: 'Binary', BinaryValue: bytes('Hello binary world!') } }, '31a92b15d92f8db860eda32aceb656c3'],
    [
      'String, custom Number and Binary together',
      {
        attribName1: { DataType: 'String', StringValue: 'attribValue 1' },
        customNumberTypeAttrib: { DataType: 'Number.float', StringValue: '4563442423554324324264524243.32543234' },
        binaryAttribute: { DataType: 'Binary', BinaryValue: bytes('Hello binary world!') },
      },
      'c932db14a896c663f83c260297d594ff',
    ],
    ['Number', { price: { DataType: 'Number', StringValue: '210.75' } }, '01323113669df99d7493a51019af5eb9'],
    [
      'String.custom with non-ASCII text, Number, Binary.gzip',
      {
        kind: { DataType: 'String.custom', StringValue: 'héllo ✓ 😀' },
        n: { DataType: 'Number', StringValue: '-1.5e3' },
        blob: { DataType: 'Binary.gzip', BinaryValue: new Uint8Array([0, 1, 2, 255, 254]) },
      },
      '42915c3f8a3ec1feec52a671c5634008',
    ],
    [
      'names sorted by code unit (upper case before lower case)',
      {
        b: { DataType: 'String', StringValue: '1' },
        B: { DataType: 'String', StringValue: '2' },
        a: { DataType: 'String', StringValue: '3' },
        _: { DataType: 'String', StringValue: '4' },
      },
      '914ef1b1b94295e15b4bdae40f4f1aa3',
    ],
  ])('%s', (_name, attrs, digest) => {
    expect(md5OfMessageAttributes(attrs)).toBe(digest);
  });

  test('string lists use transport byte 3 and length-prefixed members (Java SDK v2 interceptor)', () => {
    const frame = (s: string): Buffer => {
      const b = Buffer.from(s);
      const len = Buffer.alloc(4);
      len.writeUInt32BE(b.length);
      return Buffer.concat([len, b]);
    };
    const expected = createHash('md5')
      .update(Buffer.concat([frame('list'), frame('String'), Buffer.of(3), frame('x'), frame('yz')]))
      .digest('hex');
    expect(md5OfMessageAttributes({ list: { DataType: 'String', StringListValues: ['x', 'yz'] } })).toBe(expected);
  });
});

describe('md5OfBody agrees with the SQS client middleware', () => {
  // @aws-sdk/middleware-sdk-sqs checks MD5OfMessageBody (it does not check attribute digests).
  const bodies = ['test', '', 'héllo wörld ✓ 😀', '{"Records":[{"s3":{"object":{"key":"red+flower.jpg"}}}]}', 'x'.repeat(100_000)];

  test.each(bodies.map((b) => [b.slice(0, 30), b]))('SendMessage middleware accepts our digest for %j', async (_label, body) => {
    const handler = sendMessageMiddleware({ md5: Md5 } as never)(
      (async () => ({ output: { MD5OfMessageBody: md5OfBody(body), $metadata: {} }, response: {} })) as never,
      {} as never,
    );
    await expect(handler({ input: { MessageBody: body } } as never)).resolves.toBeDefined();
  });

  test('SendMessage middleware rejects a wrong digest (the check is live)', async () => {
    const handler = sendMessageMiddleware({ md5: Md5 } as never)(
      (async () => ({ output: { MD5OfMessageBody: md5OfBody('other'), $metadata: {} }, response: {} })) as never,
      {} as never,
    );
    await expect(handler({ input: { MessageBody: 'test' } } as never)).rejects.toThrow('InvalidChecksumError');
  });

  test('ReceiveMessage middleware accepts our digests and rejects a wrong one', async () => {
    const receive = (messages: object[]) =>
      receiveMessageMiddleware({ md5: Md5 } as never)(
        (async () => ({ output: { Messages: messages, $metadata: {} }, response: {} })) as never,
        {} as never,
      )({ input: {} } as never);
    await expect(receive(bodies.map((b, i) => ({ MessageId: `${i}`, Body: b, MD5OfBody: md5OfBody(b) })))).resolves.toBeDefined();
    await expect(receive([{ MessageId: 'bad', Body: 'a', MD5OfBody: md5OfBody('b') }])).rejects.toThrow(/Invalid MD5 checksum on messages: bad/);
  });

  test('the documented digest of "test"', () => {
    expect(md5OfBody('test')).toBe('098f6bcd4621d373cade4e832627b4f6');
  });
});

describe('md5OfMessageSystemAttributes', () => {
  const trace = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';
  test('AWSTraceHeader, in the API shape or as a plain string', () => {
    expect(md5OfMessageSystemAttributes({ AWSTraceHeader: { DataType: 'String', StringValue: trace } })).toBe('5ae4d5d7636402d80f4eb6d213245a88');
    expect(md5OfMessageSystemAttributes({ AWSTraceHeader: trace })).toBe('5ae4d5d7636402d80f4eb6d213245a88');
  });
});

describe('validateMessageBody', () => {
  test('accepts tab, newline, carriage return and the allowed Unicode ranges', () => {
    expect(() => validateMessageBody('a\tb\nc\rd \uD7FF\uE000\uFFFD😀')).not.toThrow();
  });
  test.each([
    ['NUL', 'a\u0000b'],
    ['backspace', 'a\u0008b'],
    ['unit separator', '\u001F'],
    ['U+FFFE', '\uFFFE'],
    ['U+FFFF', '\uFFFF'],
    ['a lone surrogate', '\uD800x'],
  ])('rejects %s with InvalidMessageContents', (_name, body) => {
    const e = errorOf(() => validateMessageBody(body));
    expect(e.code).toBe('InvalidMessageContents');
    expect(e.status).toBe(400);
    expect(e.message).toBe(
      'Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF',
    );
  });
});

describe('validateMessageAttributes', () => {
  const s = (StringValue: string, DataType = 'String'): MessageAttributeValue => ({ DataType, StringValue });
  const invalid = (attrs: Record<string, MessageAttributeValue>): AwsError => {
    const e = errorOf(() => validateMessageAttributes(attrs));
    expect(e.code).toBe('InvalidParameterValue');
    expect(e.status).toBe(400);
    return e;
  };

  test('accepts the allowed forms', () => {
    expect(() =>
      validateMessageAttributes({
        'attr.1øßä': s('Valida'),
        'with-dash_and.dot': s('x'),
        n: s('-1.5e3', 'Number'),
        custom: s('x', 'String.custom'),
        ni: s('42', 'Number.int'),
        b: { DataType: 'Binary', BinaryValue: new Uint8Array([0]) },
        bj: { DataType: 'Binary.jpeg', BinaryValue: new Uint8Array([1]) },
        ['L'.repeat(256)]: s('x'),
      }),
    ).not.toThrow();
    expect(() => validateMessageAttributes(undefined)).not.toThrow();
  });

  test('at most 10 attributes', () => {
    const ten = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`a${i}`, s('v')]));
    expect(() => validateMessageAttributes(ten)).not.toThrow();
    expect(invalid({ ...ten, a10: s('v'), a11: s('v') }).message).toBe('Number of message attributes [12] exceeds the allowed maximum [10].');
  });

  test('names: reserved prefixes in any case, leading or trailing dots', () => {
    for (const name of ['AWS.x', 'aWs.x', 'AMAZON.x', 'amazon.x', '.x', 'x.']) {
      expect(invalid({ [name]: s('v') }).message).toBe(
        "You can't use message attribute names beginning with 'AWS.' or 'Amazon.'. These strings are reserved for internal use. Additionally, they cannot start or end with '.'.",
      );
    }
  });
  test('names: two successive periods', () => {
    expect(invalid({ 'a..b': s('v') }).message).toMatch(/successive periods/);
  });
  test('names: at most 256 characters', () => {
    expect(invalid({ ['L'.repeat(257)]: s('v') }).message).toBe('Message (user) attribute names must be shorter than 256 Bytes');
  });
  test('names: allowed characters only', () => {
    for (const ch of ['!', '"', '§', '(', '?', ' ']) {
      expect(invalid({ [`Invalid-${ch}-attr`]: s('v') }).message).toMatch(/can only contain upper and lower score characters/);
    }
  });

  test('types: String, Number, Binary and their custom forms only', () => {
    expect(invalid({ a: s('v', 'Invalid') }).message).toBe(
      "The type of message (user) attribute 'a' is invalid. You must use only the following supported type prefixes: Binary, Number, String.",
    );
    expect(invalid({ a: s('v', 'string') }).message).toMatch(/type prefixes/);
    expect(invalid({ a: s('v', `Number.${'L'.repeat(256)}`) }).message).toBe('Message (user) attribute types must be shorter than 256 Bytes');
    expect(invalid({ a: { DataType: '', StringValue: 'v' } }).message).toMatch(/must contain non-empty message attribute type/);
  });

  test('values are required', () => {
    expect(invalid({ ErrorDetails: s('') }).message).toBe("Message (user) attribute 'ErrorDetails' must contain a non-empty value of type 'String'.");
    expect(invalid({ n: { DataType: 'Number' } }).message).toBe("Message (user) attribute 'n' must contain a non-empty value of type 'Number'.");
    expect(invalid({ b: { DataType: 'Binary', BinaryValue: new Uint8Array(0) } }).message).toBe(
      "Message (user) attribute 'b' must contain a non-empty value of type 'Binary'.",
    );
  });

  test('Number values must be numbers', () => {
    expect(invalid({ Hello: s('world', 'Number') }).message).toBe("Can't cast the value of message (user) attribute 'Hello' to a number.");
  });

  test('String values obey the body character rules', () => {
    expect(invalid({ attr1: s(`Invalid-${String.fromCharCode(8)},${String.fromCharCode(11)}`) }).message).toMatch(/^Invalid characters found/);
  });
});
