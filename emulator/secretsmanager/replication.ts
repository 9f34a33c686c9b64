import type * as SM from '@aws-sdk/client-secrets-manager';
import { AwsError } from '../core/errors';
import { invalidParameter, required } from './errors';
import { CHANGING } from './managed';
import type { Replica, Secret, SecretStore } from './secrets';

/**
 * Multi-Region secrets. A replica is a secret of the same name in another Region's store, with the primary's ARN
 * suffix and `primaryRegion` set: readable there (GetSecretValue, DescribeSecret, ListSecrets) and copied again
 * from the primary whenever the primary changes (its versions and labels, description, tags and resource
 * policy; not its KMS key, which each replica has its own of). Replication happens before the request answers,
 * so a replica is InSync at once. A replica cannot be changed on its own (InvalidParameterException, as AWS
 * answers) except for its KMS key, and StopReplicationToReplica makes it a standalone secret. A primary with
 * replicas cannot be deleted until they are removed.
 */

const REGION = /^([a-z]+-)+\d+$/;
const DEFAULT_KMS = 'alias/aws/secretsmanager';

const replicaRefused = () => invalidParameter("Operation not permitted on a replica secret. Call must be made in primary secret's region.");

/** DescribeSecret's and the replication operations' ReplicationStatus. */
export function replicationStatus(store: SecretStore, s: Secret): SM.ReplicationStatusType[] {
  return (s.replicas ?? []).map((r) => {
    const replica = r.status === 'InSync' ? store.inRegion(r.region).secrets.get(s.name) : undefined;
    return {
      Region: r.region,
      KmsKeyId: r.kmsKeyId ?? DEFAULT_KMS,
      Status: r.status,
      StatusMessage: r.statusMessage,
      ...(replica?.lastAccessed !== undefined ? { LastAccessedDate: new Date(replica.lastAccessed) } : {}),
    };
  });
}

/** `arn:aws:secretsmanager:<primary region>:…:secret:name-AbCdEf` in another Region: replicas keep the suffix. */
const arnIn = (arn: string, region: string): string => arn.split(':').map((part, i) => (i === 3 ? region : part)).join(':');

function checkRegions(store: SecretStore, regions: SM.ReplicaRegionType[] | undefined): SM.ReplicaRegionType[] {
  const list = required(regions, 'addReplicaRegions');
  if (list.length < 1) throw invalidParameter('You must specify at least one replica Region.');
  const seen = new Set<string>();
  for (const r of list) {
    const region = required(r.Region, 'addReplicaRegions.member.region');
    if (!REGION.test(region) || region.length > 128) throw invalidParameter(`Invalid replica region: ${region}.`);
    if (region === store.region) throw invalidParameter(`Invalid replica region: ${region} is the primary secret's Region.`);
    if (seen.has(region)) throw invalidParameter(`Duplicate replica region: ${region}.`);
    seen.add(region);
  }
  return list;
}

/** The replica's copy of what the primary holds (versions are copied, so later changes do not leak between them). */
function copyFrom(replica: Secret, primary: Secret): void {
  replica.versions = new Map([...primary.versions].map(([id, v]) => [id, { ...v, stages: [...v.stages] }]));
  replica.description = primary.description;
  replica.tags = primary.tags.map((t) => ({ ...t }));
  replica.policy = primary.policy;
  replica.lastChanged = primary.lastChanged;
}

