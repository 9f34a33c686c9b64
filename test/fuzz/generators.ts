import fc from 'fast-check';

/**
 * Request generators for fuzzing each protocol entry point: random and mutated valid requests,
 * aws-chunked framing, multipart bodies, odd headers and query strings, huge and empty values, invalid UTF-8.
 */
export interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

const auth = (service: string) => `AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=00`;

const weirdString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom('', ' ', '../../etc/passwd', '/abs/path', 'a\u0000b', '%00', '%', '%zz', '😀', 'a'.repeat(1100), '<x>&amp;', '..', '.', 'data/', 'key with spaces.csv'),
  fc.uint8Array({ maxLength: 30 }).map((b) => Buffer.from(b).toString('latin1')),
);

const invalidUtf8 = fc.uint8Array({ minLength: 1, maxLength: 64 }).map((b) => Buffer.concat([Buffer.from([0xc3, 0x28, 0xff]), Buffer.from(b)]));

/** Flips, drops or duplicates bytes of a valid body. */
const mutate = (valid: string) =>
  fc.oneof(
    fc.constant(Buffer.from(valid)),
    fc.nat({ max: Math.max(0, valid.length - 1) }).map((i) => Buffer.from(valid.slice(0, i))),
    fc.tuple(fc.nat({ max: Math.max(0, valid.length - 1) }), fc.integer({ min: 0, max: 255 })).map(([i, byte]) => {
      const b = Buffer.from(valid);
      if (b.length) b[i % b.length] = byte;
      return b;
    }),
    fc.constant(Buffer.from(valid + valid)),
    invalidUtf8,
    fc.constant(Buffer.alloc(0)),
  );

const S3_SUBRESOURCES = ['', '?acl', '?tagging', '?uploads', '?uploadId=x', '?versionId=null', '?list-type=2', '?delete', '?notification', '?versioning', '?versions', '?restore', '?partNumber=1&uploadId=abc', '?list-type=2&max-keys=-1', '?list-type=2&continuation-token=%%%', '?location', '?policy', '?cors', '?x-id=PutObject'];

const VALID_S3_XML = [
  '<NotificationConfiguration><QueueConfiguration><Queue>arn:aws:sqs:us-east-1:000000000000:q</Queue><Event>s3:ObjectCreated:*</Event></QueueConfiguration></NotificationConfiguration>',
  '<Delete><Object><Key>a</Key></Object><Quiet>true</Quiet></Delete>',
  '<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>',
  '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"x"</ETag></Part></CompleteMultipartUpload>',
  '<Tagging><TagSet><Tag><Key>k</Key><Value>v</Value></Tag></TagSet></Tagging>',
  '<CreateBucketConfiguration><LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>',
];

const chunkedBody = fc.tuple(fc.uint8Array({ maxLength: 200 }), fc.boolean(), fc.constantFrom('0', 'zz', '-1', 'ffffffff', '10')).map(([data, trailer, size]) =>
  Buffer.concat([
    Buffer.from(`${size === '10' ? data.length.toString(16) : size};chunk-signature=abc\r\n`),
    Buffer.from(data),
    Buffer.from('\r\n0\r\n'),
    Buffer.from(trailer ? 'x-amz-checksum-crc32:AAAAAA==\r\n\r\n' : '\r\n'),
  ]),
);

export const s3Request: fc.Arbitrary<FuzzRequest> = fc
  .record({
    method: fc.constantFrom('GET', 'PUT', 'POST', 'DELETE', 'HEAD'),
    bucket: fc.oneof(fc.constant('fuzz-bucket'), fc.constant('missing-bucket'), weirdString.map(encodeURIComponent)),
    key: fc.oneof(fc.constant(''), fc.constant('obj.csv'), weirdString.map((s) => s.split('/').map(encodeURIComponent).join('/'))),
    sub: fc.constantFrom(...S3_SUBRESOURCES),
    headers: fc.dictionary(
      fc.constantFrom('content-md5', 'x-amz-checksum-crc32', 'x-amz-copy-source', 'range', 'x-amz-decoded-content-length', 'content-encoding', 'x-amz-content-sha256', 'x-amz-meta-a', 'x-amz-tagging', 'if-match', 'content-type'),
      fc.oneof(weirdString.map((s) => s.replace(/[^\x20-\x7e]/g, '')), fc.constantFrom('aws-chunked', 'STREAMING-UNSIGNED-PAYLOAD-TRAILER', 'bytes=5-1', 'bytes=-0', 'fuzz-bucket/obj.csv', '99999999999')),
    ),
    body: fc.oneof(fc.constant(undefined), fc.constantFrom(...VALID_S3_XML).chain(mutate), chunkedBody, fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b))),
  })
  .map(({ method, bucket, key, sub, headers, body }) => ({
    method,
    path: `/${bucket}${key ? `/${key}` : ''}${sub}`,
    headers: { ...headers, authorization: auth('s3') },
    body: method === 'GET' || method === 'HEAD' ? undefined : body,
  }));

const jsonValue = fc.jsonValue({ maxDepth: 3 });

function jsonRequest(service: string, prefix: string, ops: string[], validBodies: string[], version: string): fc.Arbitrary<FuzzRequest> {
  return fc
    .record({
      op: fc.oneof(fc.constantFrom(...ops), weirdString),
      body: fc.oneof(fc.constantFrom(...validBodies).chain(mutate), jsonValue.map((v) => Buffer.from(JSON.stringify(v))), invalidUtf8),
    })
    .map(({ op, body }) => ({
      method: 'POST',
      path: '/',
      headers: { 'x-amz-target': `${prefix}.${op}`.replace(/[^\x20-\x7e]/g, ''), 'content-type': `application/x-amz-json-${version}`, authorization: auth(service) },
      body,
    }));
}

