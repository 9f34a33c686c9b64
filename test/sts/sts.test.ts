import {
  AssumeRoleCommand,
  AssumeRoleWithWebIdentityCommand,
  GetAccessKeyInfoCommand,
  GetCallerIdentityCommand,
  GetFederationTokenCommand,
  GetSessionTokenCommand,
  STSClient,
  type Credentials,
} from '@aws-sdk/client-sts';
import { ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { VirtualClock } from '../../emulator/core/clock';
import { startEmulator, type RunningEmulator } from '../../emulator';
import { useEmulator } from '../helpers/emulator';

const KEY = { accessKeyId: 'AKIDHARNESS', secretAccessKey: 'right-secret' };
const ROLE = 'arn:aws:iam::000000000000:role/service/deployer';
const clock = new VirtualClock(Date.UTC(2026, 0, 1));
const emulator = useEmulator({ clock, verifySignatures: true, credentials: { [KEY.accessKeyId]: KEY.secretAccessKey } });

const sts = (credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } = KEY, emu: RunningEmulator = emulator()) =>
  new STSClient({ endpoint: emu.endpoint, region: 'us-east-1', credentials });
const asClient = (c: Credentials) => ({ accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! });

/** An unsigned JWT with these claims (the emulator reads claims, it does not check signatures). */
const jwt = (claims: object) => ['{"alg":"none"}', JSON.stringify(claims), ''].map((p) => Buffer.from(p).toString('base64url')).join('.') + 'sig';

