import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  BatchGetSecretValueCommand,
  CancelRotateSecretCommand,
  CreateSecretCommand,
  DeleteResourcePolicyCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetResourcePolicyCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  type ListSecretsCommandInput,
  ListSecretVersionIdsCommand,
  PutResourcePolicyCommand,
  PutSecretValueCommand,
  RestoreSecretCommand,
  RotateSecretCommand,
  SecretsManagerClient,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateSecretCommand,
  UpdateSecretVersionStageCommand,
  ValidateResourcePolicyCommand,
} from '@aws-sdk/client-secrets-manager';
import { VirtualClock } from '../../emulator/core/clock';
import { waitFor } from '../../harness/wait';
import { awsCli, hasCommand, skipBecause } from '../helpers/cli';
import { clientConfig, useEmulator, usePersistentEmulator } from '../helpers/emulator';
import { deployNode, lambdaClient, recordHops, rejection } from '../lambda/helpers';

const run = promisify(execFile);
const START = Date.UTC(2026, 2, 10, 15, 30, 45, 123);
const DAY = 86_400_000;
const clock = new VirtualClock(START);
const emulator = useEmulator({ clock, log: () => undefined });
let sm: SecretsManagerClient;
beforeAll(() => {
  sm = new SecretsManagerClient({ ...clientConfig(emulator()), maxAttempts: 1 });
});
afterAll(() => sm?.destroy());

const T = (n: number) => `token-${String(n).padStart(26, '0')}-aaaaaaaa`; // 32+ characters

/** The error a call fails with: its name and HTTP status. */
async function failure(p: Promise<unknown>): Promise<{ name: string; status: number | undefined; message: string }> {
  const e = await rejection(p);
  return { name: e.name, status: e.$metadata?.httpStatusCode, message: e.message };
}

