import {
  AddUserToGroupCommand,
  AttachGroupPolicyCommand,
  AttachUserPolicyCommand,
  CreateGroupCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  GetContextKeysForCustomPolicyCommand,
  GetContextKeysForPrincipalPolicyCommand,
  IAMClient,
  PutRolePolicyCommand,
  PutUserPermissionsBoundaryCommand,
  PutUserPolicyCommand,
  SimulateCustomPolicyCommand,
  SimulatePrincipalPolicyCommand,
} from '@aws-sdk/client-iam';
import { clientConfig, useEmulator } from '../helpers/emulator';
import { refused } from './refused';

const emulator = useEmulator();
const iam = () => new IAMClient(clientConfig(emulator()));
const policy = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

/** The AWS CLI's own example: access to DynamoDB only after a date. */
const AFTER_DATE =
  '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"dynamodb:*","Resource":"*","Condition":{"DateGreaterThan":{"aws:CurrentTime":"2018-08-16T12:00:00Z"}}}}';

describe('SimulateCustomPolicy', () => {
  it('allows with a date condition met, naming the statement where AWS does, and lists context keys it was not given', async () => {
    const simulate = (context?: string) =>
      iam().send(
        new SimulateCustomPolicyCommand({
          PolicyInputList: [AFTER_DATE],
          ActionNames: ['dynamodb:CreateBackup'],
          ContextEntries: context ? [{ ContextKeyName: 'aws:CurrentTime', ContextKeyValues: [context], ContextKeyType: 'date' }] : undefined,
        }),
      );
    const allowed = (await simulate('2019-04-25T11:00:00Z')).EvaluationResults!;
    expect(allowed).toEqual([
      expect.objectContaining({
        EvalActionName: 'dynamodb:CreateBackup',
        EvalResourceName: '*',
        EvalDecision: 'allowed',
        MatchedStatements: [{ SourcePolicyId: 'PolicyInputList.1', StartPosition: { Line: 1, Column: 38 }, EndPosition: { Line: 1, Column: 167 } }],
        MissingContextValues: [],
      }),
    ]);
    const tooEarly = (await simulate('2018-04-25T11:00:00Z')).EvaluationResults![0]!;
    expect(tooEarly).toMatchObject({ EvalDecision: 'implicitDeny', MatchedStatements: [] });
    const unknown = (await simulate()).EvaluationResults![0]!;
    expect(unknown).toMatchObject({ EvalDecision: 'implicitDeny', MissingContextValues: ['aws:CurrentTime'] });
  });

  it('matches actions and resources with wildcards, and an explicit Deny wins over an Allow', async () => {
    const allowReads = policy({ Sid: 'Reads', Effect: 'Allow', Action: ['s3:Get*', 's3:List*'], Resource: ['arn:aws:s3:::data', 'arn:aws:s3:::data/*'] });
    const denySecrets = policy({ Sid: 'NoSecrets', Effect: 'Deny', Action: 's3:*', Resource: 'arn:aws:s3:::data/secret/*' });
    const { EvaluationResults: results } = await iam().send(
      new SimulateCustomPolicyCommand({
        PolicyInputList: [allowReads, denySecrets],
        ActionNames: ['s3:GetObject', 's3:PutObject'],
        ResourceArns: ['arn:aws:s3:::data/report.csv', 'arn:aws:s3:::data/secret/key', 'arn:aws:s3:::other/x'],
      }),
    );
    const decisions = results!.map((r) => `${r.EvalActionName} ${r.EvalResourceName} ${r.EvalDecision}`);
    expect(decisions).toEqual([
      's3:GetObject arn:aws:s3:::data/report.csv allowed',
      's3:GetObject arn:aws:s3:::data/secret/key explicitDeny',
      's3:GetObject arn:aws:s3:::other/x implicitDeny',
      's3:PutObject arn:aws:s3:::data/report.csv implicitDeny',
      's3:PutObject arn:aws:s3:::data/secret/key explicitDeny',
      's3:PutObject arn:aws:s3:::other/x implicitDeny',
    ]);
    expect(results![1]!.MatchedStatements!.map((s) => s.SourcePolicyId)).toEqual(['PolicyInputList.2']);
  });

  it('evaluates StringLike, IpAddress and Bool conditions from the context entries', async () => {
    const conditional = policy(
      { Effect: 'Allow', Action: 'ec2:*', Resource: '*', Condition: { StringLike: { 'aws:PrincipalTag/team': 'data-*' }, IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } },
      { Effect: 'Deny', Action: 'ec2:TerminateInstances', Resource: '*', Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'false' } } },
    );
    const run = async (action: string, team: string, ip: string, mfa: string) =>
      (
        await iam().send(
          new SimulateCustomPolicyCommand({
            PolicyInputList: [conditional],
            ActionNames: [action],
            ContextEntries: [
              { ContextKeyName: 'aws:PrincipalTag/team', ContextKeyValues: [team], ContextKeyType: 'string' },
              { ContextKeyName: 'aws:SourceIp', ContextKeyValues: [ip], ContextKeyType: 'ip' },
              { ContextKeyName: 'aws:MultiFactorAuthPresent', ContextKeyValues: [mfa], ContextKeyType: 'boolean' },
            ],
          }),
        )
      ).EvaluationResults![0]!.EvalDecision;
    expect(await run('ec2:StartInstances', 'data-eng', '10.1.2.3', 'false')).toBe('allowed');
    expect(await run('ec2:StartInstances', 'web', '10.1.2.3', 'false')).toBe('implicitDeny');
    expect(await run('ec2:StartInstances', 'data-eng', '192.168.0.1', 'false')).toBe('implicitDeny');
    expect(await run('ec2:TerminateInstances', 'data-eng', '10.1.2.3', 'false')).toBe('explicitDeny');
    expect(await run('ec2:TerminateInstances', 'data-eng', '10.1.2.3', 'true')).toBe('allowed');
  });

  it('lets a resource policy allow the caller it names, and keeps the permissions boundary', async () => {
    const bucketPolicy = policy({ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::000000000000:user/alice' }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::shared/*' });
    const simulate = (caller: string) =>
      iam().send(
        new SimulateCustomPolicyCommand({
          PolicyInputList: [policy({ Effect: 'Allow', Action: 'sqs:*', Resource: '*' })],
          ResourcePolicy: bucketPolicy,
          CallerArn: caller,
          ActionNames: ['s3:GetObject'],
          ResourceArns: ['arn:aws:s3:::shared/a'],
        }),
      );
    const alice = (await simulate('arn:aws:iam::000000000000:user/alice')).EvaluationResults![0]!;
    expect(alice).toMatchObject({ EvalDecision: 'allowed', MatchedStatements: [{ SourcePolicyId: 'ResourcePolicy', SourcePolicyType: 'resource' }] });
    expect((await simulate('arn:aws:iam::000000000000:user/bob')).EvaluationResults![0]!.EvalDecision).toBe('implicitDeny');

    const bounded = await iam().send(
      new SimulateCustomPolicyCommand({
        PolicyInputList: [policy({ Effect: 'Allow', Action: '*', Resource: '*' })],
        PermissionsBoundaryPolicyInputList: [policy({ Effect: 'Allow', Action: 's3:*', Resource: '*' })],
        ActionNames: ['s3:ListBucket', 'iam:CreateUser'],
      }),
    );
    expect(bounded.EvaluationResults!.map((r) => [r.EvalDecision, r.PermissionsBoundaryDecisionDetail?.AllowedByPermissionsBoundary])).toEqual([
      ['allowed', true],
      ['implicitDeny', false],
    ]);
  });

  it('fills policy variables in resources and condition values from the context', async () => {
    const home = policy(
      { Effect: 'Allow', Action: 's3:ListBucket', Resource: 'arn:aws:s3:::homes', Condition: { StringLike: { 's3:prefix': ['home/${aws:username}/*'] } } },
      { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::homes/home/${aws:username}/*' },
    );
    const decide = async (action: string, resource: string, entries: { ContextKeyName: string; ContextKeyValues: string[] }[]) => {
      const ContextEntries = entries.map((e) => ({ ...e, ContextKeyType: 'string' as const }));
      const out = await iam().send(new SimulateCustomPolicyCommand({ PolicyInputList: [home], ActionNames: [action], ResourceArns: [resource], ContextEntries }));
      return out.EvaluationResults![0]!.EvalDecision;
    };
    const alice = { ContextKeyName: 'aws:username', ContextKeyValues: ['alice'] };
    expect(await decide('s3:GetObject', 'arn:aws:s3:::homes/home/alice/notes.txt', [alice])).toBe('allowed');
    expect(await decide('s3:GetObject', 'arn:aws:s3:::homes/home/bob/notes.txt', [alice])).toBe('implicitDeny');
    expect(await decide('s3:ListBucket', 'arn:aws:s3:::homes', [alice, { ContextKeyName: 's3:prefix', ContextKeyValues: ['home/alice/docs'] }])).toBe('allowed');
    expect(await decide('s3:ListBucket', 'arn:aws:s3:::homes', [alice, { ContextKeyName: 's3:prefix', ContextKeyValues: ['home/bob/'] }])).toBe('implicitDeny');
  });

  it('wants a CallerArn naming an IAM user when a resource policy is given', async () => {
    const input = {
      PolicyInputList: [policy({ Effect: 'Allow', Action: 's3:*', Resource: '*' })],
      ResourcePolicy: policy({ Effect: 'Allow', Principal: '*', Action: 's3:*', Resource: '*' }),
      ActionNames: ['s3:GetObject'],
    };
    expect((await refused(iam().send(new SimulateCustomPolicyCommand(input)))).name).toBe('InvalidInputException');
    const asRole = { ...input, CallerArn: 'arn:aws:iam::000000000000:role/r' };
    expect((await refused(iam().send(new SimulateCustomPolicyCommand(asRole)))).name).toBe('InvalidInputException');
  });

  it('pages its results and refuses a policy that is not JSON', async () => {
    const client = iam();
    const first = await client.send(
      new SimulateCustomPolicyCommand({ PolicyInputList: [policy({ Effect: 'Allow', Action: '*', Resource: '*' })], ActionNames: ['a:One', 'a:Two', 'a:Three'], MaxItems: 2 }),
    );
    expect(first.EvaluationResults!.map((r) => r.EvalActionName)).toEqual(['a:One', 'a:Two']);
    expect(first.IsTruncated).toBe(true);
    const rest = await client.send(
      new SimulateCustomPolicyCommand({ PolicyInputList: [policy({ Effect: 'Allow', Action: '*', Resource: '*' })], ActionNames: ['a:One', 'a:Two', 'a:Three'], Marker: first.Marker }),
    );
    expect(rest.EvaluationResults!.map((r) => r.EvalActionName)).toEqual(['a:Three']);
    expect((await refused(client.send(new SimulateCustomPolicyCommand({ PolicyInputList: ['{not json'], ActionNames: ['s3:GetObject'] })))).name).toBe(
      'MalformedPolicyDocumentException',
    );
  });
});

describe('SimulatePrincipalPolicy', () => {
  it("evaluates a user's inline policies, its groups' managed policies and its permissions boundary", async () => {
    const client = iam();
    await client.send(new CreateUserCommand({ UserName: 'sim-user' }));
    await client.send(new CreateGroupCommand({ GroupName: 'sim-readers' }));
    await client.send(new AddUserToGroupCommand({ GroupName: 'sim-readers', UserName: 'sim-user' }));
    const pretty = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sqs:*', Resource: '*' }] }, null, 4);
    await client.send(new PutUserPolicyCommand({ UserName: 'sim-user', PolicyName: 'queues', PolicyDocument: pretty }));
    const { Policy: readers } = await client.send(new CreatePolicyCommand({ PolicyName: 'sim-read-s3', PolicyDocument: policy({ Effect: 'Allow', Action: 's3:Get*', Resource: '*' }) }));
    await client.send(new AttachGroupPolicyCommand({ GroupName: 'sim-readers', PolicyArn: readers!.Arn }));
    // AWS managed policies are not catalogued: attached, but their documents are unknown, so they allow nothing here.
    await client.send(new AttachUserPolicyCommand({ UserName: 'sim-user', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }));

    const userArn = 'arn:aws:iam::000000000000:user/sim-user';
    const simulate = async () =>
      (await client.send(new SimulatePrincipalPolicyCommand({ PolicySourceArn: userArn, ActionNames: ['sqs:SendMessage', 's3:GetObject', 'ec2:RunInstances'] }))).EvaluationResults!;
    const before = await simulate();
    expect(before.map((r) => r.EvalDecision)).toEqual(['allowed', 'allowed', 'implicitDeny']);
    expect(before[0]!.MatchedStatements).toEqual([{ SourcePolicyId: 'queues', SourcePolicyType: 'user', StartPosition: { Line: 4, Column: 10 }, EndPosition: { Line: 8, Column: 10 } }]);
    expect(before[1]!.MatchedStatements![0]).toMatchObject({ SourcePolicyId: 'sim-read-s3', SourcePolicyType: 'user-managed' });

    const { Policy: boundary } = await client.send(new CreatePolicyCommand({ PolicyName: 'sim-boundary', PolicyDocument: policy({ Effect: 'Allow', Action: 's3:*', Resource: '*' }) }));
    await client.send(new PutUserPermissionsBoundaryCommand({ UserName: 'sim-user', PermissionsBoundary: boundary!.Arn }));
    const after = await simulate();
    expect(after.map((r) => [r.EvalDecision, r.PermissionsBoundaryDecisionDetail?.AllowedByPermissionsBoundary])).toEqual([
      ['implicitDeny', false],
      ['allowed', true],
      ['implicitDeny', false],
    ]);
  });

  it("evaluates a role's inline Deny, adds a PolicyInputList, and names a missing principal", async () => {
    const client = iam();
    await client.send(new CreateRoleCommand({ RoleName: 'sim-role', AssumeRolePolicyDocument: '{}' }));
    await client.send(
      new PutRolePolicyCommand({
        RoleName: 'sim-role',
        PolicyName: 'guard',
        PolicyDocument: policy({ Effect: 'Deny', Action: 'dynamodb:DeleteTable', Resource: 'arn:aws:dynamodb:*:*:table/prod-*' }),
      }),
    );
    const { EvaluationResults: results } = await client.send(
      new SimulatePrincipalPolicyCommand({
        PolicySourceArn: 'arn:aws:iam::000000000000:role/sim-role',
        PolicyInputList: [policy({ Effect: 'Allow', Action: 'dynamodb:*', Resource: '*' })],
        ActionNames: ['dynamodb:DeleteTable'],
        ResourceArns: ['arn:aws:dynamodb:us-east-1:000000000000:table/prod-orders', 'arn:aws:dynamodb:us-east-1:000000000000:table/dev-orders'],
      }),
    );
    expect(results!.map((r) => r.EvalDecision)).toEqual(['explicitDeny', 'allowed']);
    expect(results![0]!.MatchedStatements![0]).toMatchObject({ SourcePolicyId: 'guard', SourcePolicyType: 'role' });
    expect(results![1]!.MatchedStatements![0]).toMatchObject({ SourcePolicyId: 'PolicyInputList.1' });

    expect(
      await refused(client.send(new SimulatePrincipalPolicyCommand({ PolicySourceArn: 'arn:aws:iam::000000000000:role/nobody', ActionNames: ['s3:GetObject'] }))),
    ).toEqual({ name: 'NoSuchEntityException', message: 'The role with name nobody cannot be found.', status: 404 });
  });
});

describe('GetContextKeysFor…Policy', () => {
  it('lists the condition keys and resource policy variables the policies use, each once', async () => {
    const client = iam();
    const doc = policy(
      { Effect: 'Allow', Action: 's3:*', Resource: 'arn:aws:s3:::home/${aws:username}/*', Condition: { StringEquals: { 'aws:RequestedRegion': 'eu-west-1' } } },
      { Effect: 'Deny', Action: '*', Resource: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' }, StringNotEquals: { 'aws:requestedregion': 'x' } } },
    );
    const custom = await client.send(new GetContextKeysForCustomPolicyCommand({ PolicyInputList: [doc] }));
    expect(custom.ContextKeyNames).toEqual(['aws:RequestedRegion', 'aws:username', 'aws:SecureTransport']);

    await client.send(new CreateUserCommand({ UserName: 'keys-user' }));
    await client.send(new PutUserPolicyCommand({ UserName: 'keys-user', PolicyName: 'p', PolicyDocument: policy({ Effect: 'Allow', Action: '*', Resource: '*', Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } }) }));
    const principal = await client.send(new GetContextKeysForPrincipalPolicyCommand({ PolicySourceArn: 'arn:aws:iam::000000000000:user/keys-user', PolicyInputList: [doc] }));
    expect(principal.ContextKeyNames).toEqual(['aws:SourceIp', 'aws:RequestedRegion', 'aws:username', 'aws:SecureTransport']);
  });
});
