import {
  CreateAliasCommand,
  DeleteAliasCommand,
  DeleteProvisionedConcurrencyConfigCommand,
  GetFunctionCodeSigningConfigCommand,
  GetFunctionRecursionConfigCommand,
  GetProvisionedConcurrencyConfigCommand,
  GetRuntimeManagementConfigCommand,
  InvokeCommand,
  LambdaClient,
  ListFunctionsCommand,
  ListProvisionedConcurrencyConfigsCommand,
  PublishVersionCommand,
  PutFunctionConcurrencyCommand,
  PutFunctionRecursionConfigCommand,
  PutProvisionedConcurrencyConfigCommand,
  PutRuntimeManagementConfigCommand,
  UpdateAliasCommand,
  UpdateFunctionConfigurationCommand,
  GetFunctionConfigurationCommand,
  CreateFunctionUrlConfigCommand,
  GetFunctionUrlConfigCommand,
} from '@aws-sdk/client-lambda';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startEmulator } from '../../emulator';
import { waitFor } from '../../harness/wait';
import { clientConfig, useEmulator } from '../helpers/emulator';
import { isAlive } from '../lambda-runtime/helpers';
import { deployNode, json, lambdaClient, recordHops, rejection, uniqueName } from './helpers';

/** What Terraform, CDK and SAM read on every plan (code signing, runtime management, ListFunctions ALL) and provisioned concurrency. */

const emulator = useEmulator({ timeScale: 0.001 });
let client: LambdaClient | undefined;
const lambda = () => (client ??= lambdaClient(emulator()));
afterAll(() => client?.destroy());

const INIT_TYPE = `exports.handler = async (event, context) => ({ init: process.env.AWS_LAMBDA_INITIALIZATION_TYPE, version: context.functionVersion });`;

async function settled(name: string): Promise<void> {
  await waitFor(async () => (await lambda().send(new GetFunctionConfigurationCommand({ FunctionName: name }))).LastUpdateStatus === 'Successful', { what: `${name} settled` });
}

async function published(source = INIT_TYPE): Promise<{ name: string; arn: string }> {
  const name = uniqueName('extra');
  const arn = await deployNode(lambda(), name, source, { Publish: true });
  await settled(name);
  return { name, arn };
}

