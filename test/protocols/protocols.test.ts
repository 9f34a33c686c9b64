import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DescribeLogGroupsCommand,
  FilterLogEventsCommand,
  GetLogEventsCommand,
  PutLogEventsCommand,
  ResourceAlreadyExistsException,
  ResourceNotFoundException,
} from '@aws-sdk/client-cloudwatch-logs';
import {
  IAMClient,
  AttachRolePolicyCommand,
  CreateRoleCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  ListRolePoliciesCommand,
  ListRolesCommand,
  NoSuchEntityException,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { STSClient, AssumeRoleCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { SecretsManagerClient, GetRandomPasswordCommand } from '@aws-sdk/client-secrets-manager';
import { clientConfig, rawRequest, sigv4, useEmulator } from '../helpers/emulator';

const emulator = useEmulator();

describe('AWS JSON 1.1 through CloudWatch Logs', () => {
  it('creates, writes, reads and filters log events', async () => {
    const logs = new CloudWatchLogsClient(clientConfig(emulator()));
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/proto/g' }));
    await expect(logs.send(new CreateLogGroupCommand({ logGroupName: '/proto/g' }))).rejects.toBeInstanceOf(ResourceAlreadyExistsException);
    await logs.send(new CreateLogStreamCommand({ logGroupName: '/proto/g', logStreamName: 's1' }));
    await logs.send(
      new PutLogEventsCommand({
        logGroupName: '/proto/g',
        logStreamName: 's1',
        logEvents: [
          { timestamp: 1000, message: 'INFO started' },
          { timestamp: 2000, message: 'ERROR broken pipe' },
          { timestamp: 3000, message: 'WARN slow' },
        ],
      }),
    );
    const groups = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/proto/' }));
    expect(groups.logGroups?.map((g) => g.logGroupName)).toEqual(['/proto/g']);
    const all = await logs.send(new GetLogEventsCommand({ logGroupName: '/proto/g', logStreamName: 's1', startFromHead: true }));
    expect(all.events?.map((e) => e.message)).toEqual(['INFO started', 'ERROR broken pipe', 'WARN slow']);
    const errors = await logs.send(new FilterLogEventsCommand({ logGroupName: '/proto/g', filterPattern: 'ERROR' }));
    expect(errors.events?.map((e) => e.message)).toEqual(['ERROR broken pipe']);
    const either = await logs.send(new FilterLogEventsCommand({ logGroupName: '/proto/g', filterPattern: '?ERROR ?WARN' }));
    expect(either.events).toHaveLength(2);
    const phrase = await logs.send(new FilterLogEventsCommand({ logGroupName: '/proto/g', filterPattern: '"broken pipe"' }));
    expect(phrase.events).toHaveLength(1);
    await expect(logs.send(new GetLogEventsCommand({ logGroupName: '/nope', logStreamName: 'x' }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
  });

  it('answers malformed JSON with SerializationException and keeps serving', async () => {
    const res = await rawRequest(emulator(), '/', {
      headers: { 'x-amz-target': 'Logs_20140328.CreateLogGroup', 'content-type': 'application/x-amz-json-1.1', authorization: sigv4('logs') },
      body: '{"logGroupName": ',
    });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text).__type).toMatch(/SerializationException$/);
    const logs = new CloudWatchLogsClient(clientConfig(emulator()));
    await expect(logs.send(new DescribeLogGroupsCommand({}))).resolves.toBeDefined();
  });

  it('names an operation the SDK knows but the emulator does not implement', async () => {
    const res = await rawRequest(emulator(), '/', {
      headers: { 'x-amz-target': 'Logs_20140328.CreateLogAnomalyDetector', 'content-type': 'application/x-amz-json-1.1', authorization: sigv4('logs') },
      body: '{}',
    });
    expect(res.status).toBe(501);
    const body = JSON.parse(res.text);
    expect(body.__type).toMatch(/NotImplemented$/);
    expect(body.message).toContain('CreateLogAnomalyDetector');
  });

  it('rejects an unknown operation in the JSON error shape', async () => {
    const res = await rawRequest(emulator(), '/', {
      headers: { 'x-amz-target': 'Logs_20140328.Frobnicate', 'content-type': 'application/x-amz-json-1.1', authorization: sigv4('logs') },
      body: '{}',
    });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text).message).toContain('Frobnicate');
  });
});

describe('Query protocol through IAM and STS', () => {
  it('stores roles and inline policies, with AWS error codes', async () => {
    const iam = new IAMClient(clientConfig(emulator()));
    const created = await iam.send(new CreateRoleCommand({ RoleName: 'proto-role', AssumeRolePolicyDocument: '{"Version":"2012-10-17"}' }));
    expect(created.Role?.Arn).toBe('arn:aws:iam::000000000000:role/proto-role');
    await iam.send(new PutRolePolicyCommand({ RoleName: 'proto-role', PolicyName: 'p', PolicyDocument: '{"Statement":[]}' }));
    const policy = await iam.send(new GetRolePolicyCommand({ RoleName: 'proto-role', PolicyName: 'p' }));
    expect(decodeURIComponent(policy.PolicyDocument!)).toBe('{"Statement":[]}');
    const err = await iam.send(new GetRoleCommand({ RoleName: 'missing' })).catch((e) => e);
    expect(err).toBeInstanceOf(NoSuchEntityException);
    expect(err.$metadata.httpStatusCode).toBe(404);
  });

  it('checks role and policy names, paths, policy documents and policy ARNs as IAM does, storing nothing it refuses', async () => {
    const iam = new IAMClient(clientConfig(emulator()));
    const trust = '{"Version":"2012-10-17"}';
    const refused = async (send: Promise<unknown>, name: string, message: RegExp) => {
      const err = await send.then(() => undefined, (e: { name: string; message: string }) => e);
      expect({ name: err?.name, message: err?.message }).toEqual({ name, message: expect.stringMatching(message) });
    };
    await refused(iam.send(new CreateRoleCommand({ RoleName: 'bad name!', AssumeRolePolicyDocument: trust })), 'ValidationError', /at 'roleName'.*regular expression pattern/);
    await refused(iam.send(new CreateRoleCommand({ RoleName: 'r'.repeat(65), AssumeRolePolicyDocument: trust })), 'ValidationError', /less than or equal to 64/);
    await refused(iam.send(new CreateRoleCommand({ RoleName: 'bad-path', Path: 'no-slashes', AssumeRolePolicyDocument: trust })), 'ValidationError', /at 'path'/);
    await refused(iam.send(new CreateRoleCommand({ RoleName: 'bad-trust', AssumeRolePolicyDocument: '{oops' })), 'MalformedPolicyDocumentException', /invalid Json/);
    await iam.send(new CreateRoleCommand({ RoleName: 'checked-role', AssumeRolePolicyDocument: trust }));
    await refused(iam.send(new PutRolePolicyCommand({ RoleName: 'checked-role', PolicyName: 'p', PolicyDocument: '[1]' })), 'MalformedPolicyDocumentException', /invalid Json/);
    await refused(iam.send(new AttachRolePolicyCommand({ RoleName: 'checked-role', PolicyArn: 'not-an-arn' })), 'InvalidInputException', /ARN not-an-arn is not valid/);
    const roles = (await iam.send(new ListRolesCommand({}))).Roles!.map((r) => r.RoleName);
    expect(roles).toContain('checked-role');
    expect(roles.filter((n) => ['bad name!', 'bad-path', 'bad-trust'].includes(n!))).toEqual([]);
    expect((await iam.send(new ListRolePoliciesCommand({ RoleName: 'checked-role' }))).PolicyNames).toEqual([]);
  });

  it('answers GetCallerIdentity with the emulator account', async () => {
    const id = await new STSClient(clientConfig(emulator())).send(new GetCallerIdentityCommand({}));
    expect(id.Account).toBe('000000000000');
  });

  it('answers AssumeRole with credentials that expire on the emulator clock, and validates it as STS does', async () => {
    const sts = new STSClient(clientConfig(emulator()));
    const RoleArn = 'arn:aws:iam::000000000000:role/proto-role';
    const before = emulator().clock.now();
    const out = await sts.send(new AssumeRoleCommand({ RoleArn, RoleSessionName: 'session-1', DurationSeconds: 900 }));
    expect(out.AssumedRoleUser?.Arn).toBe('arn:aws:sts::000000000000:assumed-role/proto-role/session-1');
    const expires = out.Credentials!.Expiration!.getTime();
    expect(expires).toBeGreaterThanOrEqual(before + 899_000);
    expect(expires).toBeLessThanOrEqual(emulator().clock.now() + 901_000);
    for (const [input, message] of [
      [{ RoleArn, RoleSessionName: 's', DurationSeconds: 3600 }, /roleSessionName/],
      [{ RoleArn, RoleSessionName: 'session-1', DurationSeconds: 899 }, /greater than or equal to 900/],
      [{ RoleArn, RoleSessionName: 'session-1', DurationSeconds: 43_201 }, /less than or equal to 43200/],
    ] as const) {
      await expect(sts.send(new AssumeRoleCommand(input))).rejects.toMatchObject({ name: 'ValidationError', message: expect.stringMatching(message) });
    }
  });

  it('routes an unsigned form post by its Action and answers unknown actions in the Query error shape', async () => {
    const ok = await rawRequest(emulator(), '/', {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=GetCallerIdentity&Version=2011-06-15',
    });
    expect(ok.status).toBe(200);
    expect(ok.text).toContain('<GetCallerIdentityResult>');
    expect(ok.text).toContain('<Account>000000000000</Account>');
    const bad = await rawRequest(emulator(), '/', {
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: sigv4('sts') },
      body: 'Action=Frobnicate&Version=2011-06-15',
    });
    expect(bad.status).toBe(400);
    expect(bad.text).toMatch(/<ErrorResponse[^>]*><Error><Type>Sender<\/Type><Code>InvalidAction<\/Code>/);
  });
});