describe('values and versions', () => {
  it('creates, reads, and keeps AWSCURRENT / AWSPREVIOUS as values are put', async () => {
    const created = await sm.send(new CreateSecretCommand({ Name: 'app/db', SecretString: 'v1', Description: 'db creds', ClientRequestToken: T(1) }));
    expect(created.ARN).toMatch(/^arn:aws:secretsmanager:us-east-1:000000000000:secret:app\/db-[A-Za-z0-9]{6}$/);
    expect(created.VersionId).toBe(T(1));

    const got = await sm.send(new GetSecretValueCommand({ SecretId: 'app/db' }));
    expect(got).toMatchObject({ ARN: created.ARN, Name: 'app/db', SecretString: 'v1', VersionId: T(1), VersionStages: ['AWSCURRENT'] });
    expect(got.CreatedDate!.getTime()).toBe(clock.now());

    const put = await sm.send(new PutSecretValueCommand({ SecretId: 'app/db', SecretString: 'v2', ClientRequestToken: T(2) }));
    expect(put).toMatchObject({ VersionId: T(2), VersionStages: ['AWSCURRENT'] });
    expect((await sm.send(new GetSecretValueCommand({ SecretId: 'app/db' }))).SecretString).toBe('v2');
    const prev = await sm.send(new GetSecretValueCommand({ SecretId: 'app/db', VersionStage: 'AWSPREVIOUS' }));
    expect(prev).toMatchObject({ SecretString: 'v1', VersionId: T(1), VersionStages: ['AWSPREVIOUS'] });
    expect((await sm.send(new GetSecretValueCommand({ SecretId: 'app/db', VersionId: T(1) }))).SecretString).toBe('v1');

    // A third value: the first version loses its last label (deprecated) and is listed only with IncludeDeprecated.
    await sm.send(new UpdateSecretCommand({ SecretId: 'app/db', SecretString: 'v3', ClientRequestToken: T(3), Description: 'new' }));
    const versions = await sm.send(new ListSecretVersionIdsCommand({ SecretId: 'app/db' }));
    expect(Object.fromEntries(versions.Versions!.map((v) => [v.VersionId, v.VersionStages]))).toEqual({ [T(2)]: ['AWSPREVIOUS'], [T(3)]: ['AWSCURRENT'] });
    const all = await sm.send(new ListSecretVersionIdsCommand({ SecretId: 'app/db', IncludeDeprecated: true }));
    expect(all.Versions!.map((v) => v.VersionId)).toEqual([T(1), T(2), T(3)]);
    expect(all.Versions![0]!.VersionStages).toBeUndefined();

    // Explicit stages: a custom label, and AWSPENDING, leave AWSCURRENT where it is.
    const staged = await sm.send(new PutSecretValueCommand({ SecretId: 'app/db', SecretString: 'v4', ClientRequestToken: T(4), VersionStages: ['AWSPENDING', 'blue'] }));
    expect(staged.VersionStages).toEqual(['AWSPENDING', 'blue']);
    expect((await sm.send(new GetSecretValueCommand({ SecretId: 'app/db' }))).SecretString).toBe('v3');
    expect((await sm.send(new GetSecretValueCommand({ SecretId: 'app/db', VersionStage: 'blue' }))).SecretString).toBe('v4');
    // VersionId and VersionStage must agree.
    const mismatch = await failure(sm.send(new GetSecretValueCommand({ SecretId: 'app/db', VersionId: T(4), VersionStage: 'AWSCURRENT' })));
    expect(mismatch).toEqual({ name: 'ResourceNotFoundException', status: 400, message: `Secrets Manager can't find the specified secret value for VersionId: ${T(4)}` });
    const noLabel = await failure(sm.send(new GetSecretValueCommand({ SecretId: 'app/db', VersionStage: 'green' })));
    expect(noLabel.message).toBe("Secrets Manager can't find the specified secret value for staging label: green");
  });

  it('moves labels with UpdateSecretVersionStage, AWSPREVIOUS following AWSCURRENT', async () => {
    await sm.send(new CreateSecretCommand({ Name: 'stages', SecretString: 'a', ClientRequestToken: T(11) }));
    await sm.send(new PutSecretValueCommand({ SecretId: 'stages', SecretString: 'b', ClientRequestToken: T(12), VersionStages: ['AWSPENDING'] }));

    const noRemove = await failure(sm.send(new UpdateSecretVersionStageCommand({ SecretId: 'stages', VersionStage: 'AWSCURRENT', MoveToVersionId: T(12) })));
    expect(noRemove.name).toBe('InvalidParameterException');
    expect(noRemove.status).toBe(400);
    expect(noRemove.message).toContain(`currently attached to version ${T(11)}`);

    await sm.send(new UpdateSecretVersionStageCommand({ SecretId: 'stages', VersionStage: 'AWSCURRENT', MoveToVersionId: T(12), RemoveFromVersionId: T(11) }));
    const d = await sm.send(new DescribeSecretCommand({ SecretId: 'stages' }));
    expect(d.VersionIdsToStages).toEqual({ [T(11)]: ['AWSPREVIOUS'], [T(12)]: ['AWSCURRENT', 'AWSPENDING'] });

    await sm.send(new UpdateSecretVersionStageCommand({ SecretId: 'stages', VersionStage: 'AWSPENDING', RemoveFromVersionId: T(12) }));
    const removeCurrent = await failure(sm.send(new UpdateSecretVersionStageCommand({ SecretId: 'stages', VersionStage: 'AWSCURRENT', RemoveFromVersionId: T(12) })));
    expect(removeCurrent.name).toBe('InvalidParameterException');
    const notThere = await failure(sm.send(new UpdateSecretVersionStageCommand({ SecretId: 'stages', VersionStage: 'AWSPENDING', RemoveFromVersionId: T(11) })));
    expect(notThere.name).toBe('InvalidParameterException');
    expect((await sm.send(new DescribeSecretCommand({ SecretId: 'stages' }))).VersionIdsToStages).toEqual({ [T(11)]: ['AWSPREVIOUS'], [T(12)]: ['AWSCURRENT'] });
  });

  it('lists a version\'s staging labels in sorted order, as AWS does', async () => {
    await sm.send(new CreateSecretCommand({ Name: 'sorted-stages', SecretString: 'a', ClientRequestToken: T(13) }));
    const put = await sm.send(new PutSecretValueCommand({ SecretId: 'sorted-stages', SecretString: 'b', ClientRequestToken: T(14), VersionStages: ['zeta', 'AWSPENDING', 'alpha'] }));
    expect(put.VersionStages).toEqual(['AWSPENDING', 'alpha', 'zeta']);
    await sm.send(new UpdateSecretVersionStageCommand({ SecretId: 'sorted-stages', VersionStage: 'AWSCURRENT', MoveToVersionId: T(14), RemoveFromVersionId: T(13) }));
    const got = await sm.send(new GetSecretValueCommand({ SecretId: 'sorted-stages' }));
    expect(got.VersionStages).toEqual(['AWSCURRENT', 'AWSPENDING', 'alpha', 'zeta']);
    expect((await sm.send(new DescribeSecretCommand({ SecretId: 'sorted-stages' }))).VersionIdsToStages![T(14)]).toEqual(['AWSCURRENT', 'AWSPENDING', 'alpha', 'zeta']);
    const listed = await sm.send(new ListSecretVersionIdsCommand({ SecretId: 'sorted-stages' }));
    expect(listed.Versions!.find((v) => v.VersionId === T(14))!.VersionStages).toEqual(['AWSCURRENT', 'AWSPENDING', 'alpha', 'zeta']);
  });

  it('treats a repeated ClientRequestToken as a retry: same value is the same version, another value is refused', async () => {
    const first = await sm.send(new CreateSecretCommand({ Name: 'idem', SecretString: 'x', ClientRequestToken: T(21) }));
    const again = await sm.send(new CreateSecretCommand({ Name: 'idem', SecretString: 'x', ClientRequestToken: T(21) }));
    expect(again).toMatchObject({ ARN: first.ARN, VersionId: T(21) });
    const exists = await failure(sm.send(new CreateSecretCommand({ Name: 'idem', SecretString: 'x' })));
    expect(exists).toEqual({ name: 'ResourceExistsException', status: 400, message: 'The operation failed because the secret idem already exists.' });

    await sm.send(new PutSecretValueCommand({ SecretId: 'idem', SecretString: 'y', ClientRequestToken: T(22) }));
    const retry = await sm.send(new PutSecretValueCommand({ SecretId: 'idem', SecretString: 'y', ClientRequestToken: T(22) }));
    expect(retry).toMatchObject({ VersionId: T(22), VersionStages: ['AWSCURRENT'] });
    const conflict = await failure(sm.send(new PutSecretValueCommand({ SecretId: 'idem', SecretString: 'z', ClientRequestToken: T(22) })));
    expect(conflict.name).toBe('ResourceExistsException');
    expect(conflict.status).toBe(400);
    const versions = await sm.send(new ListSecretVersionIdsCommand({ SecretId: 'idem', IncludeDeprecated: true }));
    expect(versions.Versions).toHaveLength(2);
  });

  it('finds a secret by name, full ARN and partial ARN, and stores binary values', async () => {
    const { ARN } = await sm.send(new CreateSecretCommand({ Name: 'bin-secret', SecretBinary: Buffer.from([0, 1, 2, 255]) }));
    const partial = ARN!.slice(0, -7);
    for (const id of ['bin-secret', ARN!, partial]) {
      const got = await sm.send(new GetSecretValueCommand({ SecretId: id }));
      expect(Buffer.from(got.SecretBinary!)).toEqual(Buffer.from([0, 1, 2, 255]));
      expect(got.SecretString).toBeUndefined();
    }
    const wrongSuffix = await failure(sm.send(new GetSecretValueCommand({ SecretId: `${partial}-zzzzzz` })));
    expect(wrongSuffix).toEqual({ name: 'ResourceNotFoundException', status: 400, message: "Secrets Manager can't find the specified secret." });
  });

  it('refuses bad input with AWS error codes', async () => {
    const both = await failure(sm.send(new CreateSecretCommand({ Name: 'both', SecretString: 'a', SecretBinary: Buffer.from('b') })));
    expect(both).toMatchObject({ name: 'InvalidParameterException', status: 400 });
    const badName = await failure(sm.send(new CreateSecretCommand({ Name: 'bad name!', SecretString: 'a' })));
    expect(badName).toMatchObject({ name: 'InvalidParameterException', status: 400 });
    expect(badName.message).toMatch(/^Invalid name/);
    const noValue = await failure(sm.send(new PutSecretValueCommand({ SecretId: 'idem' })));
    expect(noValue).toMatchObject({ name: 'InvalidRequestException', status: 400 });
    const missing = await failure(sm.send(new DescribeSecretCommand({ SecretId: 'nope' })));
    expect(missing).toMatchObject({ name: 'ResourceNotFoundException', status: 400 });
    // A secret created without a value has no AWSCURRENT to read.
    await sm.send(new CreateSecretCommand({ Name: 'empty' }));
    const empty = await failure(sm.send(new GetSecretValueCommand({ SecretId: 'empty' })));
    expect(empty.message).toBe("Secrets Manager can't find the specified secret value for staging label: AWSCURRENT");
  });
});