describe('reads Terraform makes on every plan', () => {
  it('GetFunctionCodeSigningConfig: a function without one answers 200 with neither member', async () => {
    const { name } = await published();
    const out = await lambda().send(new GetFunctionCodeSigningConfigCommand({ FunctionName: name }));
    expect(out.$metadata.httpStatusCode).toBe(200);
    expect(out.CodeSigningConfigArn).toBeUndefined();
    const missing = await rejection(lambda().send(new GetFunctionCodeSigningConfigCommand({ FunctionName: uniqueName('none') })));
    expect(missing.name).toBe('ResourceNotFoundException');
  });

  it('runtime management: Auto by default; Put sets FunctionUpdate or Manual with a runtime version ARN', async () => {
    const { name, arn } = await published();
    expect(await lambda().send(new GetRuntimeManagementConfigCommand({ FunctionName: name }))).toMatchObject({ UpdateRuntimeOn: 'Auto', FunctionArn: arn });
    expect((await lambda().send(new GetRuntimeManagementConfigCommand({ FunctionName: name }))).RuntimeVersionArn).toBeUndefined();

    const runtimeArn = 'arn:aws:lambda:us-east-1::runtime:0cdcfbdefbc5e7d3343f73c2e2dd3cba17d61dea0686b404502a0c9ce83931b9';
    const manual = await lambda().send(new PutRuntimeManagementConfigCommand({ FunctionName: name, UpdateRuntimeOn: 'Manual', RuntimeVersionArn: runtimeArn }));
    expect(manual).toMatchObject({ UpdateRuntimeOn: 'Manual', RuntimeVersionArn: runtimeArn, FunctionArn: arn });
    expect(await lambda().send(new GetRuntimeManagementConfigCommand({ FunctionName: name }))).toMatchObject({ UpdateRuntimeOn: 'Manual', RuntimeVersionArn: runtimeArn });
    // Version 1 keeps its own (the default).
    expect(await lambda().send(new GetRuntimeManagementConfigCommand({ FunctionName: name, Qualifier: '1' }))).toMatchObject({ UpdateRuntimeOn: 'Auto', FunctionArn: `${arn}:1` });

    expect((await rejection(lambda().send(new PutRuntimeManagementConfigCommand({ FunctionName: name, UpdateRuntimeOn: 'Manual' })))).name).toBe('InvalidParameterValueException');
    expect((await rejection(lambda().send(new PutRuntimeManagementConfigCommand({ FunctionName: name, UpdateRuntimeOn: 'Sometimes' as 'Auto' })))).name).toBe('ValidationException');
    await lambda().send(new PutRuntimeManagementConfigCommand({ FunctionName: name, UpdateRuntimeOn: 'FunctionUpdate' }));
    expect((await lambda().send(new GetRuntimeManagementConfigCommand({ FunctionName: name }))).UpdateRuntimeOn).toBe('FunctionUpdate');
  });

  it('recursion config round-trips', async () => {
    const { name } = await published();
    expect((await lambda().send(new GetFunctionRecursionConfigCommand({ FunctionName: name }))).RecursiveLoop).toBe('Terminate');
    await lambda().send(new PutFunctionRecursionConfigCommand({ FunctionName: name, RecursiveLoop: 'Allow' }));
    expect((await lambda().send(new GetFunctionRecursionConfigCommand({ FunctionName: name }))).RecursiveLoop).toBe('Allow');
  });

  it('ListFunctions with FunctionVersion=ALL lists every version of every function', async () => {
    const a = await published();
    await lambda().send(new UpdateFunctionConfigurationCommand({ FunctionName: a.name, Description: 'v2' }));
    await settled(a.name);
    await lambda().send(new PublishVersionCommand({ FunctionName: a.name }));
    const b = await published();

    const arns: string[] = [];
    let marker: string | undefined;
    do {
      const page = await lambda().send(new ListFunctionsCommand({ FunctionVersion: 'ALL', MaxItems: 2, Marker: marker }));
      arns.push(...page.Functions!.map((f) => f.FunctionArn!));
      marker = page.NextMarker;
    } while (marker);
    expect(arns).toEqual(expect.arrayContaining([`${a.arn}:$LATEST`, `${a.arn}:1`, `${a.arn}:2`, `${b.arn}:$LATEST`, `${b.arn}:1`]));
    const plain = (await lambda().send(new ListFunctionsCommand({}))).Functions!.map((f) => f.FunctionArn);
    expect(plain).toEqual(expect.arrayContaining([a.arn, b.arn]));
    expect(plain).not.toContain(`${a.arn}:1`);
  });
});

