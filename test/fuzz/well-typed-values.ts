/**
 * Adversarial values of the right type for the well-typed fuzzer: generic ones for every string, and ones a
 * member's name suggests (a queue URL for `QueueUrl`, a cron expression for `ScheduleExpression`, …), so that a
 * request gets past the first validation and into the service's logic.
 */
import type { SeededResources } from './well-typed-setup';

const LONG = (n: number) => 'x'.repeat(n);

export const GENERIC_STRINGS: string[] = [
  '', ' ', 'a', 'A-b_c.1', LONG(256), LONG(1025), LONG(70_000),
  'ünïcødé', '😀', '\u0000', 'a\u0000b', '\ud800', '\uffff', '\u202e', 'line\nbreak', '\t', '\r\n',
  '.', '..', '../..', '/', '//', '/a/', '*', '?', '%', '%00', '%zz', '#', '&', '=', '+', ',', ';', '~', '$', '@', '\\',
  '.*', '(', ')', '[', ']', '{', '}', '^$', '(?<x', 'a{99999}', '[a-', '\\d+', '(a+)+$',
  '{', '{"a":', '[]', '{}', 'null', 'true', '{"a":[1,{"b":null}]}', '"', "'",
  '<x>', '</x>', ']]>', '&amp;', '&bogus;', '<?xml version="1.0"?>', '<!DOCTYPE x [<!ENTITY e "e">]>',
  '0', '-1', '1.5', '1e309', 'NaN', 'Infinity', '99999999999999999999', '0x10',
  'true', 'false', 'None', 'undefined', '__proto__', 'constructor', 'hasOwnProperty', 'toString',
  '1970-01-01T00:00:00Z', '9999-12-31T23:59:59Z', 'not-a-date',
  'arn:', 'arn:aws', 'arn:aws:::', 'arn:aws:s3:::', 'arn:aws:iam::000000000000:root', 'arn:aws:sqs:us-east-1:000000000000:',
  'arn:aws:lambda:us-east-1:000000000000:function:', 'arn:aws:sns:us-east-1:000000000000:nope',
  'rate(1 minute)', 'cron(0 12 * * ? *)', 'http://127.0.0.1:9/', 'a@b',
];

const CRON = [
  'rate(1 minute)', 'rate(1 minutes)', 'rate(0 minutes)', 'rate(-1 days)', 'rate(999999999999 days)', 'rate(5 hours)', 'rate()',
  'cron(0 12 * * ? *)', 'cron(* * * * * *)', 'cron(60 25 32 13 ? 1969)', 'cron(0/0 * * * ? *)', 'cron(0 0 L * ? *)',
  'cron(0 0 ? * 6#9 *)', 'cron(0 0 1W * ? *)', 'cron(0 0 ? * MON-FRI *)', 'cron()', 'cron(0 0 31 2 ? *)',
  'at(2026-01-01T00:00:00)', 'at(9999-12-31T23:59:59)', 'at(x)',
];

const LOG_FILTER_PATTERNS = [
  '', ' ', 'ERROR', '?ERROR ?WARN', '-DEBUG', '"quoted phrase"', '"unterminated', '{ $.a = 1 }', '{ $.a = * }', '{ $.a != "x" }',
  '{ $.a.b[0] > 1.5 }', '{ ($.a = 1) && ($.b = 2) || $.c IS NULL }', '{ ($.a = 1) && ($.b', '{ $.a = %regex% }', '{ $. = 1 }',
  '{ $.a[999999999999] = 1 }', '[ip, user, ...]', '[a, b = 1, c != x*]', '[', '[..., x]', '%[a-z]+%', '%(%', '{ $.* = 1 }',
];

const EVENT_PATTERNS = [
  '{"source":["x"]}', '{"source":[]}', '{}', '[]', '{"detail":{"a":[{"numeric":[">",0,"<"]}]}}', '{"a":[{"numeric":[">",1e400]}]}',
  '{"a":[{"prefix":""}]}', '{"a":[{"suffix":{"equals-ignore-case":"x"}}]}', '{"a":[{"anything-but":{"prefix":"x"}}]}',
  '{"a":[{"anything-but":[]}]}', '{"a":[{"wildcard":"*a**b*"}]}', '{"a":[{"cidr":"10.0.0.0/33"}]}', '{"a":[{"cidr":"::1/200"}]}',
  '{"a":[{"exists":"yes"}]}', '{"a":[{"exists":false}]}', '{"$or":[{"a":["1"]},{"b":[2]}]}', '{"$or":[]}', '{"a":[null,true,1.5]}',
  '{"a":{"b":{"c":{"d":{"e":{"f":["x"]}}}}}}', '{"a":[{"equals-ignore-case":1}]}', '{"a":[{"unknown-op":1}]}', '{"a":"notalist"}',
];