describe('describe, list and batch get', () => {
  it('reports dates as AWS does: LastAccessedDate to the day', async () => {
    const created = clock.now();
    await sm.send(new CreateSecretCommand({ Name: 'dated', SecretString: 's', KmsKeyId: 'alias/custom', Tags: [{ Key: 'team', Value: 'red' }] }));
    let d = await sm.send(new DescribeSecretCommand({ SecretId: 'dated' }));
    expect(d.CreatedDate!.getTime()).toBe(created);
    expect(d.LastAccessedDate).toBeUndefined();
    expect(d.KmsKeyId).toBe('alias/custom');
    expect(d.Tags).toEqual([{ Key: 'team', Value: 'red' }]);
    expect(d.RotationEnabled).toBeUndefined();
    clock.advance(3 * 3_600_000);
    await sm.send(new GetSecretValueCommand({ SecretId: 'dated' }));
    await sm.send(new UpdateSecretCommand({ SecretId: 'dated', Description: 'described' }));
    d = await sm.send(new DescribeSecretCommand({ SecretId: 'dated' }));
    expect(d.LastAccessedDate!.getTime()).toBe(Math.floor(clock.now() / DAY) * DAY);
    expect(d.LastChangedDate!.getTime()).toBe(clock.now());
    expect(d.Description).toBe('described');
  });

  it('lists with filters, negation, sort order and pages', async () => {
    for (const [i, name] of ['list/alpha', 'list/beta', 'list/gamma', 'other/delta'].entries()) {
      clock.advance(1000);
      await sm.send(new CreateSecretCommand({ Name: name, SecretString: String(i), Description: i % 2 ? 'Odd One' : 'even one', Tags: [{ Key: `k${i}`, Value: i < 2 ? 'low' : 'high' }] }));
    }
    const names = async (input: ListSecretsCommandInput) =>
      ((await sm.send(new ListSecretsCommand(input))).SecretList ?? []).map((s) => s.Name);
    expect(await names({ Filters: [{ Key: 'name', Values: ['list/'] }], SortOrder: 'asc' })).toEqual(['list/alpha', 'list/beta', 'list/gamma']);
    expect(await names({ Filters: [{ Key: 'name', Values: ['list/'] }], SortOrder: 'desc' })).toEqual(['list/gamma', 'list/beta', 'list/alpha']);
    expect(await names({ Filters: [{ Key: 'name', Values: ['List/'] }] })).toEqual([]); // name: case-sensitive
    expect(await names({ Filters: [{ Key: 'description', Values: ['odd'] }], SortOrder: 'asc' })).toEqual(['list/beta', 'other/delta']); // not case-sensitive
    expect(await names({ Filters: [{ Key: 'tag-key', Values: ['k2'] }] })).toEqual(['list/gamma']);
    expect(await names({ Filters: [{ Key: 'tag-value', Values: ['high'] }, { Key: 'name', Values: ['list/'] }] })).toEqual(['list/gamma']);
    expect(await names({ Filters: [{ Key: 'name', Values: ['list/', '!list/b'] }], SortOrder: 'asc' })).toEqual(['list/alpha', 'list/gamma']);
    expect(await names({ Filters: [{ Key: 'all', Values: ['DELTA'] }] })).toEqual(['other/delta']);

    const page1 = await sm.send(new ListSecretsCommand({ Filters: [{ Key: 'name', Values: ['list/', 'other/'] }], SortOrder: 'asc', MaxResults: 3 }));
    expect(page1.SecretList!.map((s) => s.Name)).toEqual(['list/alpha', 'list/beta', 'list/gamma']);
    expect(page1.SecretList![0]!.SecretVersionsToStages).toBeDefined();
    const page2 = await sm.send(new ListSecretsCommand({ Filters: [{ Key: 'name', Values: ['list/', 'other/'] }], SortOrder: 'asc', MaxResults: 3, NextToken: page1.NextToken }));
    expect(page2.SecretList!.map((s) => s.Name)).toEqual(['other/delta']);
    expect(page2.NextToken).toBeUndefined();
    const badToken = await failure(sm.send(new ListSecretsCommand({ NextToken: 'garbage' })));
    expect(badToken).toMatchObject({ name: 'InvalidNextTokenException', status: 400 });
  });

  it('gets several values at once, with errors for the missing ones', async () => {
    const out = await sm.send(new BatchGetSecretValueCommand({ SecretIdList: ['list/alpha', 'list/beta', 'no-such-secret'] }));
    expect(out.SecretValues!.map((v) => [v.Name, v.SecretString])).toEqual([
      ['list/alpha', '0'],
      ['list/beta', '1'],
    ]);
    expect(out.Errors).toEqual([{ SecretId: 'no-such-secret', ErrorCode: 'ResourceNotFoundException', Message: "Secrets Manager can't find the specified secret." }]);
    const byFilter = await sm.send(new BatchGetSecretValueCommand({ Filters: [{ Key: 'name', Values: ['list/g'] }] }));
    expect(byFilter.SecretValues!.map((v) => v.SecretString)).toEqual(['2']);
    const both = await failure(sm.send(new BatchGetSecretValueCommand({ SecretIdList: ['x'], Filters: [{ Key: 'name', Values: ['x'] }] })));
    expect(both).toMatchObject({ name: 'InvalidParameterException', status: 400 });
  });
});

