import { Event } from '@aws-sdk/client-s3';
import { AwsError } from '../../emulator/core/errors';
import {
  CONFIGURABLE_EVENTS,
  defaultConfigurationId,
  matchingConfigurations,
  validateNotificationConfiguration,
  type NotificationConfiguration,
} from '../../emulator/s3/notifications';

/**
 * PutBucketNotificationConfiguration rules. The overlap cases are the S3 User Guide's examples in
 * "Configuring event notifications using object key name filtering".
 */
const QUEUE_A = 'arn:aws:sqs:us-west-2:444455556666:sqs-queue-A';
const QUEUE_B = 'arn:aws:sqs:us-west-2:444455556666:sqs-queue-B';
const TOPIC = 'arn:aws:sns:us-west-2:444455556666:sns-topic-one';
const FN_A = 'arn:aws:lambda:us-west-2:444455556666:function:cloud-function-A';
const FN_B = 'arn:aws:lambda:us-west-2:444455556666:function:cloud-function-B';

const rules = (prefix?: string, suffix?: string) => ({
  Key: {
    FilterRules: [
      ...(prefix !== undefined ? [{ Name: 'prefix' as const, Value: prefix }] : []),
      ...(suffix !== undefined ? [{ Name: 'suffix' as const, Value: suffix }] : []),
    ],
  },
});

let counter = 0;
const ids = (): string => `generated-${++counter}`;
const validate = (cfg: NotificationConfiguration) => validateNotificationConfiguration(cfg, { generateId: ids });

function errorOf(fn: () => void): AwsError {
  try {
    fn();
  } catch (e) {
    if (e instanceof AwsError) return e;
    throw e;
  }
  throw new Error('expected an AwsError');
}

const OVERLAP = 'Configurations overlap. Configurations on the same bucket cannot share a common event type.';
const AMBIGUOUS =
  'Configuration is ambiguously defined. Cannot have overlapping suffixes in two rules if the prefixes are overlapping for the same event type.';

describe('valid configurations from the User Guide', () => {
  test('prefix images/ and suffix jpg on ObjectCreated:Put', () => {
    expect(() => validate({ QueueConfigurations: [{ Id: '1', QueueArn: QUEUE_A, Events: ['s3:ObjectCreated:Put'], Filter: rules('images/', 'jpg') }] })).not.toThrow();
  });
  test('non-overlapping prefixes images/ and logs/', () => {
    expect(() =>
      validate({
        QueueConfigurations: [
          { Id: '1', QueueArn: QUEUE_A, Events: ['s3:ObjectCreated:Put'], Filter: rules('images/') },
          { Id: '2', QueueArn: QUEUE_B, Events: ['s3:ObjectCreated:Put'], Filter: rules('logs/') },
        ],
      }),
    ).not.toThrow();
  });
  test('non-overlapping suffixes .jpg and .png', () => {
    expect(() =>
      validate({
        LambdaFunctionConfigurations: [
          { Id: '1', LambdaFunctionArn: FN_A, Events: ['s3:ObjectCreated:Put'], Filter: rules(undefined, '.jpg') },
          { Id: '2', LambdaFunctionArn: FN_B, Events: ['s3:ObjectCreated:Put'], Filter: rules(undefined, '.png') },
        ],
      }),
    ).not.toThrow();
  });
  test('same prefix images/ with suffixes .jpg and .png', () => {
    expect(() =>
      validate({
        LambdaFunctionConfigurations: [
          { Id: '1', LambdaFunctionArn: FN_A, Events: ['s3:ObjectCreated:Put'], Filter: rules('images/', '.jpg') },
          { Id: '2', LambdaFunctionArn: FN_B, Events: ['s3:ObjectCreated:Put'], Filter: rules('images/', '.png') },
        ],
      }),
    ).not.toThrow();
  });
  test('the same filter on different event types', () => {
    expect(() =>
      validate({
        QueueConfigurations: [
          { QueueArn: QUEUE_A, Events: ['s3:ObjectCreated:Put'], Filter: rules('image/') },
          { QueueArn: QUEUE_B, Events: ['s3:ObjectRemoved:*'], Filter: rules('image/') },
        ],
      }),
    ).not.toThrow();
  });
  test('different event types without filters', () => {
    expect(() =>
      validate({
        QueueConfigurations: [
          { QueueArn: QUEUE_A, Events: ['s3:ObjectCreated:*'] },
          { QueueArn: QUEUE_A, Events: ['s3:ObjectRemoved:*'] },
        ],
      }),
    ).not.toThrow();
  });
});