const POLICIES = [
  '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}',
  '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":["s3:*"],"Resource":["arn:aws:s3:::*"],"Condition":{"StringEquals":{"aws:SourceArn":"x"}}}]}',
  '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"*","Principal":{"Service":"sns.amazonaws.com"}}}',
  '{"Version":"2012-10-17","Statement":[]}', '{"Statement":[{}]}', '{"Version":"1999-01-01"}', '{}', '[]', 'null', '"x"',
  '{"Version":"2012-10-17","Statement":[{"Effect":"Maybe","Action":1,"Resource":null}]}',
  '{"Version":"2012-10-17","Statement":[{"Sid":"a","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::000000000000:root",123]},"Action":"*"}]}',
  '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"Service":"lambda.amazonaws.com"}}]}',
];

/** Values of SQS queue, SNS topic and subscription attributes: numbers as text, and the JSON some of them hold. */
const ATTRIBUTE_VALUES = [
  '0', '-1', '1.5', '1e9', '262145', 'true', 'false', 'TRUE', '',
  '{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:wt-q","maxReceiveCount":"2"}', '{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:wt-q","maxReceiveCount":"x"}',
  '{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:wt-q.fifo","maxReceiveCount":0}', '{"maxReceiveCount":1}', '{"deadLetterTargetArn":1}',
  '{"redrivePermission":"byQueue","sourceQueueArns":[]}', '{"redrivePermission":"denyAll","sourceQueueArns":"x"}', '{"redrivePermission":"x"}',
  '{"http":{"defaultHealthyRetryPolicy":{"numRetries":-1,"minDelayTarget":0,"maxDelayTarget":0,"backoffFunction":"x"}}}',
  '{"healthyRetryPolicy":{"numRetries":100,"numMaxDelayRetries":-5}}', '{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:nope"}',
  '{"a":["x"]}', '{"a":[{"numeric":[">",0]}]}', 'MessageAttributes', 'MessageBody', 'perQueue', 'perMessageGroupId', 'queue', 'messageGroup',
];

const SNS_FILTERS = [
  '{"a":["x"]}', '{"a":[{"numeric":["<",0,">"]}]}', '{"a":[{"prefix":""}]}', '{"a":[{"anything-but":{"suffix":"x"}}]}',
  '{"a":[{"exists":1}]}', '{"$or":[{"a":["x"]}]}', '{"a":{"b":["x"]}}', '{"a":[]}', '{}', '[]', '{"a":[{"cidr":"1.2.3.4/99"}]}',
];

const JSON_PATHS = ['$', '$.a', '$.detail.a[0]', '$$', '$.', '$..a', '$[', "$['a b']", '$.a[-1]', 'a', ''];

const INPUT_TEMPLATES = ['"<a>"', '{"x": <a>}', '<a>', '{"x": "<aws.events.event>"}', '<aws.events.event.json>', '{"x": <>}', '"<<a>>"', '{'];

const METRIC_EXPRESSIONS = [
  'SUM(METRICS())', 'm1/0', 'm1 + m2', 'FILL(m1, 0)', 'FILL(', "SEARCH('{WT/ns} m', 'Sum', 300)", "SEARCH('', 'Sum', 0)", 'METRICS("',
  'ANOMALY_DETECTION_BAND(m1, -1)', 'RATE(m1)', 'PERIOD(m1)', 'IF(m1 > 1, m1)', 'SELECT AVG(m) FROM "WT/ns"', 'SELECT', 'm1 * 1e309',
  'SORT(METRICS(), SUM, DESC, -1)', 'DIFF_TIME(m1)', 'LAMBDA("x")', '((((((((((m1))))))))))', 'm1 ^ m1 ^ m1',
];

const LOG_QUERIES = [
  'fields @timestamp, @message | sort @timestamp desc | limit 20', 'filter @message like /x/', 'stats count(*) by bin(1m)',
  'fields', '| |', 'parse @message "* *" as a, b', 'filter @message like /(/', 'limit -1', 'limit 99999999999', 'display x | dedup y',
  'SELECT * FROM `wt-group`', 'fields @message | filter a = ', 'stats avg(x) by', 'sort', '',
];

const URLS = ['http://127.0.0.1:9/', 'https://127.0.0.1:9/x?y=1', 'http://[::1]:9/', 'ftp://x', 'mailto:a@b', 'http://', 'not a url', 'https://user:pass@127.0.0.1:9/'];

const S3_KEYS = ['obj.csv', 'a/b/c.txt', 'dir/', '/lead', 'k%2Fx', '..', '../../etc/passwd', 'a\u0000', '😀.txt', LONG(1025), 'key with spaces', 'a?b#c'];