describe('deletion, tags and resource policies', () => {
  it('schedules deletion with a recovery window, restores, and deletes for good when the window ends', async () => {
    await sm.send(new CreateSecretCommand({ Name: 'doomed', SecretString: 'bye' }));
    const del = await sm.send(new DeleteSecretCommand({ SecretId: 'doomed', RecoveryWindowInDays: 7 }));
    expect(del.DeletionDate!.getTime()).toBe(clock.now() + 7 * DAY);

    const marked = await failure(sm.send(new GetSecretValueCommand({ SecretId: 'doomed' })));
    expect(marked).toEqual({ name: 'InvalidRequestException', status: 400, message: "You can't perform this operation on the secret because it was marked for deletion." });
    expect((await sm.send(new DescribeSecretCommand({ SecretId: 'doomed' }))).DeletedDate!.getTime()).toBe(clock.now());
    const listed = async (include: boolean) =>
      ((await sm.send(new ListSecretsCommand({ IncludePlannedDeletion: include, Filters: [{ Key: 'name', Values: ['doomed'] }] }))).SecretList ?? []).length;
    expect(await listed(false)).toBe(0);
    expect(await listed(true)).toBe(1);
    const recreate = await failure(sm.send(new CreateSecretCommand({ Name: 'doomed', SecretString: 'again' })));
    expect(recreate).toMatchObject({ name: 'InvalidRequestException', status: 400 });

    await sm.send(new RestoreSecretCommand({ SecretId: 'doomed' }));
    expect((await sm.send(new GetSecretValueCommand({ SecretId: 'doomed' }))).SecretString).toBe('bye');
    expect((await sm.send(new DescribeSecretCommand({ SecretId: 'doomed' }))).DeletedDate).toBeUndefined();

    await sm.send(new DeleteSecretCommand({ SecretId: 'doomed' })); // default window: 30 days
    clock.advance(29 * DAY);
    expect((await sm.send(new DescribeSecretCommand({ SecretId: 'doomed' }))).Name).toBe('doomed');
    clock.advance(DAY);
    expect(await failure(sm.send(new DescribeSecretCommand({ SecretId: 'doomed' })))).toMatchObject({ name: 'ResourceNotFoundException', status: 400 });
    // The name is free again.
    await sm.send(new CreateSecretCommand({ Name: 'doomed', SecretString: 'reborn' }));
  });

  it('force-deletes at once, and refuses contradictory or out-of-range deletion parameters', async () => {
    await sm.send(new CreateSecretCommand({ Name: 'forced', SecretString: 'x' }));
    const both = await failure(sm.send(new DeleteSecretCommand({ SecretId: 'forced', ForceDeleteWithoutRecovery: true, RecoveryWindowInDays: 7 })));
    expect(both).toMatchObject({ name: 'InvalidParameterException', status: 400 });
    const tooShort = await failure(sm.send(new DeleteSecretCommand({ SecretId: 'forced', RecoveryWindowInDays: 6 })));
    expect(tooShort).toMatchObject({ name: 'InvalidParameterException', status: 400 });
    const out = await sm.send(new DeleteSecretCommand({ SecretId: 'forced', ForceDeleteWithoutRecovery: true }));
    expect(out.DeletionDate!.getTime()).toBe(clock.now());
    expect(await failure(sm.send(new GetSecretValueCommand({ SecretId: 'forced' })))).toMatchObject({ name: 'ResourceNotFoundException', status: 400 });
    await sm.send(new CreateSecretCommand({ Name: 'forced', SecretString: 'y' }));
  });

  it('force-deletes a secret that does not exist without ResourceNotFoundException (AWS: so retries succeed)', async () => {
    const out = await sm.send(new DeleteSecretCommand({ SecretId: 'never-created', ForceDeleteWithoutRecovery: true }));
    expect(out.Name).toBe('never-created');
    expect(out.DeletionDate!.getTime()).toBe(clock.now());
    // Without ForceDeleteWithoutRecovery a missing secret is still ResourceNotFoundException.
    expect(await failure(sm.send(new DeleteSecretCommand({ SecretId: 'never-created' })))).toMatchObject({ name: 'ResourceNotFoundException', status: 400 });
  });

  it('tags and untags', async () => {
    await sm.send(new CreateSecretCommand({ Name: 'tagged', SecretString: 'x', Tags: [{ Key: 'a', Value: '1' }] }));
    await sm.send(new TagResourceCommand({ SecretId: 'tagged', Tags: [{ Key: 'b', Value: '2' }, { Key: 'a', Value: 'one' }] }));
    expect((await sm.send(new DescribeSecretCommand({ SecretId: 'tagged' }))).Tags).toEqual([
      { Key: 'a', Value: 'one' },
      { Key: 'b', Value: '2' },
    ]);
    await sm.send(new UntagResourceCommand({ SecretId: 'tagged', TagKeys: ['a'] }));
    expect((await sm.send(new DescribeSecretCommand({ SecretId: 'tagged' }))).Tags).toEqual([{ Key: 'b', Value: '2' }]);
    expect(await failure(sm.send(new TagResourceCommand({ SecretId: 'nope', Tags: [{ Key: 'a', Value: '1' }] })))).toMatchObject({ name: 'ResourceNotFoundException', status: 400 });
  });

  it('stores, returns, validates and deletes resource policies', async () => {
    await sm.send(new CreateSecretCommand({ Name: 'guarded', SecretString: 'x' }));
    const policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::000000000000:root' }, Action: 'secretsmanager:GetSecretValue', Resource: '*' }] });
    expect((await sm.send(new GetResourcePolicyCommand({ SecretId: 'guarded' }))).ResourcePolicy).toBeUndefined();
    await sm.send(new PutResourcePolicyCommand({ SecretId: 'guarded', ResourcePolicy: policy }));
    expect((await sm.send(new GetResourcePolicyCommand({ SecretId: 'guarded' }))).ResourcePolicy).toBe(policy);
    expect(await sm.send(new ValidateResourcePolicyCommand({ ResourcePolicy: policy }))).toMatchObject({ PolicyValidationPassed: true, ValidationErrors: [] });

    const malformed = await failure(sm.send(new PutResourcePolicyCommand({ SecretId: 'guarded', ResourcePolicy: '{not json' })));
    expect(malformed).toMatchObject({ name: 'MalformedPolicyDocumentException', status: 400 });
    expect(await failure(sm.send(new ValidateResourcePolicyCommand({ ResourcePolicy: 'nope' })))).toMatchObject({ name: 'MalformedPolicyDocumentException', status: 400 });
    const publicPolicy = JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: '*', Action: 'secretsmanager:*', Resource: '*' }] });
    expect(await failure(sm.send(new PutResourcePolicyCommand({ SecretId: 'guarded', ResourcePolicy: publicPolicy, BlockPublicPolicy: true })))).toMatchObject({
      name: 'PublicPolicyException',
      status: 400,
    });

    await sm.send(new DeleteResourcePolicyCommand({ SecretId: 'guarded' }));
    expect((await sm.send(new GetResourcePolicyCommand({ SecretId: 'guarded' }))).ResourcePolicy).toBeUndefined();
  });
});

