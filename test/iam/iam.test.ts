import {
  AddRoleToInstanceProfileCommand,
  AttachRolePolicyCommand,
  CreateInstanceProfileCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  CreateRoleCommand,
  DeleteInstanceProfileCommand,
  DeletePolicyCommand,
  DeletePolicyVersionCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DetachRolePolicyCommand,
  GetInstanceProfileCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListEntitiesForPolicyCommand,
  ListInstanceProfilesForRoleCommand,
  ListPoliciesCommand,
  ListPolicyVersionsCommand,
  ListRolesCommand,
  PutRolePolicyCommand,
  RemoveRoleFromInstanceProfileCommand,
  SetDefaultPolicyVersionCommand,
  UpdateAssumeRolePolicyCommand,
  UpdateRoleCommand,
  UpdateRoleDescriptionCommand,
} from '@aws-sdk/client-iam';
import { awsCli, CLIENTS, hasCommand, skipBecause } from '../helpers/cli';
import { clientConfig, useEmulator } from '../helpers/emulator';

const emulator = useEmulator();
const iam = () => new IAMClient(clientConfig(emulator()));
const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
const doc = (action: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: '*' }] });

async function refused(send: Promise<unknown>): Promise<{ name: string; message: string; status: number | undefined }> {
  const err = await send.then(
    () => undefined,
    (e: { name: string; message: string; $metadata?: { httpStatusCode?: number } }) => e,
  );
  if (!err) throw new Error('expected the request to be refused');
  return { name: err.name, message: err.message, status: err.$metadata?.httpStatusCode };
}

describe('IAM managed policies', () => {
  it('keeps versions: create, read, set default, delete, with the five-version limit', async () => {
    const c = iam();
    const { Policy } = await c.send(new CreatePolicyCommand({ PolicyName: 'versions', Path: '/team/', PolicyDocument: doc('s3:GetObject'), Description: 'reads' }));
    expect(Policy).toMatchObject({ Arn: 'arn:aws:iam::000000000000:policy/team/versions', Path: '/team/', DefaultVersionId: 'v1', AttachmentCount: 0, IsAttachable: true });
    const arn = Policy!.Arn!;
    for (let i = 2; i <= 5; i++) {
      const v = await c.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: doc(`s3:Action${i}`), SetAsDefault: i === 3 }));
      expect(v.PolicyVersion).toMatchObject({ VersionId: `v${i}`, IsDefaultVersion: i === 3 });
    }
    expect(await refused(c.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: doc('s3:Six') })))).toMatchObject({ name: 'LimitExceededException', status: 409 });

    expect((await c.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy!.DefaultVersionId).toBe('v3');
    const v3 = await c.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: 'v3' }));
    expect(JSON.parse(decodeURIComponent(v3.PolicyVersion!.Document!)).Statement[0].Action).toBe('s3:Action3');
    expect(await refused(c.send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: 'v3' })))).toMatchObject({ name: 'DeleteConflictException', status: 409 });

    await c.send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: 'v2' }));
    await c.send(new SetDefaultPolicyVersionCommand({ PolicyArn: arn, VersionId: 'v5' }));
    const listed = await c.send(new ListPolicyVersionsCommand({ PolicyArn: arn }));
    expect(listed.Versions!.map((v) => [v.VersionId, v.IsDefaultVersion])).toEqual([['v5', true], ['v4', false], ['v3', false], ['v1', false]]);
    // Ids are never reused: the next version after deleting v2 is v6.
    expect((await c.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: doc('s3:Again') }))).PolicyVersion!.VersionId).toBe('v6');

    expect(await refused(c.send(new DeletePolicyCommand({ PolicyArn: arn })))).toMatchObject({ name: 'DeleteConflictException', message: expect.stringMatching(/more than one version/) });
    for (const VersionId of ['v1', 'v3', 'v4', 'v6']) await c.send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId }));
    await c.send(new DeletePolicyCommand({ PolicyArn: arn }));
    expect(await refused(c.send(new GetPolicyCommand({ PolicyArn: arn })))).toMatchObject({ name: 'NoSuchEntityException', status: 404 });
  });

  it('counts attachments, refuses to delete an attached policy, and attaches only policies that exist', async () => {
    const c = iam();
    await c.send(new CreateRoleCommand({ RoleName: 'attached-role', AssumeRolePolicyDocument: TRUST }));
    const arn = (await c.send(new CreatePolicyCommand({ PolicyName: 'attached', PolicyDocument: doc('sqs:*') }))).Policy!.Arn!;
    await c.send(new AttachRolePolicyCommand({ RoleName: 'attached-role', PolicyArn: arn }));
    // AWS managed policies are not catalogued, but can be attached.
    await c.send(new AttachRolePolicyCommand({ RoleName: 'attached-role', PolicyArn: 'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole' }));
    expect(await refused(c.send(new AttachRolePolicyCommand({ RoleName: 'attached-role', PolicyArn: 'arn:aws:iam::000000000000:policy/missing' })))).toMatchObject({
      name: 'NoSuchEntityException',
      message: 'Policy arn:aws:iam::000000000000:policy/missing does not exist or is not attachable.',
    });

    expect((await c.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy!.AttachmentCount).toBe(1);
    const entities = await c.send(new ListEntitiesForPolicyCommand({ PolicyArn: arn }));
    expect(entities.PolicyRoles!.map((r) => r.RoleName)).toEqual(['attached-role']);
    const onlyAttached = await c.send(new ListPoliciesCommand({ Scope: 'Local', OnlyAttached: true }));
    expect(onlyAttached.Policies!.map((p) => p.PolicyName)).toContain('attached');
    expect(await refused(c.send(new DeletePolicyCommand({ PolicyArn: arn })))).toMatchObject({ name: 'DeleteConflictException', message: 'Cannot delete a policy attached to entities.' });

    await c.send(new DetachRolePolicyCommand({ RoleName: 'attached-role', PolicyArn: arn }));
    expect((await c.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy!.AttachmentCount).toBe(0);
    const attached = await c.send(new ListAttachedRolePoliciesCommand({ RoleName: 'attached-role' }));
    expect(attached.AttachedPolicies!.map((p) => p.PolicyName)).toEqual(['AWSLambdaBasicExecutionRole']);
  });
});

