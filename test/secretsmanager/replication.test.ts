import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  PutSecretValueCommand,
  RemoveRegionsFromReplicationCommand,
  ReplicateSecretToRegionsCommand,
  SecretsManagerClient,
  StopReplicationToReplicaCommand,
  TagResourceCommand,
  UpdateSecretCommand,
} from '@aws-sdk/client-secrets-manager';
import { clientConfig, usePersistentEmulator } from '../helpers/emulator';

/**
 * Multi-Region secrets: each Region (the client's) has its own secrets; a replica is a secret of the same name in
 * another Region, readable there, kept in step with its primary, refused any change of its own, and made
 * standalone by StopReplicationToReplica.
 */
const { emulator, restart } = usePersistentEmulator('sm-replication');
const clients = new Map<string, SecretsManagerClient>();
const sm = (region = 'us-east-1') => {
  let c = clients.get(region);
  if (!c) clients.set(region, (c = new SecretsManagerClient({ ...clientConfig(emulator()), region, maxAttempts: 1 })));
  return c;
};
const dropClients = () => {
  for (const c of clients.values()) c.destroy();
  clients.clear();
};
afterAll(dropClients);

async function rejection(p: Promise<unknown>): Promise<any> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected the call to fail');
}

const value = async (name: string, region: string) => (await sm(region).send(new GetSecretValueCommand({ SecretId: name }))).SecretString;

describe('replication', () => {
  it('Regions are separate: a secret made in one is not found in another', async () => {
    await sm().send(new CreateSecretCommand({ Name: 'only-east', SecretString: 'x' }));
    expect((await rejection(sm('eu-west-1').send(new GetSecretValueCommand({ SecretId: 'only-east' })))).name).toBe('ResourceNotFoundException');
  });

  it('CreateSecret with AddReplicaRegions makes readable replicas with the same name and suffix, kept in sync', async () => {
    const created = await sm().send(
      new CreateSecretCommand({ Name: 'db/creds', SecretString: 'v1', AddReplicaRegions: [{ Region: 'eu-west-1' }, { Region: 'ap-south-1', KmsKeyId: 'alias/mine' }] }),
    );
    expect(created.ReplicationStatus).toEqual([
      expect.objectContaining({ Region: 'eu-west-1', Status: 'InSync', KmsKeyId: 'alias/aws/secretsmanager' }),
      expect.objectContaining({ Region: 'ap-south-1', Status: 'InSync', KmsKeyId: 'alias/mine' }),
    ]);
    const replicaArn = created.ARN!.replace(':us-east-1:', ':eu-west-1:');
    const got = await sm('eu-west-1').send(new GetSecretValueCommand({ SecretId: replicaArn }));
    expect(got).toMatchObject({ Name: 'db/creds', SecretString: 'v1', ARN: replicaArn, VersionStages: ['AWSCURRENT'] });

    const primary = await sm().send(new DescribeSecretCommand({ SecretId: 'db/creds' }));
    expect(primary.PrimaryRegion).toBe('us-east-1');
    expect(primary.ReplicationStatus!.map((r) => r.Region)).toEqual(['eu-west-1', 'ap-south-1']);
    const replica = await sm('eu-west-1').send(new DescribeSecretCommand({ SecretId: 'db/creds' }));
    expect(replica.PrimaryRegion).toBe('us-east-1');
    expect(replica.ReplicationStatus).toBeUndefined();
    expect((await sm('eu-west-1').send(new ListSecretsCommand({}))).SecretList!.map((s) => s.Name)).toContain('db/creds');

    // The primary's new value, description and tags reach every replica.
    const put = await sm().send(new PutSecretValueCommand({ SecretId: 'db/creds', SecretString: 'v2' }));
    await sm().send(new UpdateSecretCommand({ SecretId: 'db/creds', Description: 'rotated by hand' }));
    await sm().send(new TagResourceCommand({ SecretId: 'db/creds', Tags: [{ Key: 'team', Value: 'data' }] }));
    expect(await value('db/creds', 'ap-south-1')).toBe('v2');
    const synced = await sm('eu-west-1').send(new DescribeSecretCommand({ SecretId: 'db/creds' }));
    expect(synced).toMatchObject({ Description: 'rotated by hand', Tags: [{ Key: 'team', Value: 'data' }] });
    expect(synced.VersionIdsToStages![put.VersionId!]).toEqual(['AWSCURRENT']);
  });

  it('a replica refuses changes of its own; the primary cannot be deleted while it has replicas', async () => {
    await sm().send(new CreateSecretCommand({ Name: 'ro', SecretString: 'a', AddReplicaRegions: [{ Region: 'eu-west-1' }] }));
    for (const attempt of [
      sm('eu-west-1').send(new PutSecretValueCommand({ SecretId: 'ro', SecretString: 'b' })),
      sm('eu-west-1').send(new UpdateSecretCommand({ SecretId: 'ro', Description: 'mine' })),
      sm('eu-west-1').send(new DeleteSecretCommand({ SecretId: 'ro', ForceDeleteWithoutRecovery: true })),
      sm('eu-west-1').send(new ReplicateSecretToRegionsCommand({ SecretId: 'ro', AddReplicaRegions: [{ Region: 'us-west-2' }] })),
    ]) {
      const e = await rejection(attempt);
      expect(e.name).toBe('InvalidParameterException');
      expect(e.message).toMatch(/replica secret/);
    }
    // Its own KMS key is the one thing a replica may change.
    await sm('eu-west-1').send(new UpdateSecretCommand({ SecretId: 'ro', KmsKeyId: 'alias/eu-key' }));
    expect(await value('ro', 'eu-west-1')).toBe('a');

    const del = await rejection(sm().send(new DeleteSecretCommand({ SecretId: 'ro' })));
    expect(del.name).toBe('InvalidParameterException');
    expect(del.message).toMatch(/still has replica regions \[eu-west-1\]/);
  });

  it('ReplicateSecretToRegions adds Regions; a name taken there fails unless ForceOverwriteReplicaSecret', async () => {
    await sm().send(new CreateSecretCommand({ Name: 'later', SecretString: 'primary' }));
    await sm('us-west-2').send(new CreateSecretCommand({ Name: 'later', SecretString: 'local' }));
    const failed = await sm().send(new ReplicateSecretToRegionsCommand({ SecretId: 'later', AddReplicaRegions: [{ Region: 'us-west-2' }, { Region: 'eu-central-1' }] }));
    expect(failed.ReplicationStatus).toEqual([
      expect.objectContaining({ Region: 'us-west-2', Status: 'Failed' }),
      expect.objectContaining({ Region: 'eu-central-1', Status: 'InSync' }),
    ]);
    expect(await value('later', 'us-west-2')).toBe('local');

    const forced = await sm().send(new ReplicateSecretToRegionsCommand({ SecretId: 'later', AddReplicaRegions: [{ Region: 'us-west-2' }], ForceOverwriteReplicaSecret: true }));
    expect(forced.ReplicationStatus!.find((r) => r.Region === 'us-west-2')!.Status).toBe('InSync');
    expect(await value('later', 'us-west-2')).toBe('primary');

    const own = await rejection(sm().send(new ReplicateSecretToRegionsCommand({ SecretId: 'later', AddReplicaRegions: [{ Region: 'us-east-1' }] })));
    expect(own.name).toBe('InvalidParameterException');
  });

  it('RemoveRegionsFromReplication deletes the replica; then the primary can be deleted', async () => {
    await sm().send(new CreateSecretCommand({ Name: 'shrink', SecretString: 'a', AddReplicaRegions: [{ Region: 'eu-west-1' }, { Region: 'eu-west-2' }] }));
    const out = await sm().send(new RemoveRegionsFromReplicationCommand({ SecretId: 'shrink', RemoveReplicaRegions: ['eu-west-1'] }));
    expect(out.ReplicationStatus!.map((r) => r.Region)).toEqual(['eu-west-2']);
    expect((await rejection(sm('eu-west-1').send(new GetSecretValueCommand({ SecretId: 'shrink' })))).name).toBe('ResourceNotFoundException');
    expect(await value('shrink', 'eu-west-2')).toBe('a');
    await sm().send(new RemoveRegionsFromReplicationCommand({ SecretId: 'shrink', RemoveReplicaRegions: ['eu-west-2'] }));
    expect((await sm().send(new DescribeSecretCommand({ SecretId: 'shrink' }))).ReplicationStatus).toBeUndefined();
    await sm().send(new DeleteSecretCommand({ SecretId: 'shrink', ForceDeleteWithoutRecovery: true }));
  });

  it('StopReplicationToReplica makes the replica standalone: writable, no longer synced, gone from the primary', async () => {
    await sm().send(new CreateSecretCommand({ Name: 'promote', SecretString: 'a', AddReplicaRegions: [{ Region: 'eu-west-1' }] }));
    expect((await rejection(sm().send(new StopReplicationToReplicaCommand({ SecretId: 'promote' })))).name).toBe('InvalidRequestException');
    const stopped = await sm('eu-west-1').send(new StopReplicationToReplicaCommand({ SecretId: 'promote' }));
    expect(stopped.ARN).toContain(':eu-west-1:');
    expect((await sm().send(new DescribeSecretCommand({ SecretId: 'promote' }))).ReplicationStatus).toBeUndefined();
    expect((await sm('eu-west-1').send(new DescribeSecretCommand({ SecretId: 'promote' }))).PrimaryRegion).toBe('eu-west-1');
    await sm('eu-west-1').send(new PutSecretValueCommand({ SecretId: 'promote', SecretString: 'own' }));
    await sm().send(new PutSecretValueCommand({ SecretId: 'promote', SecretString: 'primary only' }));
    expect(await value('promote', 'eu-west-1')).toBe('own');
  });
});