/**
 * A rotation function in the shape of AWS's templates: createSecret puts the new value as AWSPENDING under the
 * token, finishSecret moves AWSCURRENT onto it. Its SDK calls come back to the emulator (AWS_ENDPOINT_URL).
 */
const ROTATION_FUNCTION = `
const sm = require('@aws-sdk/client-secrets-manager');
const client = new sm.SecretsManagerClient({});
exports.handler = async ({ Step, SecretId, ClientRequestToken: token }) => {
  const meta = await client.send(new sm.DescribeSecretCommand({ SecretId }));
  const stages = meta.VersionIdsToStages[token];
  if (!stages) throw new Error('Secret version ' + token + ' has no stage for rotation');
  if (stages.includes('AWSCURRENT')) return 'already current';
  if (!stages.includes('AWSPENDING')) throw new Error('Secret version ' + token + ' not set as AWSPENDING');
  if (Step === 'createSecret') {
    try {
      await client.send(new sm.GetSecretValueCommand({ SecretId, VersionId: token, VersionStage: 'AWSPENDING' }));
      return 'exists';
    } catch (e) {
      if (e.name !== 'ResourceNotFoundException') throw e;
    }
    const current = await client.send(new sm.GetSecretValueCommand({ SecretId, VersionStage: 'AWSCURRENT' }));
    await client.send(new sm.PutSecretValueCommand({ SecretId, ClientRequestToken: token, SecretString: current.SecretString + '-rotated', VersionStages: ['AWSPENDING'] }));
    return 'created';
  }
  if (Step === 'testSecret') {
    const pending = await client.send(new sm.GetSecretValueCommand({ SecretId, VersionId: token, VersionStage: 'AWSPENDING' }));
    if (pending.SecretString.startsWith('fail-at-test')) throw new Error('the new secret does not work');
    return Step;
  }
  if (Step === 'setSecret') return Step;
  if (Step === 'finishSecret') {
    const current = Object.entries(meta.VersionIdsToStages).find(([, s]) => s.includes('AWSCURRENT'))[0];
    await client.send(new sm.UpdateSecretVersionStageCommand({ SecretId, VersionStage: 'AWSCURRENT', MoveToVersionId: token, RemoveFromVersionId: current }));
    return 'finished';
  }
  throw new Error('bad step ' + Step);
};`;