export function replication(store: SecretStore) {
  /** Brings each replica up to date with its primary (after any change the store is told of). */
  function sync(primary: Secret): void {
    for (const r of primary.replicas ?? []) {
      if (r.status !== 'InSync') continue;
      const replica = store.inRegion(r.region).secrets.get(primary.name);
      if (replica?.primaryRegion === store.region) copyFrom(replica, primary);
    }
  }
  store.watch((s) => {
    if (s.replicas?.length && store.secrets.get(s.name) === s) sync(s);
  });

  function replicate(primary: Secret, regions: SM.ReplicaRegionType[], force: boolean): void {
    const replicas = (primary.replicas ??= []);
    for (const { Region, KmsKeyId } of regions) {
      const region = Region!;
      const target = store.inRegion(region);
      const existing = target.find(primary.name);
      const known = replicas.find((r) => r.region === region);
      const entry: Replica = known ?? { region, status: 'InSync', statusMessage: '' };
      if (KmsKeyId !== undefined) entry.kmsKeyId = KmsKeyId;
      if (!known) replicas.push(entry);
      const ours = existing?.primaryRegion === store.region && existing.name === primary.name;
      if (existing && !ours && !force) {
        entry.status = 'Failed';
        entry.statusMessage = `Replication failed: Secret name already exists in region ${region}.`;
        continue;
      }
      if (existing && !ours) target.remove(existing);
      const now = store.now();
      const replica: Secret = ours
        ? existing!
        : { name: primary.name, arn: arnIn(primary.arn, region), tags: [], created: now, lastChanged: now, versions: new Map(), primaryRegion: store.region };
      replica.kmsKeyId = entry.kmsKeyId;
      copyFrom(replica, primary);
      target.secrets.set(replica.name, replica);
      target.changed(replica);
      entry.status = 'InSync';
      entry.statusMessage = 'Replication succeeded';
    }
  }

  const answer = (s: Secret) => ({ ARN: s.arn, ReplicationStatus: replicationStatus(store, s) });

  /**
   * Requests that would change a replica are refused (all but UpdateSecret of its KMS key alone), and so is
   * deleting a primary that still has replicas.
   */
  function guard(operation: string, input: any): void {
    if (!CHANGING.includes(operation) && operation !== 'ReplicateSecretToRegions' && operation !== 'RemoveRegionsFromReplication') return;
    const s = typeof input?.SecretId === 'string' ? store.find(input.SecretId) : undefined;
    if (!s) return;
    if (s.primaryRegion) {
      // The SDKs fill in ClientRequestToken on every UpdateSecret.
      const keyOnly = operation === 'UpdateSecret' && Object.keys(input).every((k) => ['SecretId', 'KmsKeyId', 'ClientRequestToken'].includes(k));
      if (!keyOnly) throw replicaRefused();
    }
    if (operation === 'DeleteSecret' && s.replicas?.length) {
      throw invalidParameter(`You can't delete secret ${s.arn} that still has replica regions [${s.replicas.map((r) => r.region).join(', ')}].`);
    }
  }

  return {
    guard,

    /** CreateSecret with AddReplicaRegions: the Regions are checked first, replicated once the secret exists. */
    CreateSecret(input: SM.CreateSecretCommandInput, create: () => SM.CreateSecretResponse): SM.CreateSecretResponse {
      if (input.AddReplicaRegions === undefined) return create();
      const regions = checkRegions(store, input.AddReplicaRegions);
      const out = create();
      const s = store.get(out.Name!);
      replicate(s, regions, Boolean(input.ForceOverwriteReplicaSecret));
      return { ...out, ReplicationStatus: replicationStatus(store, s) };
    },

    ReplicateSecretToRegions(input: SM.ReplicateSecretToRegionsCommandInput): SM.ReplicateSecretToRegionsResponse {
      const s = store.get(required(input.SecretId, 'secretId'));
      replicate(s, checkRegions(store, input.AddReplicaRegions), Boolean(input.ForceOverwriteReplicaSecret));
      store.changed(s);
      return answer(s);
    },

    RemoveRegionsFromReplication(input: SM.RemoveRegionsFromReplicationCommandInput): SM.RemoveRegionsFromReplicationResponse {
      const s = store.get(required(input.SecretId, 'secretId'));
      const regions = required(input.RemoveReplicaRegions, 'removeReplicaRegions');
      if (regions.length < 1) throw invalidParameter('You must specify at least one replica Region to remove.');
      for (const region of regions) {
        if (!s.replicas?.some((r) => r.region === region)) throw invalidParameter(`The secret is not replicated to region ${region}.`);
      }
      for (const region of regions) {
        s.replicas = s.replicas!.filter((r) => r.region !== region);
        const target = store.inRegion(region);
        const replica = target.secrets.get(s.name);
        if (replica?.primaryRegion === store.region) target.remove(replica);
      }
      if (!s.replicas?.length) s.replicas = undefined;
      store.changed(s);
      return answer(s);
    },

    /** Called in the replica's Region: the replica becomes a standalone secret, and the primary forgets it. */
    StopReplicationToReplica(input: SM.StopReplicationToReplicaCommandInput): SM.StopReplicationToReplicaResponse {
      const s = store.get(required(input.SecretId, 'secretId'));
      if (!s.primaryRegion) {
        throw new AwsError('InvalidRequestException', 'StopReplicationToReplica must be called in the Region of a replica secret, on that replica.', 400);
      }
      const home = store.inRegion(s.primaryRegion);
      const primary = home.secrets.get(s.name);
      if (primary?.replicas) {
        primary.replicas = primary.replicas.filter((r) => r.region !== store.region);
        if (!primary.replicas.length) primary.replicas = undefined;
        home.changed(primary);
      }
      s.primaryRegion = undefined;
      store.changed(s);
      return { ARN: s.arn };
    },
  };
}