describe('provisioned concurrency', () => {
  it('refuses $LATEST, goes IN_PROGRESS → READY, and the version then runs on environments started ahead', async () => {
    const { name, arn } = await published();
    const latest = await rejection(lambda().send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: name, Qualifier: '$LATEST', ProvisionedConcurrentExecutions: 1 })));
    expect(latest.name).toBe('InvalidParameterValueException');
    expect(latest.message).toBe('Provisioned Concurrency Configs cannot be applied to unpublished function versions.');

    const hops = recordHops(emulator());
    const put = await lambda().send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: name, Qualifier: '1', ProvisionedConcurrentExecutions: 2 }));
    expect(put.$metadata.httpStatusCode).toBe(202);
    expect(put).toMatchObject({ RequestedProvisionedConcurrentExecutions: 2, AllocatedProvisionedConcurrentExecutions: 0, Status: 'IN_PROGRESS' });

    const ready = await waitFor(
      async () => {
        const c = await lambda().send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: name, Qualifier: '1' }));
        return c.Status === 'READY' && c;
      },
      { what: 'provisioned concurrency READY' },
    );
    hops.stop();
    expect(ready).toMatchObject({ RequestedProvisionedConcurrentExecutions: 2, AllocatedProvisionedConcurrentExecutions: 2, AvailableProvisionedConcurrentExecutions: 2 });
    expect(hops.of('lambda.provisioned.ready', name)).toHaveLength(1);

    const run = await lambda().send(new InvokeCommand({ FunctionName: name, Qualifier: '1' }));
    expect(json(run.Payload)).toEqual({ init: 'provisioned-concurrency', version: '1' });
    // $LATEST is not provisioned: it starts on demand.
    expect(json((await lambda().send(new InvokeCommand({ FunctionName: name }))).Payload).init).toBe('on-demand');

    const listed = await lambda().send(new ListProvisionedConcurrencyConfigsCommand({ FunctionName: name }));
    expect(listed.ProvisionedConcurrencyConfigs!.map((c) => c.FunctionArn)).toEqual([`${arn}:1`]);

    await lambda().send(new DeleteProvisionedConcurrencyConfigCommand({ FunctionName: name, Qualifier: '1' }));
    const gone = await rejection(lambda().send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: name, Qualifier: '1' })));
    expect(gone.name).toBe('ProvisionedConcurrencyConfigNotFoundException');
    // The provisioned environments stopped: the next invocation of version 1 starts on demand.
    expect(json((await lambda().send(new InvokeCommand({ FunctionName: name, Qualifier: '1' }))).Payload).init).toBe('on-demand');
  });

  it('works on an alias, not with weights, and not on both an alias and its version', async () => {
    const { name, arn } = await published();
    await lambda().send(new UpdateFunctionConfigurationCommand({ FunctionName: name, Description: 'two' }));
    await settled(name);
    await lambda().send(new PublishVersionCommand({ FunctionName: name }));
    await lambda().send(new CreateAliasCommand({ FunctionName: name, Name: 'live', FunctionVersion: '1' }));
    await lambda().send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: name, Qualifier: 'live', ProvisionedConcurrentExecutions: 1 }));
    const onVersion = await rejection(lambda().send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: name, Qualifier: '1', ProvisionedConcurrentExecutions: 1 })));
    expect(onVersion.name).toBe('ResourceConflictException');
    await waitFor(async () => (await lambda().send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: name, Qualifier: 'live' }))).Status === 'READY', { what: 'alias READY' });
    expect(json((await lambda().send(new InvokeCommand({ FunctionName: `${arn}:live` }))).Payload)).toEqual({ init: 'provisioned-concurrency', version: '1' });

    await lambda().send(new CreateAliasCommand({ FunctionName: name, Name: 'canary', FunctionVersion: '1', RoutingConfig: { AdditionalVersionWeights: { '2': 0.5 } } }));
    const weighted = await rejection(lambda().send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: name, Qualifier: 'canary', ProvisionedConcurrentExecutions: 1 })));
    expect(weighted.message).toBe('Alias with weights can not be used with Provisioned Concurrency');

    // Moving the alias moves its provisioned concurrency to the new version.
    await lambda().send(new UpdateAliasCommand({ FunctionName: name, Name: 'live', FunctionVersion: '2' }));
    await waitFor(async () => (await lambda().send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: name, Qualifier: 'live' }))).Status === 'READY', { what: 'alias READY again' });
    expect(json((await lambda().send(new InvokeCommand({ FunctionName: `${arn}:live` }))).Payload)).toEqual({ init: 'provisioned-concurrency', version: '2' });
  });

  it("DeleteAlias removes the alias's provisioned concurrency and stops its environments", async () => {
    const { name } = await published(`exports.handler = async () => ({ pid: process.pid, init: process.env.AWS_LAMBDA_INITIALIZATION_TYPE });`);
    await lambda().send(new CreateAliasCommand({ FunctionName: name, Name: 'live', FunctionVersion: '1' }));
    await lambda().send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: name, Qualifier: 'live', ProvisionedConcurrentExecutions: 1 }));
    await waitFor(async () => (await lambda().send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: name, Qualifier: 'live' }))).Status === 'READY', { what: 'alias READY' });
    const warm = json((await lambda().send(new InvokeCommand({ FunctionName: name, Qualifier: 'live' }))).Payload);
    expect(warm.init).toBe('provisioned-concurrency');

    await lambda().send(new DeleteAliasCommand({ FunctionName: name, Name: 'live' }));
    expect((await lambda().send(new ListProvisionedConcurrencyConfigsCommand({ FunctionName: name }))).ProvisionedConcurrencyConfigs).toEqual([]);
    // Kept warm for provisioned concurrency no longer: the process goes, it does not idle on forever.
    await waitFor(() => !isAlive(warm.pid), { what: 'the provisioned environment to stop' });
  });

  it('counts against reserved and account concurrency', async () => {
    const { name } = await published();
    await lambda().send(new PutFunctionConcurrencyCommand({ FunctionName: name, ReservedConcurrentExecutions: 2 }));
    const overReserved = await rejection(lambda().send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: name, Qualifier: '1', ProvisionedConcurrentExecutions: 3 })));
    expect(overReserved.name).toBe('InvalidParameterValueException');
    expect(overReserved.message).toBe('Requested Provisioned Concurrency should not be greater than the reservedConcurrentExecution for function');

    const other = await published();
    const overAccount = await rejection(lambda().send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: other.name, Qualifier: '1', ProvisionedConcurrentExecutions: 990 })));
    expect(overAccount.name).toBe('InvalidParameterValueException');
    expect(overAccount.message).toMatch(/^Specified ConcurrentExecutions for function is greater than account's unreserved concurrency \[\d+\]\.$/);
  });
});