describe('rotation', () => {
  // Its own emulator on real time: Lambda's function lifecycle runs on the clock, which a VirtualClock would hold still.
  const rotationEmulator = useEmulator({ log: () => undefined });
  it('runs the four steps of a template-style function after RotateSecret answers, one after another', async () => {
    const emu = rotationEmulator();
    const hops = recordHops(emu);
    const sm = new SecretsManagerClient({ ...clientConfig(emu), maxAttempts: 1 });
    const lambda = lambdaClient(emu);
    const fnArn = await deployNode(lambda, 'rotator', ROTATION_FUNCTION, { Timeout: 30 });
    const { VersionId: first } = await sm.send(new CreateSecretCommand({ Name: 'rotated', SecretString: 'pw' }));

    const noFn = await failure(sm.send(new RotateSecretCommand({ SecretId: 'rotated' })));
    expect(noFn).toMatchObject({ name: 'InvalidRequestException', status: 400 });
    const missingFn = await failure(sm.send(new RotateSecretCommand({ SecretId: 'rotated', RotationLambdaARN: fnArn.replace('rotator', 'ghost') })));
    expect(missingFn).toMatchObject({ name: 'AccessDeniedException', status: 400 });

    const before = emu.clock.now();
    const rotate = await sm.send(new RotateSecretCommand({ SecretId: 'rotated', RotationLambdaARN: fnArn, RotationRules: { AutomaticallyAfterDays: 10 }, ClientRequestToken: T(31) }));
    expect(rotate.VersionId).toBe(T(31));
    // The last step's hop is recorded once its invocation has returned.
    const steps = () => hops.of('secretsmanager.rotation.step').filter((h) => h.token === T(31)).map((h) => h.step);
    await waitFor(async () => steps().includes('finishSecret'), { timeoutMs: 30_000, what: 'the finishSecret step' });
    expect(steps()).toEqual(['createSecret', 'setSecret', 'testSecret', 'finishSecret']);
    expect((await sm.send(new GetSecretValueCommand({ SecretId: 'rotated' }))).SecretString).toBe('pw-rotated');
    expect((await sm.send(new GetSecretValueCommand({ SecretId: 'rotated', VersionStage: 'AWSPREVIOUS' }))).SecretString).toBe('pw');
    const d = await sm.send(new DescribeSecretCommand({ SecretId: 'rotated' }));
    expect(d).toMatchObject({ RotationEnabled: true, RotationLambdaARN: fnArn, RotationRules: { AutomaticallyAfterDays: 10 } });
    expect(d.VersionIdsToStages![first!]).toEqual(['AWSPREVIOUS']);
    expect(d.VersionIdsToStages![T(31)]).toContain('AWSCURRENT');
    expect(d.LastRotatedDate!.getTime()).toBeGreaterThanOrEqual(before);
    // The end of the rotation window: the last second of the UTC day ten days after the last rotation.
    expect(d.NextRotationDate!.getTime()).toBe(Math.floor(d.LastRotatedDate!.getTime() / DAY) * DAY + 11 * DAY - 1000);
    hops.stop();
    lambda.destroy();
    sm.destroy();
  }, 60_000);

  it('stops at a failing step, leaves AWSPENDING in place, refuses another rotation until it is cancelled', async () => {
    const emu = rotationEmulator();
    const hops = recordHops(emu);
    const sm = new SecretsManagerClient({ ...clientConfig(emu), maxAttempts: 1 });
    const lambda = lambdaClient(emu);
    const fnArn = await deployNode(lambda, 'rotator-stuck', ROTATION_FUNCTION, { Timeout: 30 });
    const { VersionId: first } = await sm.send(new CreateSecretCommand({ Name: 'stuck', SecretString: 'fail-at-test' }));

    await sm.send(new RotateSecretCommand({ SecretId: 'stuck', RotationLambdaARN: fnArn, ClientRequestToken: T(32) }));
    const failed = await waitFor(async () => hops.of('secretsmanager.rotation.failed').find((h) => h.token === T(32)), { timeoutMs: 30_000, what: 'the failed step' });
    expect(failed).toMatchObject({ step: 'testSecret', token: T(32) });
    expect(hops.of('secretsmanager.rotation.step').filter((h) => h.token === T(32)).map((h) => h.step)).toEqual(['createSecret', 'setSecret']);
    // createSecret put the new value; nothing moved AWSCURRENT.
    expect((await sm.send(new GetSecretValueCommand({ SecretId: 'stuck' }))).SecretString).toBe('fail-at-test');
    expect((await sm.send(new DescribeSecretCommand({ SecretId: 'stuck' }))).VersionIdsToStages).toEqual({ [first!]: ['AWSCURRENT'], [T(32)]: ['AWSPENDING'] });

    const busy = await failure(sm.send(new RotateSecretCommand({ SecretId: 'stuck', ClientRequestToken: T(33) })));
    expect(busy).toEqual({ name: 'InvalidRequestException', status: 400, message: "A previous rotation isn't complete. That rotation will be reattempted." });
    const cancel = await sm.send(new CancelRotateSecretCommand({ SecretId: 'stuck' }));
    expect(cancel.VersionId).toBe(T(32));
    const d = await sm.send(new DescribeSecretCommand({ SecretId: 'stuck' }));
    expect(d.RotationEnabled).toBe(false);
    expect(d.NextRotationDate).toBeUndefined();
    hops.stop();
    lambda.destroy();
    sm.destroy();
  }, 60_000);
});

