import {
  CreateCodeSigningConfigCommand,
  CreateFunctionCommand,
  DeleteCodeSigningConfigCommand,
  DeleteFunctionCodeSigningConfigCommand,
  DeleteFunctionCommand,
  GetCodeSigningConfigCommand,
  GetFunctionCodeSigningConfigCommand,
  ListCodeSigningConfigsCommand,
  ListFunctionsByCodeSigningConfigCommand,
  ListTagsCommand,
  PutFunctionCodeSigningConfigCommand,
  TagResourceCommand,
  UpdateCodeSigningConfigCommand,
  UpdateFunctionCodeCommand,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import { usePersistentEmulator } from '../helpers/emulator';
import { deployNode, lambdaClient, nodeZip, recordHops, rejection, ROLE, uniqueName } from './helpers';

/**
 * Code signing configurations: CRUD with paging, functions using them, and deployments checked against them
 * (nothing is signed in the emulator: Enforce refuses new code, Warn lets it through with a hop).
 */

const { emulator, restart } = usePersistentEmulator('lambda-csc');
let client: LambdaClient | undefined;
const lambda = () => (client ??= lambdaClient(emulator()));
afterAll(() => client?.destroy());

const PROFILE = 'arn:aws:signer:us-east-1:000000000000:/signing-profiles/MyProfile/abcdef1234';
const SOURCE = 'exports.handler = async () => "ok";';

async function createConfig(policy?: 'Warn' | 'Enforce', description?: string) {
  const out = await lambda().send(
    new CreateCodeSigningConfigCommand({
      AllowedPublishers: { SigningProfileVersionArns: [PROFILE] },
      ...(policy ? { CodeSigningPolicies: { UntrustedArtifactOnDeployment: policy } } : {}),
      ...(description !== undefined ? { Description: description } : {}),
    }),
  );
  return out.CodeSigningConfig!;
}

describe('code signing configurations', () => {
  it('create answers 201 with a csc- id, its ARN, Warn by default; Get, Update and tags read it back', async () => {
    const c = await lambda().send(
      new CreateCodeSigningConfigCommand({ Description: 'signed only', AllowedPublishers: { SigningProfileVersionArns: [PROFILE] }, Tags: { team: 'a' } }),
    );
    expect(c.$metadata.httpStatusCode).toBe(201);
    const csc = c.CodeSigningConfig!;
    expect(csc.CodeSigningConfigId).toMatch(/^csc-[a-z0-9]{17}$/);
    expect(csc.CodeSigningConfigArn).toBe(`arn:aws:lambda:us-east-1:000000000000:code-signing-config:${csc.CodeSigningConfigId}`);
    expect(csc).toMatchObject({ Description: 'signed only', AllowedPublishers: { SigningProfileVersionArns: [PROFILE] }, CodeSigningPolicies: { UntrustedArtifactOnDeployment: 'Warn' } });
    expect(csc.LastModified).toMatch(/^\d{4}-\d\d-\d\dT/);

    const got = await lambda().send(new GetCodeSigningConfigCommand({ CodeSigningConfigArn: csc.CodeSigningConfigArn }));
    expect(got.CodeSigningConfig).toEqual(csc);

    const updated = await lambda().send(
      new UpdateCodeSigningConfigCommand({ CodeSigningConfigArn: csc.CodeSigningConfigArn, CodeSigningPolicies: { UntrustedArtifactOnDeployment: 'Enforce' }, Description: 'now strict' }),
    );
    expect(updated.CodeSigningConfig).toMatchObject({ Description: 'now strict', CodeSigningPolicies: { UntrustedArtifactOnDeployment: 'Enforce' }, AllowedPublishers: { SigningProfileVersionArns: [PROFILE] } });

    await lambda().send(new TagResourceCommand({ Resource: csc.CodeSigningConfigArn, Tags: { env: 'test' } }));
    expect((await lambda().send(new ListTagsCommand({ Resource: csc.CodeSigningConfigArn }))).Tags).toEqual({ team: 'a', env: 'test' });
  });

  it('refuses what AWS refuses: no publishers, more than 20, a bad policy; an unknown ARN is not found', async () => {
    const none = await rejection(lambda().send(new CreateCodeSigningConfigCommand({ AllowedPublishers: { SigningProfileVersionArns: [] } })));
    expect(none.name).toBe('ValidationException');
    const many = Array.from({ length: 21 }, (_, i) => `${PROFILE}${i}`);
    expect((await rejection(lambda().send(new CreateCodeSigningConfigCommand({ AllowedPublishers: { SigningProfileVersionArns: many } })))).name).toBe('ValidationException');
    const twenty = await lambda().send(new CreateCodeSigningConfigCommand({ AllowedPublishers: { SigningProfileVersionArns: many.slice(0, 20) } }));
    expect(twenty.CodeSigningConfig!.AllowedPublishers!.SigningProfileVersionArns).toHaveLength(20);
    const policy = await rejection(
      lambda().send(new CreateCodeSigningConfigCommand({ AllowedPublishers: { SigningProfileVersionArns: [PROFILE] }, CodeSigningPolicies: { UntrustedArtifactOnDeployment: 'Block' as 'Warn' } })),
    );
    expect(policy.name).toBe('ValidationException');
    const missing = await rejection(lambda().send(new GetCodeSigningConfigCommand({ CodeSigningConfigArn: 'arn:aws:lambda:us-east-1:000000000000:code-signing-config:csc-0123456789abcdef0' })));
    expect(missing.name).toBe('ResourceNotFoundException');
    expect(missing.$metadata.httpStatusCode).toBe(404);
    expect((await rejection(lambda().send(new GetCodeSigningConfigCommand({ CodeSigningConfigArn: 'not-an-arn' })))).name).toBe('ValidationException');
  });

  it('ListCodeSigningConfigs pages with Marker and MaxItems and shows every configuration once', async () => {
    const made = new Set<string>();
    for (let i = 0; i < 3; i++) made.add((await createConfig(undefined, `page ${i}`)).CodeSigningConfigArn!);
    const seen: string[] = [];
    let marker: string | undefined;
    let pages = 0;
    do {
      const out = await lambda().send(new ListCodeSigningConfigsCommand({ MaxItems: 2, Marker: marker }));
      expect(out.CodeSigningConfigs!.length).toBeLessThanOrEqual(2);
      seen.push(...out.CodeSigningConfigs!.map((c) => c.CodeSigningConfigArn!));
      marker = out.NextMarker;
      pages++;
    } while (marker);
    expect(pages).toBeGreaterThan(1);
    expect(new Set(seen).size).toBe(seen.length);
    for (const arn of made) expect(seen).toContain(arn);
  });

  it('a function uses a configuration: CreateFunction, Get/Put/DeleteFunctionCodeSigningConfig, ListFunctionsByCodeSigningConfig; Delete refused while used', async () => {
    const csc = await createConfig('Warn');
    const name = uniqueName('csc');
    const hops = recordHops(emulator());
    const arn = await deployNode(lambda(), name, SOURCE, { CodeSigningConfigArn: csc.CodeSigningConfigArn });
    hops.stop();
    // Warn: the unsigned package is deployed, and the warning is on the trace.
    expect(hops.of('lambda.code-signing.warn', name)).toHaveLength(1);
    expect(await lambda().send(new GetFunctionCodeSigningConfigCommand({ FunctionName: name }))).toMatchObject({ CodeSigningConfigArn: csc.CodeSigningConfigArn, FunctionName: name });
    expect((await lambda().send(new ListFunctionsByCodeSigningConfigCommand({ CodeSigningConfigArn: csc.CodeSigningConfigArn }))).FunctionArns).toEqual([arn]);

    const conflict = await rejection(lambda().send(new DeleteCodeSigningConfigCommand({ CodeSigningConfigArn: csc.CodeSigningConfigArn })));
    expect(conflict.name).toBe('ResourceConflictException');

    const deleted = await lambda().send(new DeleteFunctionCodeSigningConfigCommand({ FunctionName: name }));
    expect(deleted.$metadata.httpStatusCode).toBe(204);
    expect((await lambda().send(new GetFunctionCodeSigningConfigCommand({ FunctionName: name }))).CodeSigningConfigArn).toBeUndefined();
    expect((await lambda().send(new ListFunctionsByCodeSigningConfigCommand({ CodeSigningConfigArn: csc.CodeSigningConfigArn }))).FunctionArns).toEqual([]);

    const put = await lambda().send(new PutFunctionCodeSigningConfigCommand({ FunctionName: name, CodeSigningConfigArn: csc.CodeSigningConfigArn }));
    expect(put).toMatchObject({ CodeSigningConfigArn: csc.CodeSigningConfigArn, FunctionName: name });
    await lambda().send(new DeleteFunctionCommand({ FunctionName: name }));
    const gone = await lambda().send(new DeleteCodeSigningConfigCommand({ CodeSigningConfigArn: csc.CodeSigningConfigArn }));
    expect(gone.$metadata.httpStatusCode).toBe(204);
    expect((await rejection(lambda().send(new GetCodeSigningConfigCommand({ CodeSigningConfigArn: csc.CodeSigningConfigArn })))).name).toBe('ResourceNotFoundException');
  });

  it('an unknown configuration on CreateFunction or Put is CodeSigningConfigNotFoundException', async () => {
    const unknown = 'arn:aws:lambda:us-east-1:000000000000:code-signing-config:csc-0123456789abcdef0';
    const create = await rejection(deployNode(lambda(), uniqueName('csc'), SOURCE, { CodeSigningConfigArn: unknown }));
    expect(create.name).toBe('CodeSigningConfigNotFoundException');
    const name = uniqueName('csc');
    await deployNode(lambda(), name, SOURCE);
    const put = await rejection(lambda().send(new PutFunctionCodeSigningConfigCommand({ FunctionName: name, CodeSigningConfigArn: unknown })));
    expect(put.name).toBe('CodeSigningConfigNotFoundException');
  });

  it('Enforce refuses unsigned code on CreateFunction and UpdateFunctionCode; code already deployed stays', async () => {
    const csc = await createConfig('Enforce');
    const refused = await rejection(deployNode(lambda(), uniqueName('csc'), SOURCE, { CodeSigningConfigArn: csc.CodeSigningConfigArn }));
    expect(refused.name).toBe('CodeVerificationFailedException');
    expect(refused.$metadata.httpStatusCode).toBe(400);

    // Put on a function with code: accepted (the configuration applies to the next deployment).
    const name = uniqueName('csc');
    await deployNode(lambda(), name, SOURCE);
    await lambda().send(new PutFunctionCodeSigningConfigCommand({ FunctionName: name, CodeSigningConfigArn: csc.CodeSigningConfigArn }));
    const update = await rejection(lambda().send(new UpdateFunctionCodeCommand({ FunctionName: name, ZipFile: nodeZip(SOURCE) })));
    expect(update.name).toBe('CodeVerificationFailedException');

    // Warn lets the same code through.
    await lambda().send(new UpdateCodeSigningConfigCommand({ CodeSigningConfigArn: csc.CodeSigningConfigArn, CodeSigningPolicies: { UntrustedArtifactOnDeployment: 'Warn' } }));
    const ok = await lambda().send(new UpdateFunctionCodeCommand({ FunctionName: name, ZipFile: nodeZip('exports.handler = async () => "v2";') }));
    expect(ok.CodeSha256).toBeTruthy();
  });
});

describe('with --data-dir', () => {
  it('configurations and the function that uses one survive a restart', async () => {
    const csc = await createConfig('Enforce', 'kept');
    const name = uniqueName('csc-keep');
    await deployNode(lambda(), name, SOURCE);
    await lambda().send(new PutFunctionCodeSigningConfigCommand({ FunctionName: name, CodeSigningConfigArn: csc.CodeSigningConfigArn }));

    client?.destroy();
    client = undefined;
    await restart();

    expect((await lambda().send(new GetCodeSigningConfigCommand({ CodeSigningConfigArn: csc.CodeSigningConfigArn }))).CodeSigningConfig).toEqual(csc);
    expect((await lambda().send(new GetFunctionCodeSigningConfigCommand({ FunctionName: name }))).CodeSigningConfigArn).toBe(csc.CodeSigningConfigArn);
    const update = await rejection(lambda().send(new UpdateFunctionCodeCommand({ FunctionName: name, ZipFile: nodeZip(SOURCE) })));
    expect(update.name).toBe('CodeVerificationFailedException');
  });

  it('reset forgets every configuration', async () => {
    await createConfig();
    await emulator().reset();
    expect((await lambda().send(new ListCodeSigningConfigsCommand({}))).CodeSigningConfigs).toEqual([]);
    const created = await lambda().send(
      new CreateFunctionCommand({ FunctionName: uniqueName('after'), Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Code: { ZipFile: nodeZip(SOURCE) } }),
    );
    expect(created.FunctionArn).toBeTruthy();
  });
});