describe('overlapping configurations', () => {
  test('same event, no filters → "Configurations overlap" with the event pair', () => {
    const e = errorOf(() =>
      validate({
        QueueConfigurations: [
          { QueueArn: QUEUE_A, Events: ['s3:ObjectRemoved:*'] },
          { QueueArn: QUEUE_B, Events: ['s3:ObjectRemoved:*'] },
        ],
      }),
    );
    expect(e.code).toBe('InvalidArgument');
    expect(e.status).toBe(400);
    expect(e.message).toBe(OVERLAP);
    expect(e.fields).toEqual({ ArgumentName: 'Event', ArgumentValue: 's3:ObjectRemoved:*, s3:ObjectRemoved:*' });
  });
  test('ObjectCreated:* and ObjectCreated:Put share a type, across destination kinds', () => {
    const e = errorOf(() =>
      validate({
        TopicConfigurations: [{ TopicArn: TOPIC, Events: ['s3:ObjectCreated:*'] }],
        LambdaFunctionConfigurations: [{ LambdaFunctionArn: FN_A, Events: ['s3:ObjectCreated:Put'] }],
      }),
    );
    expect(e.message).toBe(OVERLAP);
    expect(e.fields.ArgumentValue).toBe('s3:ObjectCreated:*, s3:ObjectCreated:Put');
  });
  test('root prefix overlaps any prefix (guide: unfiltered ObjectCreated:* next to prefix "images")', () => {
    const e = errorOf(() =>
      validate({
        TopicConfigurations: [
          { TopicArn: TOPIC, Events: ['s3:ObjectCreated:*'] },
          { TopicArn: TOPIC, Events: ['s3:ObjectCreated:*'], Filter: rules('images') },
        ],
      }),
    );
    expect(e.message).toBe(AMBIGUOUS);
  });
  test('suffixes jpg and pg overlap', () => {
    const e = errorOf(() =>
      validate({
        TopicConfigurations: [
          { TopicArn: TOPIC, Events: ['s3:ObjectCreated:*'], Filter: rules(undefined, 'jpg') },
          { TopicArn: TOPIC, Events: ['s3:ObjectCreated:Put'], Filter: rules(undefined, 'pg') },
        ],
      }),
    );
    expect(e.message).toBe(AMBIGUOUS);
    expect(e.code).toBe('InvalidArgument');
  });
  test('prefix+suffix against the same suffix alone overlaps', () => {
    const e = errorOf(() =>
      validate({
        TopicConfigurations: [
          { TopicArn: TOPIC, Events: ['s3:ObjectCreated:*'], Filter: rules('images', 'jpg') },
          { TopicArn: TOPIC, Events: ['s3:ObjectCreated:Put'], Filter: rules(undefined, 'jpg') },
        ],
      }),
    );
    expect(e.message).toBe(AMBIGUOUS);
  });
  test('overlapping prefixes are fine when the suffixes do not overlap', () => {
    expect(() =>
      validate({
        QueueConfigurations: [
          { QueueArn: QUEUE_A, Events: ['s3:ObjectCreated:*'], Filter: rules('images/', '.jpg') },
          { QueueArn: QUEUE_B, Events: ['s3:ObjectCreated:Put'], Filter: rules('images/2024/', '.png') },
        ],
      }),
    ).not.toThrow();
  });
});