describe('other clients', () => {
  it('AWS CLI v1: get-secret-value', async () => {
    if (!(await hasCommand('aws'))) return skipBecause('aws (CLI v1) is not on PATH');
    await sm.send(new CreateSecretCommand({ Name: 'cli/secret', SecretString: '{"user":"cli"}' }));
    const out = JSON.parse(await awsCli('aws', emulator().endpoint, ['secretsmanager', 'get-secret-value', '--secret-id', 'cli/secret']));
    expect(out).toMatchObject({ Name: 'cli/secret', SecretString: '{"user":"cli"}', VersionStages: ['AWSCURRENT'] });
    const err = await rejection(awsCli('aws', emulator().endpoint, ['secretsmanager', 'get-secret-value', '--secret-id', 'cli/none']));
    expect(String(err.stderr)).toContain('ResourceNotFoundException');
  }, 60_000);

  it('boto3: create, put, get by stage', async () => {
    if (!(await hasCommand('python3'))) return skipBecause('python3 is not on PATH');
    try {
      await run('python3', ['-c', 'import boto3']);
    } catch {
      return skipBecause('boto3 is not installed for python3');
    }
    const script = `
import boto3, json, sys
c = boto3.client('secretsmanager', endpoint_url=sys.argv[1], region_name='us-east-1', aws_access_key_id='test', aws_secret_access_key='test')
c.create_secret(Name='py/secret', SecretString='one')
c.put_secret_value(SecretId='py/secret', SecretString='two')
try:
    c.get_secret_value(SecretId='py/missing')
    missing = None
except c.exceptions.ResourceNotFoundException as e:
    missing = e.response['Error']['Code']
print(json.dumps({
  'current': c.get_secret_value(SecretId='py/secret')['SecretString'],
  'previous': c.get_secret_value(SecretId='py/secret', VersionStage='AWSPREVIOUS')['SecretString'],
  'missing': missing,
}))`;
    const { stdout } = await run('python3', ['-c', script, emulator().endpoint], {
      timeout: 60_000,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' },
    });
    expect(JSON.parse(stdout)).toEqual({ current: 'two', previous: 'one', missing: 'ResourceNotFoundException' });
  }, 60_000);
});