describe('IAM roles', () => {
  it('updates the trust policy, description and session length, with IAM validation', async () => {
    const c = iam();
    await c.send(new CreateRoleCommand({ RoleName: 'updated-role', AssumeRolePolicyDocument: TRUST }));
    const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'states.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
    await c.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'updated-role', PolicyDocument: trust }));
    await c.send(new UpdateRoleCommand({ RoleName: 'updated-role', MaxSessionDuration: 7200 }));
    const described = await c.send(new UpdateRoleDescriptionCommand({ RoleName: 'updated-role', Description: 'runs step functions' }));
    expect(described.Role!.Description).toBe('runs step functions');
    const role = (await c.send(new GetRoleCommand({ RoleName: 'updated-role' }))).Role!;
    expect(JSON.parse(decodeURIComponent(role.AssumeRolePolicyDocument!))).toEqual(JSON.parse(trust));
    expect(role.MaxSessionDuration).toBe(7200);

    expect(await refused(c.send(new UpdateRoleCommand({ RoleName: 'updated-role', MaxSessionDuration: 60 })))).toMatchObject({ name: 'ValidationError', message: expect.stringMatching(/maxSessionDuration.*greater than or equal to 3600/) });
    expect(await refused(c.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'updated-role', PolicyDocument: '{nope' })))).toMatchObject({ name: 'MalformedPolicyDocumentException' });
    expect(await refused(c.send(new UpdateRoleCommand({ RoleName: 'no-such-role', Description: 'x' })))).toMatchObject({ name: 'NoSuchEntityException', status: 404 });
  });

  it('pages ListRoles with Marker and MaxItems, filters by path, and leaves tags out as IAM does', async () => {
    const c = iam();
    for (let i = 0; i < 5; i++) {
      await c.send(new CreateRoleCommand({ RoleName: `paged-${i}`, Path: '/paged/', AssumeRolePolicyDocument: TRUST, Tags: [{ Key: 'k', Value: 'v' }] }));
    }
    const names: string[] = [];
    let Marker: string | undefined;
    let pages = 0;
    do {
      const out = await c.send(new ListRolesCommand({ PathPrefix: '/paged/', MaxItems: 2, Marker }));
      names.push(...out.Roles!.map((r) => r.RoleName!));
      expect(out.Roles!.every((r) => r.Tags === undefined)).toBe(true);
      Marker = out.IsTruncated ? out.Marker : undefined;
      pages++;
    } while (Marker);
    expect(pages).toBe(3);
    expect(names).toEqual(['paged-0', 'paged-1', 'paged-2', 'paged-3', 'paged-4']);
    expect(await refused(c.send(new ListRolesCommand({ Marker: 'not-a-marker' })))).toMatchObject({ name: 'InvalidInputException', status: 400 });
  });

  it('refuses to delete a role that still has policies or an instance profile, naming what to remove first', async () => {
    const c = iam();
    await c.send(new CreateRoleCommand({ RoleName: 'busy-role', AssumeRolePolicyDocument: TRUST }));
    await c.send(new PutRolePolicyCommand({ RoleName: 'busy-role', PolicyName: 'inline', PolicyDocument: doc('logs:*') }));
    await c.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'busy-profile' }));
    await c.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: 'busy-profile', RoleName: 'busy-role' }));

    expect(await refused(c.send(new DeleteRoleCommand({ RoleName: 'busy-role' })))).toMatchObject({ name: 'DeleteConflictException', message: expect.stringMatching(/remove roles from instance profile/) });
    await c.send(new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: 'busy-profile', RoleName: 'busy-role' }));
    expect(await refused(c.send(new DeleteRoleCommand({ RoleName: 'busy-role' })))).toMatchObject({ name: 'DeleteConflictException', message: expect.stringMatching(/delete policies first/) });
    await c.send(new DeleteRolePolicyCommand({ RoleName: 'busy-role', PolicyName: 'inline' }));
    await c.send(new DeleteRoleCommand({ RoleName: 'busy-role' }));
    expect(await refused(c.send(new GetRoleCommand({ RoleName: 'busy-role' })))).toMatchObject({ name: 'NoSuchEntityException' });
  });
});