describe('events', () => {
  test('unknown events are rejected with ArgumentName/ArgumentValue', () => {
    const e = errorOf(() => validate({ QueueConfigurations: [{ QueueArn: QUEUE_A, Events: ['s3:ObjectCreated:Upload' as Event] }] }));
    expect(e.code).toBe('InvalidArgument');
    expect(e.message).toBe('The event is not supported for notifications');
    expect(e.fields).toEqual({ ArgumentName: 'Event', ArgumentValue: 's3:ObjectCreated:Upload' });
  });
  test('s3:TestEvent cannot be configured', () => {
    expect(errorOf(() => validate({ QueueConfigurations: [{ QueueArn: QUEUE_A, Events: ['s3:TestEvent' as Event] }] })).message).toBe(
      'The event is not supported for notifications',
    );
  });
  test('every event in the fact sheet is configurable, wildcards included', () => {
    const factSheet = [
      's3:ObjectCreated:*', 's3:ObjectCreated:Put', 's3:ObjectCreated:Post', 's3:ObjectCreated:Copy', 's3:ObjectCreated:CompleteMultipartUpload',
      's3:ObjectRemoved:*', 's3:ObjectRemoved:Delete', 's3:ObjectRemoved:DeleteMarkerCreated',
      's3:ObjectRestore:*', 's3:ObjectRestore:Post', 's3:ObjectRestore:Completed', 's3:ObjectRestore:Delete',
      's3:ReducedRedundancyLostObject',
      's3:Replication:*', 's3:Replication:OperationFailedReplication', 's3:Replication:OperationMissedThreshold',
      's3:Replication:OperationReplicatedAfterThreshold', 's3:Replication:OperationNotTracked',
      's3:LifecycleExpiration:*', 's3:LifecycleExpiration:Delete', 's3:LifecycleExpiration:DeleteMarkerCreated',
      's3:LifecycleTransition', 's3:IntelligentTiering',
      's3:ObjectTagging:*', 's3:ObjectTagging:Put', 's3:ObjectTagging:Delete', 's3:ObjectAcl:Put',
    ];
    expect(CONFIGURABLE_EVENTS).toEqual(expect.arrayContaining(factSheet));
    for (const ev of factSheet) {
      expect(() => validate({ QueueConfigurations: [{ QueueArn: QUEUE_A, Events: [ev as Event] }] })).not.toThrow();
    }
  });
});

describe('filter rules', () => {
  test('names are case-insensitive', () => {
    expect(() =>
      validate({ QueueConfigurations: [{ QueueArn: QUEUE_A, Events: ['s3:ObjectCreated:*'], Filter: { Key: { FilterRules: [{ Name: 'Prefix' as 'prefix', Value: 'a/' }] } } }] }),
    ).not.toThrow();
  });
  test('only prefix and suffix', () => {
    const e = errorOf(() =>
      validate({ QueueConfigurations: [{ QueueArn: QUEUE_A, Events: ['s3:ObjectCreated:*'], Filter: { Key: { FilterRules: [{ Name: 'contains' as 'prefix', Value: 'a' }] } } }] }),
    );
    expect(e.code).toBe('InvalidArgument');
    expect(e.fields).toEqual({ ArgumentName: 'FilterRule.Name', ArgumentValue: 'contains' });
  });
  test('at most one of each', () => {
    const e = errorOf(() =>
      validate({
        QueueConfigurations: [
          { QueueArn: QUEUE_A, Events: ['s3:ObjectCreated:*'], Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'a' }, { Name: 'PREFIX' as 'prefix', Value: 'b' }] } } },
        ],
      }),
    );
    expect(e.code).toBe('InvalidArgument');
    expect(e.message).toBe('Cannot specify more than one prefix rule in a filter.');
  });
});

describe('destinations', () => {
  test('FIFO queues and topics are rejected', () => {
    const q = errorOf(() => validate({ QueueConfigurations: [{ QueueArn: `${QUEUE_A}.fifo`, Events: ['s3:ObjectCreated:*'] }] }));
    expect(q.code).toBe('InvalidArgument');
    expect(q.message).toBe('Unable to validate the following destination configurations');
    expect(q.fields.ArgumentName).toBe(`${QUEUE_A}.fifo`);
    const t = errorOf(() => validate({ TopicConfigurations: [{ TopicArn: `${TOPIC}.fifo`, Events: ['s3:ObjectCreated:*'] }] }));
    expect(t.message).toBe('Unable to validate the following destination configurations');
  });
  test('a missing ARN or event list is malformed', () => {
    expect(errorOf(() => validate({ QueueConfigurations: [{ QueueArn: undefined, Events: ['s3:ObjectCreated:*'] }] })).code).toBe('MalformedXML');
    expect(errorOf(() => validate({ QueueConfigurations: [{ QueueArn: QUEUE_A, Events: [] }] })).code).toBe('MalformedXML');
  });
});