describe('STS temporary credentials', () => {
  it('AssumeRole hands out distinct credentials that sign requests and identify as the assumed role', async () => {
    const first = await sts().send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'ci-run-1' }));
    const second = await sts().send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'ci-run-2' }));
    expect(first.Credentials!.AccessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(first.Credentials!.AccessKeyId).not.toBe(second.Credentials!.AccessKeyId);
    expect(first.AssumedRoleUser!.Arn).toBe('arn:aws:sts::000000000000:assumed-role/deployer/ci-run-1');

    // Signatures are verified here, so the temporary key must be known, with its session token.
    const me = await sts(asClient(first.Credentials!)).send(new GetCallerIdentityCommand({}));
    expect(me).toMatchObject({ Account: '000000000000', Arn: 'arn:aws:sts::000000000000:assumed-role/deployer/ci-run-1', UserId: first.AssumedRoleUser!.AssumedRoleId });
    expect(me.UserId).toMatch(/^AROA[A-Z0-9]{17}:ci-run-1$/);
    const queues = await new SQSClient({ endpoint: emulator().endpoint, region: 'us-east-1', credentials: asClient(first.Credentials!) }).send(new ListQueuesCommand({}));
    expect(queues.$metadata.httpStatusCode).toBe(200);

    const wrongToken = { ...asClient(first.Credentials!), sessionToken: second.Credentials!.SessionToken! };
    await expect(sts(wrongToken).send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({ name: 'InvalidClientTokenId', $metadata: { httpStatusCode: 403 } });
  });

  it('refuses credentials once they expire on the emulator clock', async () => {
    const out = await sts().send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'short', DurationSeconds: 900 }));
    expect(out.Credentials!.Expiration!.getTime()).toBe(clock.now() + 900_000);
    await sts(asClient(out.Credentials!)).send(new GetCallerIdentityCommand({}));
    clock.advance(900_000);
    // ExpiredToken (not InvalidClientTokenId), the code on which SDKs refresh credentials — on every service.
    const expired = { name: 'ExpiredToken', message: 'The security token included in the request is expired', $metadata: { httpStatusCode: 400 } };
    await expect(sts(asClient(out.Credentials!)).send(new GetCallerIdentityCommand({}))).rejects.toMatchObject(expired);
    const sqs = new SQSClient({ endpoint: emulator().endpoint, region: 'us-east-1', credentials: asClient(out.Credentials!), maxAttempts: 1 });
    await expect(sqs.send(new ListQueuesCommand({}))).rejects.toMatchObject({ name: 'ExpiredToken', $metadata: { httpStatusCode: 400 } });
  });

  it('AssumeRoleWithWebIdentity reads the token claims (GitHub Actions OIDC) and refuses what is not a JWT', async () => {
    const token = jwt({ iss: 'https://token.actions.githubusercontent.com', sub: 'repo:acme/pipeline:ref:refs/heads/main', aud: 'sts.amazonaws.com' });
    const out = await sts().send(new AssumeRoleWithWebIdentityCommand({ RoleArn: ROLE, RoleSessionName: 'gha', WebIdentityToken: token }));
    expect(out).toMatchObject({
      SubjectFromWebIdentityToken: 'repo:acme/pipeline:ref:refs/heads/main',
      Audience: 'sts.amazonaws.com',
      Provider: 'token.actions.githubusercontent.com',
      AssumedRoleUser: { Arn: 'arn:aws:sts::000000000000:assumed-role/deployer/gha' },
    });
    expect((await sts(asClient(out.Credentials!)).send(new GetCallerIdentityCommand({}))).Arn).toBe('arn:aws:sts::000000000000:assumed-role/deployer/gha');
    await expect(sts().send(new AssumeRoleWithWebIdentityCommand({ RoleArn: ROLE, RoleSessionName: 'gha', WebIdentityToken: 'not-a-jwt' }))).rejects.toMatchObject({
      name: 'InvalidIdentityTokenException',
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('GetSessionToken keeps the caller identity; GetFederationToken names a federated user; GetAccessKeyInfo gives the account', async () => {
    const session = await sts().send(new GetSessionTokenCommand({}));
    expect(session.Credentials!.Expiration!.getTime()).toBe(clock.now() + 43_200_000);
    expect((await sts(asClient(session.Credentials!)).send(new GetCallerIdentityCommand({}))).Arn).toBe('arn:aws:iam::000000000000:root');

    const fed = await sts().send(new GetFederationTokenCommand({ Name: 'alice' }));
    expect(fed.FederatedUser).toEqual({ FederatedUserId: '000000000000:alice', Arn: 'arn:aws:sts::000000000000:federated-user/alice' });
    expect((await sts(asClient(fed.Credentials!)).send(new GetCallerIdentityCommand({}))).Arn).toBe('arn:aws:sts::000000000000:federated-user/alice');
    await expect(sts().send(new GetFederationTokenCommand({ Name: 'a' }))).rejects.toMatchObject({ name: 'ValidationError' });
    await expect(sts().send(new GetSessionTokenCommand({ DurationSeconds: 200_000 }))).rejects.toMatchObject({ name: 'ValidationError', message: expect.stringMatching(/less than or equal to 129600/) });

    expect((await sts().send(new GetAccessKeyInfoCommand({ AccessKeyId: fed.Credentials!.AccessKeyId }))).Account).toBe('000000000000');
  });

  it('refuses GetSessionToken and GetFederationToken called with session credentials (AccessDenied, as AWS)', async () => {
    const role = asClient((await sts().send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'nested' }))).Credentials!);
    await expect(sts(role).send(new GetSessionTokenCommand({}))).rejects.toMatchObject({
      name: 'AccessDenied',
      message: 'Cannot call GetSessionToken with session credentials',
      $metadata: { httpStatusCode: 403 },
    });
    await expect(sts(role).send(new GetFederationTokenCommand({ Name: 'bob' }))).rejects.toMatchObject({
      name: 'AccessDenied',
      message: 'Cannot call GetFederationToken with session credentials',
      $metadata: { httpStatusCode: 403 },
    });
    const session = asClient((await sts().send(new GetSessionTokenCommand({}))).Credentials!);
    await expect(sts(session).send(new GetSessionTokenCommand({}))).rejects.toMatchObject({ name: 'AccessDenied' });
  });

  it('forgets issued credentials on reset', async () => {
    const emu = await startEmulator({ port: 0, log: () => {} });
    try {
      const anyKey = { accessKeyId: 'test', secretAccessKey: 'test' };
      const out = await sts(anyKey, emu).send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'before-reset' }));
      expect((await sts(asClient(out.Credentials!), emu).send(new GetCallerIdentityCommand({}))).Arn).toMatch(/assumed-role/);
      await emu.reset();
      // Without signature checks an unknown key is just a caller of the account.
      expect((await sts(asClient(out.Credentials!), emu).send(new GetCallerIdentityCommand({}))).Arn).toBe('arn:aws:iam::000000000000:root');
    } finally {
      await emu.stop();
    }
  });
});
