import type { RequestContext } from '../core/context';
import { rewrittenWhole } from '../core/persist-whole';
import type { ServiceDeps } from '../core/service';
import { describeOperations } from './describe';
import { lifecycleOperations } from './lifecycle';
import { answerManagedSecrets, guardManaged } from './managed';
import { GetRandomPassword } from './password';
import { policyOperations } from './policy';
import { replication } from './replication';
import { rotationOperations } from './rotation';
import { SecretStore, type Secret } from './secrets';
import { valueOperations } from './values';

/**
 * Secrets Manager: secrets with versions and staging labels (AWSCURRENT / AWSPREVIOUS / AWSPENDING), idempotent
 * ClientRequestTokens, lookup by name, ARN or partial ARN, deletion with a recovery window, tags, resource
 * policies, and rotation through the rotation function, on request (RotateSecret) and on schedule (RotationRules:
 * AutomaticallyAfterDays, rate() and cron(); see rotation.ts and schedule.ts).
 * Each Region has its own secrets (the request's Region, from its credential scope); replication
 * (CreateSecret's AddReplicaRegions, ReplicateSecretToRegions, RemoveRegionsFromReplication,
 * StopReplicationToReplica) keeps read-only copies in other Regions (replication.ts).
 * Secrets other services manage (EventBridge connections' `events!connection/…`) are made through the delivery bus,
 * in the Region of the resource they belong to, and show OwningService; requests that would change them are
 * refused (managed.ts).
 *
 * Time comes from deps.clock (recovery windows end when the clock passes DeletionDate; checked on each request;
 * scheduled rotations run on clock timers). With dataDir, the secrets are kept across restarts (whole-map rewrite
 * after any request that may change them, and after a scheduled rotation starts; GetSecretValue counts, it moves
 * LastAccessedDate): the default Region's as `secrets`, another Region's as `secrets@<region>`; rotation
 * schedules are re-armed from them.
 */

type Operation = (input: any, ctx?: RequestContext) => any;

interface Regional {
  store: SecretStore;
  rotation: ReturnType<typeof rotationOperations>;
  operations: Record<string, Operation>;
}

const UNCHANGING = /^(Describe|List|Validate|GetResourcePolicy|GetRandomPassword)/;

export function createSecretsManagerProvider(deps: ServiceDeps) {
  const home = deps.options.region;
  const regions = new Map<string, Regional>();
  const entityKey = (region: string) => (region === home ? 'secrets' : `secrets@${region}`);
  const regionOf = (key: string) => (key === 'secrets' ? home : key.startsWith('secrets@') ? key.slice('secrets@'.length) : undefined);

  const saved = deps.options.dataDir
    ? rewrittenWhole(
        UNCHANGING,
        () => [...regions].map(([region, r]): [string, unknown] => [entityKey(region), r.store.secrets]),
        (entities) => {
          for (const [key, value] of entities) {
            const region = regionOf(key);
            if (region === undefined || !(value instanceof Map)) continue;
            const { store } = regional(region);
            store.secrets.clear();
            for (const [name, s] of value as Map<string, Secret>) store.secrets.set(name, s);
          }
          for (const r of regions.values()) r.rotation.rearm();
        },
      )
    : undefined;
  // Changes no request made (a scheduled rotation, another service's managed secret) are noted for the next write.
  const changedInBackground = (why: string) => () => saved?.touched?.(why, {}, {});

  function regional(region: string): Regional {
    const known = regions.get(region);
    if (known) return known;
    const store = new SecretStore(deps, region);
    store.inRegion = (other) => regional(other).store;
    const rotation = rotationOperations(store, changedInBackground('ScheduledRotation'));
    const replicas = replication(store);
    const ops: Record<string, Operation> = guardManaged(store)({
      ...valueOperations(store),
      ...describeOperations(store),
      ...lifecycleOperations(store),
      ...policyOperations(store),
      ...rotation.operations,
      ReplicateSecretToRegions: replicas.ReplicateSecretToRegions,
      RemoveRegionsFromReplication: replicas.RemoveRegionsFromReplication,
      StopReplicationToReplica: replicas.StopReplicationToReplica,
    });
    const operations: Record<string, Operation> = {};
    for (const [name, op] of Object.entries(ops)) {
      operations[name] = (input, ctx) => {
        replicas.guard(name, input);
        return name === 'CreateSecret' ? replicas.CreateSecret(input, () => op(input, ctx)) : op(input, ctx);
      };
    }
    const r: Regional = { store, rotation, operations };
    regions.set(region, r);
    return r;
  }

  // Other services' secrets (managed.ts) live in the Region of what they belong to.
  answerManagedSecrets(deps.bus, (region) => regional(region ?? home).store, changedInBackground('ManagedSecret'));

  // The provider's operations: each request goes to its Region's.
  const operations: Record<string, Operation> = {};
  for (const name of Object.keys(regional(home).operations)) {
    operations[name] = (input, ctx) => regional(ctx?.region ?? home).operations[name]!(input, ctx);
  }

  return {
    persistence: saved,
    reset() {
      for (const r of regions.values()) {
        r.store.secrets.clear();
        r.rotation.cancelAll();
      }
      for (const region of regions.keys()) if (region !== home) regions.delete(region);
    },
    close() {
      for (const r of regions.values()) r.rotation.cancelAll();
    },
    GetRandomPassword,
    ...operations,
  };
}