describe('Secrets Manager', () => {
  it('generates passwords from the requested alphabet', async () => {
    const sm = new SecretsManagerClient(clientConfig(emulator()));
    const { RandomPassword } = await sm.send(
      new GetRandomPasswordCommand({ PasswordLength: 24, ExcludePunctuation: true, ExcludeUppercase: true }),
    );
    expect(RandomPassword).toMatch(/^[a-z0-9]{24}$/);
  });
});

describe('inspection endpoints', () => {
  it('reports health', async () => {
    const res = await fetch(`${emulator().endpoint}/_harness/health`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { services: string[] }).services).toEqual(expect.arrayContaining(['iam', 'sts', 'logs']));
  });
});

// The SDK's deserializers, which the codecs are built on, throw on a value they cannot convert and pass a value
// of the wrong type straight through; either is the client's mistake, answered in each protocol's own error
// shape, never an InternalError (test/fuzz/type-confusion.test.ts tries every operation).
describe('values of the wrong type, or that cannot be converted', () => {
  it('REST-JSON (Lambda): a blob that is not base64 is InvalidRequestContentException', async () => {
    const res = await rawRequest(emulator(), '/2015-03-31/functions', {
      headers: { 'content-type': 'application/json', authorization: sigv4('lambda') },
      body: JSON.stringify({ FunctionName: 'f', Runtime: 'nodejs20.x', Role: 'arn:aws:iam::000000000000:role/r', Handler: 'index.handler', Code: { ZipFile: 'UEsF!B==' } }),
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('x-amzn-errortype')).toBe('InvalidRequestContentException');
    expect(JSON.parse(res.text)).toMatchObject({ Type: 'User', message: expect.stringMatching(/^Could not parse request body into json/) });
  });

  it('AWS JSON 1.0 (SQS): a blob that is not base64 is SerializationException', async () => {
    const res = await rawRequest(emulator(), '/', {
      headers: { 'x-amz-target': 'AmazonSQS.SendMessage', 'content-type': 'application/x-amz-json-1.0', authorization: sigv4('sqs') },
      body: JSON.stringify({ QueueUrl: `${emulator().endpoint}/000000000000/q`, MessageBody: 'x', MessageAttributes: { a: { DataType: 'Binary', BinaryValue: 'no!base64' } } }),
    });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text).__type).toMatch(/SerializationException$/);
  });

  it('REST-JSON (Lambda): a member of the wrong type is InvalidRequestContentException', async () => {
    const res = await rawRequest(emulator(), '/2015-03-31/functions', {
      headers: { 'content-type': 'application/json', authorization: sigv4('lambda') },
      body: JSON.stringify({ FunctionName: 'f', Runtime: 'nodejs20.x', Role: 'arn:aws:iam::000000000000:role/r', Handler: 'index.handler', Timeout: 'soon', Code: { ZipFile: 'UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA==' } }),
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('x-amzn-errortype')).toBe('InvalidRequestContentException');
    expect(JSON.parse(res.text).message).toMatch(/STRING_VALUE cannot be converted to Number \(at Timeout\)/);
  });

  it('AWS JSON 1.1 (Logs): a number for a string is SerializationException and is not stored; a null member is absent', async () => {
    const call = (target: string, body: unknown) =>
      rawRequest(emulator(), '/', {
        headers: { 'x-amz-target': `Logs_20140328.${target}`, 'content-type': 'application/x-amz-json-1.1', authorization: sigv4('logs') },
        body: JSON.stringify(body),
      });
    const wrong = await call('CreateLogGroup', { logGroupName: 123 });
    expect(wrong.status).toBe(400);
    expect(JSON.parse(wrong.text)).toMatchObject({ __type: expect.stringMatching(/SerializationException$/), message: expect.stringMatching(/^NUMBER_VALUE cannot be converted to String/) });
    expect((await call('CreateLogGroup', { logGroupName: '/typed/nulls', kmsKeyId: null })).status).toBe(200);
    const listed = await call('DescribeLogGroups', { logGroupNamePrefix: '/typed/' });
    expect(JSON.parse(listed.text).logGroups.map((g: { logGroupName: string }) => g.logGroupName)).toEqual(['/typed/nulls']);
  });

  it('a query parameter of the wrong type is named as each service names it: S3 InvalidArgument, Lambda InvalidParameterValueException', async () => {
    await rawRequest(emulator(), '/typed-bucket', { method: 'PUT', headers: { authorization: sigv4('s3') } });
    const s3 = await rawRequest(emulator(), '/typed-bucket?list-type=2&max-keys=abc', { method: 'GET', headers: { authorization: sigv4('s3') } });
    expect(s3.status).toBe(400);
    expect(s3.text).toContain('<Code>InvalidArgument</Code>');
    expect(s3.text).toContain('<ArgumentName>max-keys</ArgumentName><ArgumentValue>abc</ArgumentValue>');
    const lambda = await rawRequest(emulator(), '/2015-03-31/functions/?MaxItems=abc', { method: 'GET', headers: { authorization: sigv4('lambda') } });
    expect(lambda.status).toBe(400);
    expect(lambda.headers.get('x-amzn-errortype')).toBe('InvalidParameterValueException');
  });

  it('reads a boolean header written as older botocore writes it (True), and still refuses what is not a boolean', async () => {
    const put = (bucket: string, value: string) =>
      rawRequest(emulator(), `/${bucket}`, { method: 'PUT', headers: { authorization: sigv4('s3'), 'x-amz-bucket-object-lock-enabled': value } });
    expect((await put('locked-by-old-boto', 'True')).status).toBe(200);
    const lock = await rawRequest(emulator(), '/locked-by-old-boto?object-lock', { method: 'GET', headers: { authorization: sigv4('s3') } });
    expect(lock.text).toContain('<ObjectLockEnabled>Enabled</ObjectLockEnabled>');
    const refused = await put('not-a-boolean', 'yes');
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('<Code>InvalidArgument</Code>');
  });

  it('S3 ignores a conditional request date it cannot parse, as HTTP asks, and still honours a valid one', async () => {
    await rawRequest(emulator(), '/typed-bucket', { method: 'PUT', headers: { authorization: sigv4('s3') } });
    await rawRequest(emulator(), '/typed-bucket/k', { method: 'PUT', headers: { authorization: sigv4('s3') }, body: 'x' });
    const get = (headers: Record<string, string>) => rawRequest(emulator(), '/typed-bucket/k', { method: 'GET', headers: { authorization: sigv4('s3'), ...headers } });
    expect((await get({ 'if-modified-since': 'garbage' })).status).toBe(200);
    expect((await get({ 'if-unmodified-since': 'not a date' })).status).toBe(200);
    expect((await get({ 'if-modified-since': 'Wed, 01 Jan 2100 00:00:00 GMT' })).status).toBe(304);
  });

  it('REST-XML (S3): a timestamp that is not one is MalformedXML', async () => {
    const res = await rawRequest(emulator(), '/some-bucket/k?retention', {
      method: 'PUT',
      headers: { 'content-type': 'application/xml', authorization: sigv4('s3') },
      body: '<Retention xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Mode>GOVERNANCE</Mode><RetainUntilDate>not a date</RetainUntilDate></Retention>',
    });
    expect(res.status).toBe(400);
    expect(res.text).toContain('<Code>MalformedXML</Code>');
  });
});