const TAG_KEYS = ['k', 'aws:reserved', 'AWS:x', '', LONG(129), ' ', 'ünï', 'a=b', 'Name'];

/**
 * Values suggested by a member's name, given the resources seeded before fuzzing: `primary` are the likeliest
 * to be accepted (the existing resource, a valid expression), `hints` all of them.
 */
export function hintedStrings(member: string, r: SeededResources): { primary: string[]; hints: string[] } {
  const m = member.toLowerCase();
  const arns = r.allArns;
  const hints: string[] = [];
  const primary: string[] = [];
  const add = (first: string, ...v: string[]) => {
    primary.push(first);
    hints.push(first, ...v);
  };
  if (/bucket/.test(m)) add(r.bucket, 'wt-missing-bucket', 'UPPER', 'a', 'xn--bad', '192.168.0.1', 'arn:aws:s3:::' + r.bucket);
  if (m === 'key' || /objectkey|^prefix$|startafter|marker$|copysource$|delimiter/.test(m)) add('obj.csv', ...S3_KEYS, `${r.bucket}/obj.csv`, `/${r.bucket}/obj.csv?versionId=null`);
  if (/queueurl/.test(m)) add(r.queueUrl, r.fifoQueueUrl, r.queueUrl + 'x', 'http://127.0.0.1/000000000000/', 'wt-q');
  if (/queuename|queuenameprefix/.test(m)) add('wt-q', 'wt-q.fifo', 'new-q', 'new.fifo', '.fifo');
  if (/receipthandle/.test(m)) add('garbage', 'AQEB', r.receiptHandle);
  if (/topicarn|targetarn|subscriptionarn|platformapplicationarn|endpointarn/.test(m)) add(r.topicArn, r.topicArn + ':sub', r.subscriptionArn, r.queueArn);
  if (/qualifier|^version$|functionversion/.test(m)) add('$LATEST', '1', '0', '99', 'live', '$LATEST.PUBLISHED');
  if (/function|alias/.test(m)) add(r.functionName, r.functionArn, `${r.functionArn}:$LATEST`, `${r.functionArn}:1`, '$LATEST', '1', '0', 'live', `${r.functionName}:x:y`);
  if (/layer/.test(m)) add('wt-layer', 'arn:aws:lambda:us-east-1:000000000000:layer:wt-layer:1');
  if (/uuid|mappingid/.test(m)) add('00000000-0000-0000-0000-000000000000', r.mappingUuid);
  if (/schedule/.test(m)) add(CRON[0]!, ...CRON);
  if (/^attributes$|^attributevalue|^value$/.test(m)) add('5', ...ATTRIBUTE_VALUES, ...POLICIES.slice(0, 4));
  if (/filterpattern/.test(m)) add('ERROR', ...LOG_FILTER_PATTERNS);
  if (/eventpattern|^pattern$/.test(m)) add(EVENT_PATTERNS[0]!, ...EVENT_PATTERNS);
  if (/^event$/.test(m)) add('{"source":"x","detail-type":"y","detail":{}}', ...EVENT_PATTERNS.slice(0, 5));
  if (/filterpolicy/.test(m)) add(SNS_FILTERS[0]!, ...SNS_FILTERS);
  if (/policy|document|trust/.test(m)) add(POLICIES[0]!, ...POLICIES);
  if (/path$|inputpath|jsonpath/.test(m)) add('$.a', ...JSON_PATHS, '/', '/a/b/', 'a');
  if (/template/.test(m)) add(INPUT_TEMPLATES[0]!, ...INPUT_TEMPLATES);
  if (/expression/.test(m)) add(METRIC_EXPRESSIONS[0]!, ...METRIC_EXPRESSIONS);
  if (/^metricname$/.test(m)) add('m', 'Errors', 'Invocations', 'NumberOfMessagesSent');
  if (/^namespace$/.test(m)) add('WT/ns', 'AWS/Lambda', 'AWS/SQS', 'AWS/');
  if (/^id$/.test(m)) add('m1', 'e1', 'M1', '1a', 't');
  if (/querystring|^query/.test(m)) add(LOG_QUERIES[0]!, ...LOG_QUERIES);
  if (/loggroup/.test(m)) add(r.logGroup, r.logGroupArn, `${r.logGroupArn}:*`, '/aws/lambda/' + r.functionName);
  if (/logstream/.test(m)) add(r.logStream, 'missing-stream');
  if (/role/.test(m)) add(r.roleName, r.roleArn, 'arn:aws:iam::000000000000:role/none');
  if (/policyarn/.test(m)) add(r.policyArn, 'arn:aws:iam::aws:policy/ReadOnlyAccess');
  if (/instanceprofile/.test(m)) add(r.instanceProfile, 'missing-profile');
  if (/secret/.test(m)) add(r.secretName, r.secretArn, r.secretArn.slice(0, -7), 'wt-secret-', 'AWSPENDING', 'AWSCURRENT');
  if (/versionstage|versionid/.test(m)) add('AWSCURRENT', 'AWSPENDING', 'AWSPREVIOUS', 'null', '00000000-0000-0000-0000-000000000000');
  if (/^name$|^names$|parameter|selector|label/.test(m)) add(r.parameterName, `${r.parameterName}:1`, `${r.parameterName}:label`, '/wt', '/aws/service/x', 'aws', '/a//b', 'ssm-x');
  if (/eventbus|busname/.test(m)) add('default', r.eventBus, r.eventBusArn);
  if (/rule/.test(m)) add(r.ruleName, 'missing-rule');
  if (/archive|replay|connection|destination|endpoint/.test(m)) add('wt-archive', 'wt-conn', 'wt-dest', ...URLS, r.queueArn, r.functionArn);
  if (/url|endpoint|callback/.test(m)) add(URLS[0]!, ...URLS);
  if (/alarm/.test(m)) add(r.alarmName, 'missing-alarm', r.alarmArn);
  if (/dashboard/.test(m)) add('wt-dash', '{"widgets":[]}', '{"widgets":[{"type":"metric","properties":{"metrics":[["a"]]}}]}');
  if (/dimension|statistic|unit|stat$/.test(m)) add('Sum', 'p99', 'p101', 'tm99', 'TC(1:2)', 'PR(:)', 'Count', 'Seconds', 'wt');
  if (/arn|resource|source|target/.test(m)) add(arns[0]!, ...arns);
  if (/token/.test(m)) add('garbage', 'eyJ9', '0', '-1', LONG(2049));
  if (/message|body|payload|input|detail|data|value|content|description|text/.test(m)) add('{"a":1}', '{"Records":[]}', '{', 'plain text');
  if (/date|time|period|timestamp|expires|start|end/.test(m)) add('2026-01-01T00:00:00Z', '0', '-1', '99999999999999', 'yesterday');
  if (/region/.test(m)) add('us-east-1', 'eu-west-1', 'xx-fake-1', '');
  if (/account/.test(m)) add('000000000000', '123456789012', '1', '*');
  if (/tag/.test(m) && /key/.test(m)) add('k', ...TAG_KEYS);
  if (/protocol/.test(m)) add('sqs', 'lambda', 'http', 'https', 'email', 'sms', 'application', 'firehose', 'x');
  if (/attribute/.test(m)) add('All', 'Policy', 'RedrivePolicy', 'FilterPolicy', 'RawMessageDelivery', 'DeliveryPolicy', 'VisibilityTimeout');
  if (/runtime/.test(m)) add('nodejs20.x', 'python3.12', 'provided.al2', 'java21', 'nodejs4.3');
  if (/handler/.test(m)) add('index.handler', 'missing.handler', 'index', '../x.handler');
  return { primary, hints };
}