describe('dataDir', () => {
  const persistent = usePersistentEmulator('secrets-persist');

  it('keeps secrets, versions, tags and deletion schedules across a restart', async () => {
    let c = new SecretsManagerClient(clientConfig(persistent.emulator()));
    const { ARN } = await c.send(new CreateSecretCommand({ Name: 'kept', SecretString: 'v1', Tags: [{ Key: 't', Value: 'v' }] }));
    await c.send(new PutSecretValueCommand({ SecretId: 'kept', SecretBinary: Buffer.from('v2') }));
    await c.send(new CreateSecretCommand({ Name: 'kept-deleted', SecretString: 'x' }));
    await c.send(new DeleteSecretCommand({ SecretId: 'kept-deleted', RecoveryWindowInDays: 7 }));
    c.destroy();

    c = new SecretsManagerClient(clientConfig(await persistent.restart()));
    const cur = await c.send(new GetSecretValueCommand({ SecretId: ARN }));
    expect(Buffer.from(cur.SecretBinary!).toString()).toBe('v2');
    expect((await c.send(new GetSecretValueCommand({ SecretId: 'kept', VersionStage: 'AWSPREVIOUS' }))).SecretString).toBe('v1');
    expect((await c.send(new DescribeSecretCommand({ SecretId: 'kept' }))).Tags).toEqual([{ Key: 't', Value: 'v' }]);
    expect(await failure(c.send(new GetSecretValueCommand({ SecretId: 'kept-deleted' })))).toMatchObject({ name: 'InvalidRequestException' });
    c.destroy();
  }, 60_000);
});
