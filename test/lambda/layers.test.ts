import { createHash } from 'node:crypto';
import * as zlib from 'node:zlib';
import {
  AddLayerVersionPermissionCommand,
  CreateFunctionCommand,
  DeleteLayerVersionCommand,
  GetAccountSettingsCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  GetLayerVersionByArnCommand,
  GetLayerVersionCommand,
  GetLayerVersionPolicyCommand,
  ListLayersCommand,
  ListLayerVersionsCommand,
  PublishLayerVersionCommand,
  PublishVersionCommand,
  RemoveLayerVersionPermissionCommand,
  UpdateFunctionConfigurationCommand,
  type PublishLayerVersionCommandInput,
} from '@aws-sdk/client-lambda';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { waitFor } from '../../harness/wait';
import { clientConfig, useEmulator } from '../helpers/emulator';
import { deployNode, lambdaClient, makeZip, rejection, ROLE, uniqueName } from './helpers';

/** The layer API (publish, read, list, delete, permissions) and a function's `Layers`. Running them: layers-runtime.test.ts. */

const emulator = useEmulator({ timeScale: 0.001 });
let client: ReturnType<typeof lambdaClient> | undefined;
const lambda = () => (client ??= lambdaClient(emulator()));
afterAll(() => client?.destroy());

const ACCOUNT = '000000000000';
const LAMBDA_DATE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/;
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('base64');
const layerZip = (text = 'module.exports = 1;') => makeZip({ 'nodejs/node_modules/thing/index.js': text });

/** One archive for the versions whose content does not matter (each zip costs a child process). */
let anyZip: Buffer | undefined;
async function publish(name: string, extra: Partial<PublishLayerVersionCommandInput> = {}) {
  return lambda().send(new PublishLayerVersionCommand({ LayerName: name, Content: { ZipFile: (anyZip ??= layerZip()) }, ...extra }));
}

async function settled(name: string): Promise<void> {
  await waitFor(async () => (await lambda().send(new GetFunctionConfigurationCommand({ FunctionName: name }))).LastUpdateStatus === 'Successful', { what: `${name} settled` });
}

/**
 * A zip of `count` files of `size` zero bytes each, built here (archiver would need the bytes as JSON): the
 * data is deflated once and shared by the entries, so a quarter of a gigabyte unzipped travels as a few MB.
 */