it('function URLs, runtime management and provisioned concurrency survive a restart with dataDir; reset clears them', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'persist-lambda-extras-'));
  let emu = await startEmulator({ port: 0, dataDir, timeScale: 0.001, log: () => {} });
  let c = new LambdaClient({ ...clientConfig(emu), maxAttempts: 1 });
  try {
    await deployNode(c, 'kept', INIT_TYPE, { Publish: true });
    await waitFor(async () => (await c.send(new GetFunctionConfigurationCommand({ FunctionName: 'kept' }))).State === 'Active', { what: 'kept active' });
    const url = (await c.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'kept', AuthType: 'NONE' }))).FunctionUrl!;
    await c.send(new PutRuntimeManagementConfigCommand({ FunctionName: 'kept', UpdateRuntimeOn: 'FunctionUpdate' }));
    await c.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: 'kept', Qualifier: '1', ProvisionedConcurrentExecutions: 1 }));
    c.destroy();
    await emu.stop();

    emu = await startEmulator({ port: 0, dataDir, timeScale: 0.001, log: () => {} });
    c = new LambdaClient({ ...clientConfig(emu), maxAttempts: 1 });
    const again = (await c.send(new GetFunctionUrlConfigCommand({ FunctionName: 'kept' }))).FunctionUrl!;
    const urlId = new URL(url).hostname.split('.')[0];
    expect(new URL(again).hostname.split('.')[0]).toBe(urlId);
    const served = await fetch(`${emu.endpoint}/_harness/lambda-url/${urlId}/`);
    expect(served.status).toBe(200);
    expect(((await served.json()) as any).init).toBe('on-demand');
    expect((await c.send(new GetRuntimeManagementConfigCommand({ FunctionName: 'kept' }))).UpdateRuntimeOn).toBe('FunctionUpdate');
    await waitFor(async () => (await c.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: 'kept', Qualifier: '1' }))).Status === 'READY', { what: 'READY after restart' });
    expect(json((await c.send(new InvokeCommand({ FunctionName: 'kept', Qualifier: '1' }))).Payload).init).toBe('provisioned-concurrency');

    await emu.reset();
    expect((await fetch(`${emu.endpoint}/_harness/lambda-url/${urlId}/`)).status).toBe(404);
  } finally {
    c.destroy();
    await emu.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