/** Keys for maps (attributes, tags, environment variables, …). */
export const MAP_KEYS = ['a', 'k', '', ' ', 'All', 'Policy', 'RedrivePolicy', 'FilterPolicy', 'DelaySeconds', 'VisibilityTimeout', 'FifoQueue',
  'RawMessageDelivery', 'DisplayName', 'AWSTraceHeader', 'aws:x', 'Content-Type', '😀', LONG(300), '__proto__', 'constructor', 'x.y', '$'];

export const NUMBERS: number[] = [0, -1, 1, 2, 10, 100, 1000, 86_400, 2 ** 31 - 1, 2 ** 31, -(2 ** 31) - 1, 2 ** 53 + 2, 1e21, -1e21, 0.5, -0.5, 1.5, 1e-7,
  Number.MAX_SAFE_INTEGER, Number.MAX_VALUE, Number.MIN_VALUE, NaN, Infinity, -Infinity];

export const DATES: Date[] = [new Date(0), new Date(-1000), new Date(Date.UTC(1969, 11, 31)), new Date('9999-12-31T23:59:59Z'), new Date(8.64e15),
  new Date(Date.now()), new Date(Date.now() + 86_400_000), new Date(Date.now() - 86_400_000), new Date(Date.now() - 15 * 86_400_000), new Date(1_700_000_000_123)];

export const BLOBS: Uint8Array[] = [new Uint8Array(0), Buffer.from('hello'), Buffer.from('{"a":1}'), Buffer.from('{"Records":[{"body":"x"}]}'), Buffer.from('not json'),
  Buffer.from([0, 0xff, 0xc3, 0x28]), Buffer.from('PK\u0003\u0004garbage'), Buffer.from('UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA==', 'base64'), Buffer.alloc(300_000, 0x61)];