function zerosZip(count: number, size: number): Buffer {
  const data = zlib.deflateRawSync(Buffer.alloc(size), { level: 1 });
  const crc = zlib.crc32(Buffer.alloc(size));
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (let i = 0; i < count; i++) {
    const name = Buffer.from(`blob${i}.bin`);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt16LE(0x21, 12); // 1980-01-01
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(0x031e, 4); // made by Unix
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(8, 10);
    central.writeUInt16LE(0x21, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE((0o100644 << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, data);
    centrals.push(central, name);
    offset += local.length + name.length + data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(count, 8);
  end.writeUInt16LE(count, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

describe('PublishLayerVersion and reading a version', () => {
  it('publishes numbered versions with what Lambda answers, and reads them by name, by layer ARN and by version ARN', async () => {
    const name = uniqueName('layer');
    const zip = layerZip('module.exports = "v1";');
    const first = await lambda().send(
      new PublishLayerVersionCommand({
        LayerName: name,
        Description: 'shared code',
        LicenseInfo: 'MIT',
        CompatibleRuntimes: ['nodejs20.x', 'nodejs22.x'],
        CompatibleArchitectures: ['x86_64'],
        Content: { ZipFile: zip },
      }),
    );
    const layerArn = `arn:aws:lambda:us-east-1:${ACCOUNT}:layer:${name}`;
    expect(first.$metadata.httpStatusCode).toBe(201);
    expect(first).toMatchObject({
      LayerArn: layerArn,
      LayerVersionArn: `${layerArn}:1`,
      Version: 1,
      Description: 'shared code',
      LicenseInfo: 'MIT',
      CompatibleRuntimes: ['nodejs20.x', 'nodejs22.x'],
      CompatibleArchitectures: ['x86_64'],
      Content: { CodeSha256: sha256(zip), CodeSize: zip.length },
    });
    expect(first.CreatedDate).toMatch(LAMBDA_DATE);
    expect(first.Content!.Location).toMatch(/^https:\/\//);

    const second = await publish(name);
    expect(second.Version).toBe(2);
    expect(second.Description).toBe('');
    expect(second.CompatibleRuntimes).toBeUndefined();

    const byName = await lambda().send(new GetLayerVersionCommand({ LayerName: name, VersionNumber: 1 }));
    expect(byName).toMatchObject({ LayerVersionArn: `${layerArn}:1`, Content: { CodeSha256: sha256(zip), Location: first.Content!.Location } });
    const byLayerArn = await lambda().send(new GetLayerVersionCommand({ LayerName: layerArn, VersionNumber: 2 }));
    expect(byLayerArn.LayerVersionArn).toBe(`${layerArn}:2`);
    const byArn = await lambda().send(new GetLayerVersionByArnCommand({ Arn: `${layerArn}:1` }));
    expect(byArn).toMatchObject({ Version: 1, LicenseInfo: 'MIT', CreatedDate: first.CreatedDate });
  });

  it('reads the archive from S3 through the bus, and says which S3 error stopped it otherwise', async () => {
    const s3 = new S3Client({ ...clientConfig(emulator()), forcePathStyle: true, maxAttempts: 1 });
    try {
      const bucket = uniqueName('layer-bucket');
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
      const zip = layerZip('module.exports = "from s3";');
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'layer.zip', Body: zip }));
      const out = await lambda().send(new PublishLayerVersionCommand({ LayerName: uniqueName('s3layer'), Content: { S3Bucket: bucket, S3Key: 'layer.zip' } }));
      expect(out.Content).toMatchObject({ CodeSha256: sha256(zip), CodeSize: zip.length });

      const missing = await rejection(lambda().send(new PublishLayerVersionCommand({ LayerName: uniqueName('s3layer'), Content: { S3Bucket: bucket, S3Key: 'nope.zip' } })));
      expect(missing.name).toBe('InvalidParameterValueException');
      expect(missing.message).toMatch(/^Error occurred while GetObject\. S3 Error Code: NoSuchKey\./);
    } finally {
      s3.destroy();
    }
  });

  it('refuses what Lambda refuses', async () => {
    const name = uniqueName('bad');
    const zip = (anyZip ??= layerZip());
    const cases: [() => Promise<unknown>, string, RegExp][] = [
      [() => lambda().send(new PublishLayerVersionCommand({ LayerName: 'has space', Content: { ZipFile: zip } })), 'ValidationException', /at 'layerName'/],
      [() => lambda().send(new PublishLayerVersionCommand({ LayerName: name, Content: { ZipFile: Buffer.from('not a zip') } })), 'InvalidParameterValueException', /Could not unzip uploaded file/],
      [() => lambda().send(new PublishLayerVersionCommand({ LayerName: name, CompatibleRuntimes: ['cobol85' as 'nodejs20.x'], Content: { ZipFile: zip } })), 'ValidationException', /at 'compatibleRuntimes'.*enum value set/],
      [() => lambda().send(new PublishLayerVersionCommand({ LayerName: name, CompatibleArchitectures: ['x86_64', 'arm64', 'x86_64'], Content: { ZipFile: zip } })), 'ValidationException', /less than or equal to 2/],
      [() => lambda().send(new PublishLayerVersionCommand({ LayerName: name, Description: 'x'.repeat(257), Content: { ZipFile: zip } })), 'ValidationException', /at 'description'/],
      [() => lambda().send(new GetLayerVersionCommand({ LayerName: name, VersionNumber: 1 })), 'ResourceNotFoundException', /^The resource you requested does not exist\.$/],
      [() => lambda().send(new GetLayerVersionCommand({ LayerName: name, VersionNumber: 0 })), 'InvalidParameterValueException', /^Layer Version Cannot be less than 1$/],
      [() => lambda().send(new GetLayerVersionByArnCommand({ Arn: `arn:aws:lambda:us-east-1:${ACCOUNT}:layer:${name}` })), 'ValidationException', /at 'arn'/],
      [() => lambda().send(new GetLayerVersionByArnCommand({ Arn: `arn:aws:lambda:us-east-1:${ACCOUNT}:layer:${name}:9` })), 'ResourceNotFoundException', /does not exist/],
      [() => lambda().send(new ListLayersCommand({ CompatibleRuntime: 'cobol85' as 'nodejs20.x' })), 'ValidationException', /at 'compatibleRuntime'/],
      [() => lambda().send(new ListLayerVersionsCommand({ LayerName: name, MaxItems: 51 })), 'ValidationException', /at 'maxItems'/],
    ];
    for (const [call, code, message] of cases) {
      const e = await rejection(call());
      expect([e.name, e.message]).toEqual([code, expect.stringMatching(message)]);
    }
    // Nothing above created a version: the first one published is still 1.
    expect((await publish(name)).Version).toBe(1);
  });

  it('refuses a layer larger than 250 MB unzipped', async () => {
    const e = await rejection(lambda().send(new PublishLayerVersionCommand({ LayerName: uniqueName('huge'), Content: { ZipFile: zerosZip(3, 131_050_000) } })));
    expect(e.name).toBe('InvalidParameterValueException');
    expect(e.message).toBe('Unzipped size must be smaller than 262144000 bytes');
  });
});

describe('listing layers and versions', () => {
  it('lists versions newest first, filters them, and pages with Marker', async () => {
    const name = uniqueName('versions');
    await publish(name, { CompatibleRuntimes: ['python3.12'], CompatibleArchitectures: ['x86_64'] });
    await publish(name, { CompatibleRuntimes: ['nodejs20.x'], CompatibleArchitectures: ['arm64'] });
    await publish(name, { CompatibleRuntimes: ['python3.12', 'nodejs20.x'], CompatibleArchitectures: ['x86_64', 'arm64'] });
    const all = await lambda().send(new ListLayerVersionsCommand({ LayerName: name }));
    expect(all.LayerVersions!.map((v) => v.Version)).toEqual([3, 2, 1]);
    expect(all.LayerVersions![2]).toMatchObject({ CompatibleRuntimes: ['python3.12'], Description: '', LayerVersionArn: expect.stringMatching(/:1$/) });
    expect(all.NextMarker).toBeUndefined();

    const python = await lambda().send(new ListLayerVersionsCommand({ LayerName: name, CompatibleRuntime: 'python3.12' }));
    expect(python.LayerVersions!.map((v) => v.Version)).toEqual([3, 1]);
    const arm = await lambda().send(new ListLayerVersionsCommand({ LayerName: name, CompatibleArchitecture: 'arm64', CompatibleRuntime: 'nodejs20.x' }));
    expect(arm.LayerVersions!.map((v) => v.Version)).toEqual([3, 2]);

    const seen: number[] = [];
    let marker: string | undefined;
    do {
      const page = await lambda().send(new ListLayerVersionsCommand({ LayerName: name, MaxItems: 2, Marker: marker }));
      expect(page.LayerVersions!.length).toBeLessThanOrEqual(2);
      seen.push(...page.LayerVersions!.map((v) => v.Version!));
      marker = page.NextMarker;
    } while (marker);
    expect(seen).toEqual([3, 2, 1]);
    expect((await rejection(lambda().send(new ListLayerVersionsCommand({ LayerName: name, Marker: 'made-up' })))).name).toBe('InvalidParameterValueException');
    // A layer never published has no versions (no error).
    expect((await lambda().send(new ListLayerVersionsCommand({ LayerName: uniqueName('never') }))).LayerVersions).toEqual([]);
  });

  it('lists each layer with its newest version that passes the filters, in pages', async () => {
    // java8 and provided are used by no other test here, so the filters see only these layers.
    const a = uniqueName('list-a');
    const b = uniqueName('list-b');
    const c = uniqueName('list-c');
    await publish(a, { CompatibleRuntimes: ['java8'], CompatibleArchitectures: ['arm64'] });
    await publish(a, { CompatibleRuntimes: ['java8'], CompatibleArchitectures: ['x86_64'] });
    await publish(a, { CompatibleRuntimes: ['provided'] });
    await publish(b, { CompatibleRuntimes: ['java8'], CompatibleArchitectures: ['arm64'] });
    await publish(c, { CompatibleRuntimes: ['provided'] });

    const java = await lambda().send(new ListLayersCommand({ CompatibleRuntime: 'java8' }));
    expect(java.Layers!.map((l) => [l.LayerName, l.LatestMatchingVersion!.Version])).toEqual([[a, 2], [b, 1]]);
    expect(java.Layers![0]).toMatchObject({ LayerArn: `arn:aws:lambda:us-east-1:${ACCOUNT}:layer:${a}`, LatestMatchingVersion: { LayerVersionArn: expect.stringMatching(/:2$/), CreatedDate: expect.stringMatching(LAMBDA_DATE) } });
    const javaArm = await lambda().send(new ListLayersCommand({ CompatibleRuntime: 'java8', CompatibleArchitecture: 'arm64' }));
    expect(javaArm.Layers!.map((l) => [l.LayerName, l.LatestMatchingVersion!.Version])).toEqual([[a, 1], [b, 1]]);

    const names: string[] = [];
    let marker: string | undefined;
    do {
      const page = await lambda().send(new ListLayersCommand({ CompatibleRuntime: 'provided', MaxItems: 1, Marker: marker }));
      expect(page.Layers).toHaveLength(1);
      names.push(page.Layers![0]!.LayerName!);
      marker = page.NextMarker;
    } while (marker);
    expect(names).toEqual([a, c]);

    // Unfiltered, every layer shows its newest version.
    const everything = (await lambda().send(new ListLayersCommand({}))).Layers!;
    expect(everything.find((l) => l.LayerName === a)!.LatestMatchingVersion!.Version).toBe(3);
  });
});

describe('DeleteLayerVersion', () => {
  it('deletes versions (a missing one is no error) and never gives a number twice', async () => {
    const name = uniqueName('delete');
    for (let i = 0; i < 3; i++) await publish(name);
    await lambda().send(new DeleteLayerVersionCommand({ LayerName: name, VersionNumber: 3 }));
    const again = await lambda().send(new DeleteLayerVersionCommand({ LayerName: name, VersionNumber: 3 }));
    expect(again.$metadata.httpStatusCode).toBe(204);
    expect((await rejection(lambda().send(new GetLayerVersionCommand({ LayerName: name, VersionNumber: 3 })))).name).toBe('ResourceNotFoundException');
    expect((await publish(name)).Version).toBe(4);

    for (const n of [1, 2, 4]) await lambda().send(new DeleteLayerVersionCommand({ LayerName: name, VersionNumber: n }));
    expect((await lambda().send(new ListLayerVersionsCommand({ LayerName: name }))).LayerVersions).toEqual([]);
    expect((await lambda().send(new ListLayersCommand({}))).Layers!.some((l) => l.LayerName === name)).toBe(false);
    expect((await publish(name)).Version).toBe(5);
  });
});

describe('layer version permissions', () => {
  it('adds, reads and removes statements with revision checks, as Lambda writes them', async () => {
    const name = uniqueName('shared');
    const { LayerVersionArn: arn } = await publish(name);
    const none = await rejection(lambda().send(new GetLayerVersionPolicyCommand({ LayerName: name, VersionNumber: 1 })));
    expect([none.name, none.message]).toEqual(['ResourceNotFoundException', 'No policy is associated with the given resource.']);

    const one = await lambda().send(new AddLayerVersionPermissionCommand({ LayerName: name, VersionNumber: 1, StatementId: 'xaccount', Action: 'lambda:GetLayerVersion', Principal: '210987654321' }));
    expect(one.$metadata.httpStatusCode).toBe(201);
    expect(JSON.parse(one.Statement!)).toEqual({ Sid: 'xaccount', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::210987654321:root' }, Action: 'lambda:GetLayerVersion', Resource: arn });
    const stale = one.RevisionId!;
    const two = await lambda().send(
      new AddLayerVersionPermissionCommand({ LayerName: name, VersionNumber: 1, StatementId: 'org', Action: 'lambda:GetLayerVersion', Principal: '*', OrganizationId: 'o-abcdefghij', RevisionId: stale }),
    );
    expect(JSON.parse(two.Statement!)).toEqual({
      Sid: 'org',
      Effect: 'Allow',
      Principal: '*',
      Action: 'lambda:GetLayerVersion',
      Resource: arn,
      Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-abcdefghij' } },
    });
    expect(two.RevisionId).not.toBe(stale);

    const policy = await lambda().send(new GetLayerVersionPolicyCommand({ LayerName: name, VersionNumber: 1 }));
    expect(policy.RevisionId).toBe(two.RevisionId);
    expect(JSON.parse(policy.Policy!)).toEqual({ Version: '2012-10-17', Id: 'default', Statement: [JSON.parse(one.Statement!), JSON.parse(two.Statement!)] });

    const duplicate = await rejection(lambda().send(new AddLayerVersionPermissionCommand({ LayerName: name, VersionNumber: 1, StatementId: 'org', Action: 'lambda:GetLayerVersion', Principal: '*' })));
    expect([duplicate.name, duplicate.$metadata.httpStatusCode]).toEqual(['ResourceConflictException', 409]);
    expect(duplicate.message).toBe('The statement id (org) provided already exists. Please provide a new statement id, or remove the existing statement.');
    const outdated = await rejection(lambda().send(new RemoveLayerVersionPermissionCommand({ LayerName: name, VersionNumber: 1, StatementId: 'org', RevisionId: stale })));
    expect(outdated.name).toBe('PreconditionFailedException');

    const removed = await lambda().send(new RemoveLayerVersionPermissionCommand({ LayerName: name, VersionNumber: 1, StatementId: 'org', RevisionId: two.RevisionId }));
    expect(removed.$metadata.httpStatusCode).toBe(204);
    const left = JSON.parse((await lambda().send(new GetLayerVersionPolicyCommand({ LayerName: name, VersionNumber: 1 }))).Policy!);
    expect(left.Statement.map((s: { Sid: string }) => s.Sid)).toEqual(['xaccount']);
    const gone = await rejection(lambda().send(new RemoveLayerVersionPermissionCommand({ LayerName: name, VersionNumber: 1, StatementId: 'org' })));
    expect([gone.name, gone.message]).toEqual(['ResourceNotFoundException', 'Statement org is not found in resource policy.']);
    // Each version has its own policy.
    await publish(name);
    expect((await rejection(lambda().send(new GetLayerVersionPolicyCommand({ LayerName: name, VersionNumber: 2 })))).name).toBe('ResourceNotFoundException');
  });

  it('refuses other actions, malformed principals and versions that do not exist', async () => {
    const name = uniqueName('perm');
    await publish(name);
    const base = { LayerName: name, VersionNumber: 1, StatementId: 's1', Action: 'lambda:GetLayerVersion', Principal: '*' };
    const badAction = await rejection(lambda().send(new AddLayerVersionPermissionCommand({ ...base, Action: 'lambda:InvokeFunction' })));
    expect([badAction.name, badAction.message]).toEqual(['ValidationException', expect.stringContaining("at 'action'")]);
    const badPrincipal = await rejection(lambda().send(new AddLayerVersionPermissionCommand({ ...base, Principal: 's3.amazonaws.com' })));
    expect([badPrincipal.name, badPrincipal.message]).toEqual(['ValidationException', expect.stringContaining("at 'principal'")]);
    const missing = await rejection(lambda().send(new AddLayerVersionPermissionCommand({ ...base, VersionNumber: 7 })));
    expect([missing.name, missing.message]).toEqual(['ResourceNotFoundException', `Layer version arn:aws:lambda:us-east-1:${ACCOUNT}:layer:${name}:7 does not exist.`]);
  });
});

describe('a function’s Layers', () => {
  it('are shown as [{Arn, CodeSize}] by CreateFunction, GetFunction and GetFunctionConfiguration, and replaced by UpdateFunctionConfiguration', async () => {
    const a = await publish(uniqueName('fl-a'));
    const b = await publish(uniqueName('fl-b'));
    const name = uniqueName('uses-layers');
    await deployNode(lambda(), name, 'exports.handler = async () => 1;', { Layers: [a.LayerVersionArn!, b.LayerVersionArn!] });
    const expected = [
      { Arn: a.LayerVersionArn, CodeSize: a.Content!.CodeSize },
      { Arn: b.LayerVersionArn, CodeSize: b.Content!.CodeSize },
    ];
    expect((await lambda().send(new GetFunctionConfigurationCommand({ FunctionName: name }))).Layers).toEqual(expected);
    expect((await lambda().send(new GetFunctionCommand({ FunctionName: name }))).Configuration!.Layers).toEqual(expected);

    const reordered = await lambda().send(new UpdateFunctionConfigurationCommand({ FunctionName: name, Layers: [b.LayerVersionArn!] }));
    expect(reordered.Layers).toEqual([expected[1]]);
    await settled(name);
    const cleared = await lambda().send(new UpdateFunctionConfigurationCommand({ FunctionName: name, Layers: [] }));
    expect(cleared.Layers).toBeUndefined();
    // Not naming Layers leaves them as they are.
    await settled(name);
    await lambda().send(new UpdateFunctionConfigurationCommand({ FunctionName: name, Layers: [a.LayerVersionArn!] }));
    await settled(name);
    const untouched = await lambda().send(new UpdateFunctionConfigurationCommand({ FunctionName: name, Timeout: 9 }));
    expect(untouched.Layers).toEqual([expected[0]]);
  });

  it('a published version keeps the layers it was published with', async () => {
    const a = await publish(uniqueName('pv-a'));
    const b = await publish(uniqueName('pv-b'));
    const name = uniqueName('pv');
    await deployNode(lambda(), name, 'exports.handler = async () => 1;', { Layers: [a.LayerVersionArn!], Publish: true });
    await settled(name);
    await lambda().send(new UpdateFunctionConfigurationCommand({ FunctionName: name, Layers: [b.LayerVersionArn!] }));
    await settled(name);
    const v2 = await lambda().send(new PublishVersionCommand({ FunctionName: name }));
    expect(v2.Version).toBe('2');
    expect(v2.Layers!.map((l) => l.Arn)).toEqual([b.LayerVersionArn]);
    expect((await lambda().send(new GetFunctionConfigurationCommand({ FunctionName: name, Qualifier: '1' }))).Layers!.map((l) => l.Arn)).toEqual([a.LayerVersionArn]);
    // Deleting the layer version does not change what the function (or its version) uses.
    await lambda().send(new DeleteLayerVersionCommand({ LayerName: a.LayerArn!, VersionNumber: a.Version! }));
    expect((await lambda().send(new GetFunctionConfigurationCommand({ FunctionName: name, Qualifier: '1' }))).Layers!.map((l) => l.Arn)).toEqual([a.LayerVersionArn]);
  });

  it('refuses what Lambda refuses, with its messages', async () => {
    const name = uniqueName('lay');
    const l1 = await publish(name);
    const l2 = await publish(name);
    const others = await Promise.all([1, 2, 3, 4, 5].map(() => publish(uniqueName('five'))));
    const code = makeZip({ 'index.js': '' });
    const create = (layers: string[]) =>
      rejection(lambda().send(new CreateFunctionCommand({ FunctionName: uniqueName('refused'), Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Code: { ZipFile: code }, Layers: layers })));

    const missingArn = `arn:aws:lambda:us-east-1:${ACCOUNT}:layer:${name}:9`;
    const missing = await create([missingArn]);
    expect([missing.name, missing.message]).toEqual(['InvalidParameterValueException', `Layer version ${missingArn} does not exist.`]);
    const six = await create(others.map((o) => o.LayerVersionArn!).concat(l1.LayerVersionArn!));
    expect([six.name, six.message]).toEqual(['InvalidParameterValueException', 'Cannot reference more than 5 layers.']);
    const twoVersions = await create([l1.LayerVersionArn!, l2.LayerVersionArn!]);
    expect(twoVersions.message).toBe(
      `Two different versions of the same layer are not allowed to be referenced in the same function. ${l1.LayerVersionArn} and ${l2.LayerVersionArn} are versions of the same layer.`,
    );
    const sameTwice = await create([l2.LayerVersionArn!, l2.LayerVersionArn!]);
    expect(sameTwice.name).toBe('InvalidParameterValueException');
    const unversioned = await create([l1.LayerArn!]);
    expect([unversioned.name, unversioned.message]).toEqual(['ValidationException', expect.stringContaining("at 'layers'")]);
    const otherRegion = await create([`arn:aws:lambda:eu-west-1:${ACCOUNT}:layer:${name}:1`]);
    expect(otherRegion.message).toBe('Layers are not in the same region as the function. Layers are expected to be in region us-east-1.');

    // UpdateFunctionConfiguration checks the same, and changes nothing when it refuses.
    const fn = uniqueName('lay-update');
    await deployNode(lambda(), fn, 'exports.handler = async () => 1;', { Layers: [l1.LayerVersionArn!] });
    const refused = await rejection(lambda().send(new UpdateFunctionConfigurationCommand({ FunctionName: fn, Layers: [missingArn], Timeout: 30 })));
    expect(refused.name).toBe('InvalidParameterValueException');
    const after = await lambda().send(new GetFunctionConfigurationCommand({ FunctionName: fn }));
    expect([after.Timeout, after.Layers!.map((l) => l.Arn)]).toEqual([3, [l1.LayerVersionArn]]);
  });

  it('refuses code and layers over 250 MB unzipped together', async () => {
    // 262,100,000 bytes of layer (under the limit on its own) and about 60 kB of function code.
    const big = await lambda().send(new PublishLayerVersionCommand({ LayerName: uniqueName('big'), Content: { ZipFile: zerosZip(2, 131_050_000) } }));
    const code = makeZip({ 'index.js': `exports.handler = async () => 1;\n// ${'x'.repeat(60_000)}\n` });
    const e = await rejection(
      lambda().send(new CreateFunctionCommand({ FunctionName: uniqueName('too-big'), Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Code: { ZipFile: code }, Layers: [big.LayerVersionArn!] })),
    );
    expect(e.name).toBe('InvalidParameterValueException');
    expect(e.message).toMatch(/^Function code combined with layers exceeds the maximum allowed size of 262144000 bytes\. The actual size is 2621\d{5} bytes\.$/);

    const fn = uniqueName('grows');
    await deployNode(lambda(), fn, `exports.handler = async () => 1;\n// ${'x'.repeat(60_000)}\n`);
    const update = await rejection(lambda().send(new UpdateFunctionConfigurationCommand({ FunctionName: fn, Layers: [big.LayerVersionArn!] })));
    expect(update.message).toMatch(/^Function code combined with layers exceeds/);
    // Layer archives count as code storage.
    const usage = (await lambda().send(new GetAccountSettingsCommand({}))).AccountUsage!;
    expect(usage.TotalCodeSize).toBeGreaterThanOrEqual(big.Content!.CodeSize!);
  });
});

describe('a layer of another account, in strict mode', () => {
  const strict = useEmulator({ strict: true });
  let strictClient: ReturnType<typeof lambdaClient> | undefined;
  afterAll(() => strictClient?.destroy());

  it('is usable only once its layer policy lets this account use it', async () => {
    const c = (strictClient = lambdaClient(strict()));
    // Published under the other account's ARN, as one would stand in for a vendor's shared layer.
    const vendorArn = `arn:aws:lambda:us-east-1:111111111111:layer:${uniqueName('vendor')}`;
    const shared = await c.send(new PublishLayerVersionCommand({ LayerName: vendorArn, Content: { ZipFile: (anyZip ??= layerZip()) } }));
    expect(shared.LayerVersionArn).toBe(`${vendorArn}:1`);
    const create = () => deployNode(c, uniqueName('uses-vendor'), 'exports.handler = async () => 1;', { Layers: [shared.LayerVersionArn!] });

    const denied = await rejection(create());
    expect([denied.name, denied.$metadata.httpStatusCode]).toEqual(['AccessDeniedException', 403]);
    expect(denied.message).toContain(`not authorized to perform: lambda:GetLayerVersion on resource: ${shared.LayerVersionArn}`);
    await c.send(new AddLayerVersionPermissionCommand({ LayerName: vendorArn, VersionNumber: 1, StatementId: 'me', Action: 'lambda:GetLayerVersion', Principal: ACCOUNT }));
    await expect(create()).resolves.toMatch(/:function:/);
  });
});
