import { createHash } from 'node:crypto';
import {
  AddPermissionCommand,
  CreateFunctionCommand,
  DeleteFunctionCommand,
  DeleteFunctionConcurrencyCommand,
  DeleteFunctionEventInvokeConfigCommand,
  GetAccountSettingsCommand,
  GetFunctionCommand,
  GetFunctionConcurrencyCommand,
  GetFunctionConfigurationCommand,
  GetFunctionEventInvokeConfigCommand,
  GetFunctionRecursionConfigCommand,
  GetPolicyCommand,
  InvokeCommand,
  ListFunctionEventInvokeConfigsCommand,
  ListFunctionsCommand,
  ListTagsCommand,
  PutFunctionConcurrencyCommand,
  PutFunctionEventInvokeConfigCommand,
  PutFunctionRecursionConfigCommand,
  RemovePermissionCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  UpdateFunctionEventInvokeConfigCommand,
  waitUntilFunctionActiveV2,
  waitUntilFunctionUpdatedV2,
} from '@aws-sdk/client-lambda';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startEmulator } from '../../emulator';
import { VirtualClock } from '../../emulator/core/clock';
import { clientConfig, useEmulator } from '../helpers/emulator';
import { deployNode, json, lambdaClient, makeZip, nodeZip, rejection, ROLE, uniqueName } from './helpers';

/** The function API: create/read/update/delete, states and waiters, policies, async config, concurrency, tags. */

const emulator = useEmulator({ timeScale: 0.001 });
let client: ReturnType<typeof lambdaClient> | undefined;
const lambda = () => (client ??= lambdaClient(emulator()));
afterAll(() => client?.destroy());

const ECHO = 'exports.handler = async (event) => ({ echo: event, version: 1 });';