export const sqsJsonRequest = jsonRequest(
  'sqs',
  'AmazonSQS',
  ['CreateQueue', 'SendMessage', 'SendMessageBatch', 'ReceiveMessage', 'DeleteMessage', 'SetQueueAttributes', 'GetQueueAttributes', 'PurgeQueue', 'ChangeMessageVisibility', 'DeleteQueue', 'ListQueues'],
  [
    '{"QueueName":"fuzz-q","Attributes":{"VisibilityTimeout":"5"}}',
    '{"QueueUrl":"http://127.0.0.1/000000000000/fuzz-q","MessageBody":"hi","MessageAttributes":{"a":{"DataType":"String","StringValue":"v"}}}',
    '{"QueueUrl":"http://127.0.0.1/000000000000/fuzz-q","Entries":[{"Id":"1","MessageBody":"x"},{"Id":"1","MessageBody":"y"}]}',
    '{"QueueUrl":"http://127.0.0.1/000000000000/fuzz-q","MaxNumberOfMessages":11,"WaitTimeSeconds":0}',
    '{"QueueUrl":"http://127.0.0.1/000000000000/fuzz-q","ReceiptHandle":"garbage"}',
  ],
  '1.0',
);

function queryRequest(service: string, actions: string[], validForms: string[]): fc.Arbitrary<FuzzRequest> {
  const form = fc.oneof(
    fc.constantFrom(...validForms).chain(mutate),
    fc.tuple(fc.oneof(fc.constantFrom(...actions), weirdString), fc.dictionary(weirdString, weirdString)).map(([action, params]) =>
      Buffer.from(new URLSearchParams({ Action: action, Version: '2012-11-05', ...params }).toString()),
    ),
  );
  return form.map((body) => ({
    method: 'POST',
    path: '/',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: auth(service) },
    body,
  }));
}

export const sqsQueryRequest = queryRequest('sqs', ['CreateQueue', 'SendMessage', 'ReceiveMessage', 'SendMessageBatch', 'SetQueueAttributes'], [
  'Action=SendMessage&QueueUrl=http%3A%2F%2F127.0.0.1%2F000000000000%2Ffuzz-q&MessageBody=hi&MessageAttribute.1.Name=a&MessageAttribute.1.Value.DataType=String&MessageAttribute.1.Value.StringValue=v',
  'Action=SendMessageBatch&QueueUrl=http%3A%2F%2F127.0.0.1%2F000000000000%2Ffuzz-q&SendMessageBatchRequestEntry.1.Id=a&SendMessageBatchRequestEntry.1.MessageBody=x',
  'Action=SetQueueAttributes&QueueUrl=http%3A%2F%2F127.0.0.1%2F000000000000%2Ffuzz-q&Attribute.1.Name=VisibilityTimeout&Attribute.1.Value=99999999',
]);

export const snsQueryRequest = queryRequest('sns', ['CreateTopic', 'Publish', 'Subscribe', 'SetSubscriptionAttributes', 'PublishBatch'], [
  'Action=CreateTopic&Name=fuzz-topic',
  'Action=Publish&TopicArn=arn%3Aaws%3Asns%3Aus-east-1%3A000000000000%3Afuzz-topic&Message=hi&MessageAttributes.entry.1.Name=a&MessageAttributes.entry.1.Value.DataType=Number&MessageAttributes.entry.1.Value.StringValue=abc',
  'Action=Subscribe&TopicArn=arn%3Aaws%3Asns%3Aus-east-1%3A000000000000%3Afuzz-topic&Protocol=sqs&Endpoint=arn%3Aaws%3Asqs%3Aus-east-1%3A000000000000%3Afuzz-q&Attributes.entry.1.key=FilterPolicy&Attributes.entry.1.value=%7B%22a%22%3A%5B1%5D%7D',
]);

export const lambdaRequest: fc.Arbitrary<FuzzRequest> = fc
  .record({
    method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE'),
    path: fc.oneof(
      fc.constantFrom('/2015-03-31/functions', '/2015-03-31/functions/fuzz-fn', '/2015-03-31/functions/fuzz-fn/invocations', '/2015-03-31/functions/fuzz-fn/configuration', '/2015-03-31/event-source-mappings/', '/2017-10-31/functions/fuzz-fn/concurrency', '/2019-09-25/functions/fuzz-fn/event-invoke-config'),
      weirdString.map((s) => `/2015-03-31/functions/${encodeURIComponent(s)}/invocations`),
    ),
    body: fc.oneof(
      fc.constantFrom('{"FunctionName":"fuzz-fn","Runtime":"nodejs20.x","Role":"arn:aws:iam::000000000000:role/r","Handler":"index.handler","Code":{"ZipFile":"UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA=="}}', '{"ReservedConcurrentExecutions":-1}', '{"EventSourceArn":"arn:aws:sqs:us-east-1:000000000000:fuzz-q","FunctionName":"fuzz-fn","BatchSize":100000}').chain(mutate),
      jsonValue.map((v) => Buffer.from(JSON.stringify(v))),
    ),
  })
  .map(({ method, path, body }) => ({ method, path, headers: { 'content-type': 'application/json', authorization: auth('lambda') }, body: method === 'GET' ? undefined : body }));

export const SERVICES: Record<string, fc.Arbitrary<FuzzRequest>> = {
  s3: s3Request,
  'sqs-json': sqsJsonRequest,
  'sqs-query': sqsQueryRequest,
  'sns-query': snsQueryRequest,
  lambda: lambdaRequest,
};