describe('normalized result', () => {
  test('keeps given Ids, generates missing ones, keeps EventBridgeConfiguration', () => {
    const out = validate({
      QueueConfigurations: [{ Id: 'mine', QueueArn: QUEUE_A, Events: ['s3:ObjectCreated:*'] }],
      LambdaFunctionConfigurations: [{ LambdaFunctionArn: FN_A, Events: ['s3:ObjectRemoved:*'] }],
      EventBridgeConfiguration: {},
    });
    expect(out.QueueConfigurations![0]!.Id).toBe('mine');
    expect(out.LambdaFunctionConfigurations![0]!.Id).toMatch(/^generated-\d+$/);
    expect(out.EventBridgeConfiguration).toEqual({});
    expect(out.TopicConfigurations).toBeUndefined();
  });
  test('the default Id is base64 of a UUID, like S3-generated ones', () => {
    const id = defaultConfigurationId();
    expect(Buffer.from(id, 'base64').toString()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
  test('an empty configuration turns notifications off', () => {
    expect(validate({})).toEqual({});
  });
});

describe('matchingConfigurations', () => {
  const cfg: NotificationConfiguration = {
    QueueConfigurations: [
      { Id: 'jpg', QueueArn: QUEUE_A, Events: ['s3:ObjectCreated:*'], Filter: rules('images/', '.jpg') },
      { Id: 'removed', QueueArn: QUEUE_B, Events: ['s3:ObjectRemoved:Delete'] },
    ],
    TopicConfigurations: [{ Id: 'png', TopicArn: TOPIC, Events: ['s3:ObjectCreated:Put'], Filter: rules('images/', '.png') }],
    LambdaFunctionConfigurations: [{ Id: 'logs', LambdaFunctionArn: FN_A, Events: ['s3:ObjectCreated:Copy'], Filter: rules('logs/') }],
  };
  test('wildcard and exact events, with prefix and suffix filters', () => {
    expect(matchingConfigurations(cfg, 's3:ObjectCreated:Put', 'images/cat.jpg')).toEqual([{ kind: 'queue', arn: QUEUE_A, id: 'jpg' }]);
    expect(matchingConfigurations(cfg, 's3:ObjectCreated:Put', 'images/cat.png')).toEqual([{ kind: 'topic', arn: TOPIC, id: 'png' }]);
    expect(matchingConfigurations(cfg, 's3:ObjectCreated:Post', 'images/cat.png')).toEqual([]);
    expect(matchingConfigurations(cfg, 's3:ObjectCreated:Copy', 'logs/a.txt')).toEqual([{ kind: 'lambda', arn: FN_A, id: 'logs' }]);
    expect(matchingConfigurations(cfg, 's3:ObjectRemoved:Delete', 'anything')).toEqual([{ kind: 'queue', arn: QUEUE_B, id: 'removed' }]);
    expect(matchingConfigurations(cfg, 's3:ObjectRemoved:DeleteMarkerCreated', 'anything')).toEqual([]);
  });
  test('the s3: prefix on the event name is optional', () => {
    expect(matchingConfigurations(cfg, 'ObjectCreated:Put', 'images/cat.jpg')).toHaveLength(1);
  });
  test('filters compare with the raw key by default', () => {
    const spaced: NotificationConfiguration = { QueueConfigurations: [{ Id: 'q', QueueArn: QUEUE_A, Events: ['s3:ObjectCreated:*'], Filter: rules('my photos/') }] };
    expect(matchingConfigurations(spaced, 's3:ObjectCreated:Put', 'my photos/a.jpg')).toHaveLength(1);
    expect(matchingConfigurations(spaced, 's3:ObjectCreated:Put', 'my photos/a.jpg', { filterOn: 'encoded' })).toHaveLength(0);
    const plus: NotificationConfiguration = { QueueConfigurations: [{ Id: 'q', QueueArn: QUEUE_A, Events: ['s3:ObjectCreated:*'], Filter: rules('my+photos/') }] };
    expect(matchingConfigurations(plus, 's3:ObjectCreated:Put', 'my photos/a.jpg', { filterOn: 'encoded' })).toHaveLength(1);
  });
  test('every configuration whose filter matches is returned', () => {
    const two: NotificationConfiguration = {
      QueueConfigurations: [{ Id: 'a', QueueArn: QUEUE_A, Events: ['s3:ObjectCreated:*'] }],
      TopicConfigurations: [{ Id: 'b', TopicArn: TOPIC, Events: ['s3:ObjectRemoved:*'] }],
    };
    expect(matchingConfigurations(two, 's3:ObjectCreated:CompleteMultipartUpload', 'k').map((m) => m.id)).toEqual(['a']);
  });
});