describe('CreateFunction and reading functions', () => {
  it('creates a function Pending with defaults, and the waiter sees it become Active', async () => {
    const name = uniqueName('create');
    const zip = nodeZip(ECHO);
    const created = await lambda().send(
      new CreateFunctionCommand({ FunctionName: name, Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Code: { ZipFile: zip }, Tags: { team: 'a' } }),
    );
    expect(created.$metadata.httpStatusCode).toBe(201);
    expect(created).toMatchObject({
      FunctionName: name,
      FunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${name}`,
      Runtime: 'nodejs20.x',
      Handler: 'index.handler',
      Role: ROLE,
      Timeout: 3,
      MemorySize: 128,
      CodeSize: zip.length,
      CodeSha256: createHash('sha256').update(zip).digest('base64'),
      Version: '$LATEST',
      PackageType: 'Zip',
      Architectures: ['x86_64'],
      State: 'Pending',
      StateReasonCode: 'Creating',
    });
    expect(created.LastModified).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);

    const waited = await waitUntilFunctionActiveV2({ client: lambda(), maxWaitTime: 20 }, { FunctionName: name });
    expect(waited.state).toBe('SUCCESS');
    const got = await lambda().send(new GetFunctionCommand({ FunctionName: name }));
    expect(got.Configuration).toMatchObject({ State: 'Active', LastUpdateStatus: 'Successful' });
    expect(got.Code?.Location).toMatch(/^https:\/\//);
    expect(got.Tags).toEqual({ team: 'a' });

    const byArn = await lambda().send(new GetFunctionConfigurationCommand({ FunctionName: created.FunctionArn }));
    expect(byArn.FunctionName).toBe(name);
    const listed = await lambda().send(new ListFunctionsCommand({}));
    expect(listed.Functions?.map((f) => f.FunctionName)).toContain(name);
  });

  it('refuses a second function with the same name', async () => {
    const name = uniqueName('dup');
    await deployNode(lambda(), name, ECHO);
    const err = await rejection(deployNode(lambda(), name, ECHO));
    expect(err.name).toBe('ResourceConflictException');
    expect(err.message).toBe(`Function already exist: ${name}`);
    expect(err.$metadata.httpStatusCode).toBe(409);
  });

  it('answers 404 "Function not found: <arn>" for an unknown function', async () => {
    const err = await rejection(lambda().send(new GetFunctionCommand({ FunctionName: 'nope' })));
    expect(err.name).toBe('ResourceNotFoundException');
    expect(err.message).toBe('Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope');
    expect(err.$metadata.httpStatusCode).toBe(404);
  });

  it('rejects a zip whose entry climbs out with ../ (InvalidParameterValueException)', async () => {
    const zip = makeZip([
      { name: 'index.js', content: ECHO },
      { name: '../evil.js', content: 'boom' },
    ]);
    const err = await rejection(
      lambda().send(new CreateFunctionCommand({ FunctionName: uniqueName('evil'), Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Code: { ZipFile: zip } })),
    );
    expect(err.name).toBe('InvalidParameterValueException');
    expect(err.message).toContain('../evil.js');
  });

  it('validates the configuration with AWS messages', async () => {
    const base = { Runtime: 'nodejs20.x' as const, Handler: 'index.handler', Role: ROLE, Code: { ZipFile: nodeZip(ECHO) } };
    const reserved = await rejection(
      lambda().send(new CreateFunctionCommand({ ...base, FunctionName: uniqueName('env'), Environment: { Variables: { AWS_REGION: 'x' } } })),
    );
    expect(reserved.name).toBe('InvalidParameterValueException');
    expect(reserved.message).toContain('Reserved keys used in this request: AWS_REGION');
    const timeout = await rejection(lambda().send(new CreateFunctionCommand({ ...base, FunctionName: uniqueName('t'), Timeout: 901 })));
    expect(timeout.name).toBe('ValidationException');
    expect(timeout.message).toContain("at 'timeout' failed to satisfy constraint: Member must have value less than or equal to 900");
    const noHandler = await rejection(lambda().send(new CreateFunctionCommand({ ...base, FunctionName: uniqueName('h'), Handler: undefined })));
    expect(noHandler.name).toBe('InvalidParameterValueException');
  });

  it('validates architectures and ephemeral storage, and reports the storage it was given', async () => {
    const base = { Runtime: 'nodejs20.x' as const, Handler: 'index.handler', Role: ROLE, Code: { ZipFile: nodeZip(ECHO) } };
    const refused = async (over: object) => {
      const err = await rejection(lambda().send(new CreateFunctionCommand({ ...base, FunctionName: uniqueName('v'), ...over })));
      expect(err.name).toBe('ValidationException');
      return err.message;
    };
    expect(await refused({ Architectures: ['x86_64', 'arm64'] })).toContain("Value '[x86_64, arm64]' at 'architectures' failed to satisfy constraint: Member must have length less than or equal to 1");
    expect(await refused({ Architectures: ['mips'] })).toContain('Member must satisfy enum value set: [x86_64, arm64]');
    expect(await refused({ EphemeralStorage: { Size: 511 } })).toContain("Value '511' at 'ephemeralStorage.size' failed to satisfy constraint: Member must have value greater than or equal to 512");
    expect(await refused({ EphemeralStorage: { Size: 10_241 } })).toContain('less than or equal to 10240');
    const created = await lambda().send(new CreateFunctionCommand({ ...base, FunctionName: uniqueName('tmp'), EphemeralStorage: { Size: 2048 }, Architectures: ['arm64'] }));
    expect(created.EphemeralStorage).toEqual({ Size: 2048 });
    expect(created.Architectures).toEqual(['arm64']);
    const updated = await lambda().send(new UpdateFunctionConfigurationCommand({ FunctionName: created.FunctionName, EphemeralStorage: { Size: 4096 } }));
    expect(updated.EphemeralStorage).toEqual({ Size: 4096 });
  });
});

describe('code from S3', () => {
  it('creates a function from an S3 object, and says which S3 error stopped it otherwise', async () => {
    const s3 = new S3Client({ ...clientConfig(emulator()), forcePathStyle: true, maxAttempts: 1 });
    try {
      const bucket = uniqueName('code-bucket');
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
      const zip = nodeZip('exports.handler = async () => "from s3";');
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'fn.zip', Body: zip }));
      const name = uniqueName('s3code');
      const created = await lambda().send(
        new CreateFunctionCommand({ FunctionName: name, Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Code: { S3Bucket: bucket, S3Key: 'fn.zip' } }),
      );
      expect(created.CodeSha256).toBe(createHash('sha256').update(zip).digest('base64'));
      expect(created.CodeSize).toBe(zip.length);
      expect(json((await lambda().send(new InvokeCommand({ FunctionName: name }))).Payload)).toBe('from s3');

      const missing = await rejection(
        lambda().send(
          new CreateFunctionCommand({ FunctionName: uniqueName('s3missing'), Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Code: { S3Bucket: bucket, S3Key: 'nope.zip' } }),
        ),
      );
      expect(missing.name).toBe('InvalidParameterValueException');
      expect(missing.message).toMatch(/^Error occurred while GetObject\. S3 Error Code: NoSuchKey\. S3 Error Message: /);
    } finally {
      s3.destroy();
    }
  });
});

describe('updating and deleting', () => {
  it('updates configuration (waitUntilFunctionUpdatedV2) and code (new environments run the new code)', async () => {
    const name = uniqueName('update');
    await deployNode(lambda(), name, 'exports.handler = async () => ({ v: 1, env: process.env.COLOR ?? null });');
    expect(json((await lambda().send(new InvokeCommand({ FunctionName: name }))).Payload)).toEqual({ v: 1, env: null });

    const updated = await lambda().send(
      new UpdateFunctionConfigurationCommand({ FunctionName: name, Environment: { Variables: { COLOR: 'blue' } }, Timeout: 10, MemorySize: 256 }),
    );
    expect(updated).toMatchObject({ Timeout: 10, MemorySize: 256, Environment: { Variables: { COLOR: 'blue' } } });
    expect(updated.LastUpdateStatus).toBe('InProgress');
    const waited = await waitUntilFunctionUpdatedV2({ client: lambda(), maxWaitTime: 20 }, { FunctionName: name });
    expect(waited.state).toBe('SUCCESS');
    expect(json((await lambda().send(new InvokeCommand({ FunctionName: name }))).Payload)).toEqual({ v: 1, env: 'blue' });

    const zip = nodeZip('exports.handler = async () => ({ v: 2 });');
    const code = await lambda().send(new UpdateFunctionCodeCommand({ FunctionName: name, ZipFile: zip }));
    expect(code.CodeSha256).toBe(createHash('sha256').update(zip).digest('base64'));
    expect(json((await lambda().send(new InvokeCommand({ FunctionName: name }))).Payload)).toEqual({ v: 2 });
  });

  it('deletes a function', async () => {
    const name = uniqueName('delete');
    await deployNode(lambda(), name, ECHO);
    const out = await lambda().send(new DeleteFunctionCommand({ FunctionName: name }));
    expect(out.$metadata.httpStatusCode).toBe(204);
    expect((await rejection(lambda().send(new GetFunctionCommand({ FunctionName: name })))).name).toBe('ResourceNotFoundException');
    expect((await rejection(lambda().send(new InvokeCommand({ FunctionName: name })))).name).toBe('ResourceNotFoundException');
  });
});

describe('resource policy', () => {
  it('adds, reads and removes statements; duplicate statement ids conflict', async () => {
    const name = uniqueName('policy');
    const arn = await deployNode(lambda(), name, ECHO);
    expect((await rejection(lambda().send(new GetPolicyCommand({ FunctionName: name })))).name).toBe('ResourceNotFoundException');
    const added = await lambda().send(
      new AddPermissionCommand({
        FunctionName: name,
        StatementId: 's3-invoke',
        Action: 'lambda:InvokeFunction',
        Principal: 's3.amazonaws.com',
        SourceArn: 'arn:aws:s3:::my-bucket',
        SourceAccount: '000000000000',
      }),
    );
    expect(JSON.parse(added.Statement!)).toEqual({
      Sid: 's3-invoke',
      Effect: 'Allow',
      Principal: { Service: 's3.amazonaws.com' },
      Action: 'lambda:InvokeFunction',
      Resource: arn,
      Condition: { StringEquals: { 'AWS:SourceAccount': '000000000000' }, ArnLike: { 'AWS:SourceArn': 'arn:aws:s3:::my-bucket' } },
    });
    const dup = await rejection(
      lambda().send(new AddPermissionCommand({ FunctionName: name, StatementId: 's3-invoke', Action: 'lambda:InvokeFunction', Principal: 's3.amazonaws.com' })),
    );
    expect(dup.name).toBe('ResourceConflictException');
    const policy = JSON.parse((await lambda().send(new GetPolicyCommand({ FunctionName: name }))).Policy!);
    expect(policy).toMatchObject({ Version: '2012-10-17', Id: 'default', Statement: [{ Sid: 's3-invoke' }] });

    // The bus's check (what S3 calls when a notification configuration names the function) follows the policy.
    const origin = (sourceArn: string) => ({ principal: 's3.amazonaws.com', sourceArn, sourceAccount: '000000000000' });
    expect(() => emulator().bus.check(arn, origin('arn:aws:s3:::my-bucket'))).not.toThrow();
    expect(() => emulator().bus.check(arn, origin('arn:aws:s3:::other-bucket'))).toThrow();

    await lambda().send(new RemovePermissionCommand({ FunctionName: name, StatementId: 's3-invoke' }));
    expect((await rejection(lambda().send(new GetPolicyCommand({ FunctionName: name })))).name).toBe('ResourceNotFoundException');
    expect(() => emulator().bus.check(arn, origin('arn:aws:s3:::my-bucket'))).toThrow();
    expect((await rejection(lambda().send(new RemovePermissionCommand({ FunctionName: name, StatementId: 's3-invoke' })))).name).toBe(
      'ResourceNotFoundException',
    );
  });
});

describe('asynchronous invocation configuration', () => {
  it('puts, updates, lists and deletes; validates ranges', async () => {
    const name = uniqueName('eic');
    const arn = await deployNode(lambda(), name, ECHO);
    expect((await rejection(lambda().send(new GetFunctionEventInvokeConfigCommand({ FunctionName: name })))).name).toBe('ResourceNotFoundException');
    const put = await lambda().send(
      new PutFunctionEventInvokeConfigCommand({
        FunctionName: name,
        MaximumRetryAttempts: 1,
        MaximumEventAgeInSeconds: 120,
        DestinationConfig: { OnFailure: { Destination: 'arn:aws:sqs:us-east-1:000000000000:failures' } },
      }),
    );
    expect(put).toMatchObject({
      FunctionArn: `${arn}:$LATEST`,
      MaximumRetryAttempts: 1,
      MaximumEventAgeInSeconds: 120,
      DestinationConfig: { OnFailure: { Destination: 'arn:aws:sqs:us-east-1:000000000000:failures' } },
    });
    expect(put.LastModified).toBeInstanceOf(Date);
    const updated = await lambda().send(new UpdateFunctionEventInvokeConfigCommand({ FunctionName: name, MaximumRetryAttempts: 0 }));
    expect(updated).toMatchObject({ MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 120 });
    const listed = await lambda().send(new ListFunctionEventInvokeConfigsCommand({ FunctionName: name }));
    expect(listed.FunctionEventInvokeConfigs).toHaveLength(1);
    const tooMany = await rejection(lambda().send(new PutFunctionEventInvokeConfigCommand({ FunctionName: name, MaximumRetryAttempts: 3 })));
    expect(tooMany.name).toBe('ValidationException');
    const tooYoung = await rejection(lambda().send(new PutFunctionEventInvokeConfigCommand({ FunctionName: name, MaximumEventAgeInSeconds: 59 })));
    expect(tooYoung.name).toBe('ValidationException');
    await lambda().send(new DeleteFunctionEventInvokeConfigCommand({ FunctionName: name }));
    expect((await rejection(lambda().send(new GetFunctionEventInvokeConfigCommand({ FunctionName: name })))).name).toBe('ResourceNotFoundException');
  });
});

describe('concurrency, recursion, tags, account', () => {
  it('reserves concurrency and reports it in GetFunction and GetAccountSettings', async () => {
    const name = uniqueName('conc');
    await deployNode(lambda(), name, ECHO);
    const before = await lambda().send(new GetAccountSettingsCommand({}));
    expect(await lambda().send(new GetFunctionConcurrencyCommand({ FunctionName: name }))).not.toHaveProperty('ReservedConcurrentExecutions');
    await lambda().send(new PutFunctionConcurrencyCommand({ FunctionName: name, ReservedConcurrentExecutions: 7 }));
    expect((await lambda().send(new GetFunctionConcurrencyCommand({ FunctionName: name }))).ReservedConcurrentExecutions).toBe(7);
    expect((await lambda().send(new GetFunctionCommand({ FunctionName: name }))).Concurrency).toEqual({ ReservedConcurrentExecutions: 7 });
    const after = await lambda().send(new GetAccountSettingsCommand({}));
    expect(after.AccountLimit?.UnreservedConcurrentExecutions).toBe(before.AccountLimit!.UnreservedConcurrentExecutions! - 7);
    const tooMuch = await rejection(lambda().send(new PutFunctionConcurrencyCommand({ FunctionName: name, ReservedConcurrentExecutions: 995 })));
    expect(tooMuch.name).toBe('InvalidParameterValueException');
    expect(tooMuch.message).toContain("below its minimum value of [100]");
    await lambda().send(new DeleteFunctionConcurrencyCommand({ FunctionName: name }));
    expect(await lambda().send(new GetFunctionConcurrencyCommand({ FunctionName: name }))).not.toHaveProperty('ReservedConcurrentExecutions');
  });

  it('keeps RecursiveLoop (Terminate by default) and tags', async () => {
    const name = uniqueName('misc');
    const arn = await deployNode(lambda(), name, ECHO);
    expect((await lambda().send(new GetFunctionRecursionConfigCommand({ FunctionName: name }))).RecursiveLoop).toBe('Terminate');
    await lambda().send(new PutFunctionRecursionConfigCommand({ FunctionName: name, RecursiveLoop: 'Allow' }));
    expect((await lambda().send(new GetFunctionRecursionConfigCommand({ FunctionName: name }))).RecursiveLoop).toBe('Allow');

    await lambda().send(new TagResourceCommand({ Resource: arn, Tags: { a: '1', b: '2' } }));
    await lambda().send(new UntagResourceCommand({ Resource: arn, TagKeys: ['a'] }));
    expect((await lambda().send(new ListTagsCommand({ Resource: arn }))).Tags).toEqual({ b: '2' });
  });
});

describe('state transitions on a virtual clock', () => {
  it('stays Pending / InProgress until time moves', async () => {
    const clock = new VirtualClock();
    const emu = await startEmulator({ port: 0, clock });
    const client = lambdaClient(emu);
    try {
      const name = uniqueName('virtual');
      await deployNode(client, name, ECHO);
      expect((await client.send(new GetFunctionConfigurationCommand({ FunctionName: name }))).State).toBe('Pending');
      clock.advance(10);
      expect((await client.send(new GetFunctionConfigurationCommand({ FunctionName: name }))).State).toBe('Active');
      const updated = await client.send(new UpdateFunctionConfigurationCommand({ FunctionName: name, Timeout: 9 }));
      expect(updated.LastUpdateStatus).toBe('InProgress');
      expect((await client.send(new GetFunctionConfigurationCommand({ FunctionName: name }))).LastUpdateStatus).toBe('InProgress');
      clock.advance(10);
      const waited = await waitUntilFunctionUpdatedV2({ client, maxWaitTime: 20 }, { FunctionName: name });
      expect(waited.state).toBe('SUCCESS');
    } finally {
      client.destroy();
      await emu.stop();
    }
  });
});