describe('with --data-dir', () => {
  it('secrets in every Region, replicas and their link to the primary survive a restart', async () => {
    await sm().send(new CreateSecretCommand({ Name: 'kept', SecretString: 'one', AddReplicaRegions: [{ Region: 'sa-east-1' }] }));
    await sm('ca-central-1').send(new CreateSecretCommand({ Name: 'kept-local', SecretString: 'ca' }));

    dropClients();
    await restart();

    expect(await value('kept', 'sa-east-1')).toBe('one');
    expect(await value('kept-local', 'ca-central-1')).toBe('ca');
    expect((await sm().send(new DescribeSecretCommand({ SecretId: 'kept' }))).ReplicationStatus!.map((r) => r.Region)).toEqual(['sa-east-1']);
    // Still linked: the primary's new value reaches the replica, which still refuses its own.
    await sm().send(new PutSecretValueCommand({ SecretId: 'kept', SecretString: 'two' }));
    expect(await value('kept', 'sa-east-1')).toBe('two');
    expect((await rejection(sm('sa-east-1').send(new PutSecretValueCommand({ SecretId: 'kept', SecretString: 'x' })))).name).toBe('InvalidParameterException');
  });

  it('reset forgets the secrets of every Region', async () => {
    await sm('eu-north-1').send(new CreateSecretCommand({ Name: 'gone', SecretString: 'x' }));
    await emulator().reset();
    expect((await sm('eu-north-1').send(new ListSecretsCommand({}))).SecretList).toEqual([]);
    expect((await sm().send(new ListSecretsCommand({}))).SecretList).toEqual([]);
  });
});