describe('IAM instance profiles', () => {
  it('hold one role, are listed for it, and are deleted only once empty', async () => {
    const c = iam();
    await c.send(new CreateRoleCommand({ RoleName: 'profile-role', AssumeRolePolicyDocument: TRUST }));
    await c.send(new CreateRoleCommand({ RoleName: 'other-role', AssumeRolePolicyDocument: TRUST }));
    const created = await c.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'profile', Path: '/ec2/' }));
    expect(created.InstanceProfile).toMatchObject({ Arn: 'arn:aws:iam::000000000000:instance-profile/ec2/profile', Roles: [], InstanceProfileId: expect.stringMatching(/^AIPA[A-Z0-9]{17}$/) });
    expect(await refused(c.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'profile' })))).toMatchObject({ name: 'EntityAlreadyExistsException', status: 409 });

    await c.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: 'profile', RoleName: 'profile-role' }));
    expect(await refused(c.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: 'profile', RoleName: 'other-role' })))).toMatchObject({ name: 'LimitExceededException', status: 409 });
    const got = await c.send(new GetInstanceProfileCommand({ InstanceProfileName: 'profile' }));
    expect(got.InstanceProfile!.Roles!.map((r) => r.RoleName)).toEqual(['profile-role']);
    const forRole = await c.send(new ListInstanceProfilesForRoleCommand({ RoleName: 'profile-role' }));
    expect(forRole.InstanceProfiles!.map((p) => p.InstanceProfileName)).toEqual(['profile']);
    expect((await c.send(new ListInstanceProfilesForRoleCommand({ RoleName: 'other-role' }))).InstanceProfiles).toEqual([]);

    expect(await refused(c.send(new DeleteInstanceProfileCommand({ InstanceProfileName: 'profile' })))).toMatchObject({ name: 'DeleteConflictException' });
    await c.send(new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: 'profile', RoleName: 'profile-role' }));
    await c.send(new DeleteInstanceProfileCommand({ InstanceProfileName: 'profile' }));
    expect(await refused(c.send(new GetInstanceProfileCommand({ InstanceProfileName: 'profile' })))).toMatchObject({ name: 'NoSuchEntityException', status: 404 });
  });
});

describe('IAM through the AWS CLI (Query protocol)', () => {
  it('creates a managed policy, a second version and an instance profile, and reads them back', async () => {
    if (!(await hasCommand(CLIENTS.awsCliV1))) return skipBecause('AWS CLI v1 (`aws`) is not installed');
    const cli = (...args: string[]) => awsCli(CLIENTS.awsCliV1, emulator().endpoint, args).then((out) => (out.trim() ? JSON.parse(out) : {}));
    const arn = (await cli('iam', 'create-policy', '--policy-name', 'cli-policy', '--policy-document', doc('s3:*'))).Policy.Arn;
    await cli('iam', 'create-policy-version', '--policy-arn', arn, '--policy-document', doc('sqs:*'), '--set-as-default');
    const version = await cli('iam', 'get-policy-version', '--policy-arn', arn, '--version-id', 'v2');
    // The CLI decodes the URL-encoded document into JSON.
    expect(version.PolicyVersion).toMatchObject({ VersionId: 'v2', IsDefaultVersion: true, Document: { Statement: [{ Action: 'sqs:*' }] } });
    await cli('iam', 'create-instance-profile', '--instance-profile-name', 'cli-profile');
    const profiles = await cli('iam', 'list-instance-profiles');
    expect(profiles.InstanceProfiles.map((p: { InstanceProfileName: string }) => p.InstanceProfileName)).toContain('cli-profile');
  });
});
