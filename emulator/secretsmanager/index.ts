import { persistedMaps } from '../core/persist-whole';
import type { ServiceDeps } from '../core/service';
import { describeOperations } from './describe';
import { lifecycleOperations } from './lifecycle';
import { managedSecrets } from './managed';
import { GetRandomPassword } from './password';
import { policyOperations } from './policy';
import { rotationOperations } from './rotation';
import { SecretStore } from './secrets';
import { valueOperations } from './values';

/**
 * Secrets Manager: secrets with versions and staging labels (AWSCURRENT / AWSPREVIOUS / AWSPENDING), idempotent
 * ClientRequestTokens, lookup by name, ARN or partial ARN, deletion with a recovery window, tags, resource
 * policies, and rotation through the rotation function, on request (RotateSecret) and on schedule (RotationRules:
 * AutomaticallyAfterDays, rate() and cron(); see rotation.ts and schedule.ts).
 * Secrets other services manage (EventBridge connections' `events!connection/…`) are made through the delivery bus
 * and show OwningService; requests that would change them are refused (managed.ts).
 * Replication (ReplicateSecretToRegions, RemoveRegionsFromReplication, StopReplicationToReplica) is not
 * implemented: the protocol layer answers those as not implemented.
 *
 * Time comes from deps.clock (recovery windows end when the clock passes DeletionDate; checked on each request;
 * scheduled rotations run on clock timers). With dataDir, the secrets are kept across restarts (whole-map rewrite
 * after any request that may change them, and after a scheduled rotation starts; GetSecretValue counts, it moves
 * LastAccessedDate), and rotation schedules are re-armed from them.
 */
export function createSecretsManagerProvider(deps: ServiceDeps) {
  const store = new SecretStore(deps);
  const { secrets } = store;
  const saved = deps.options.dataDir ? persistedMaps({ secrets }, /^(Describe|List|Validate|GetResourcePolicy|GetRandomPassword)/) : undefined;
  // A rotation the schedule starts is a change no request made: it is noted for the next background write.
  const rotation = rotationOperations(store, () => saved?.touched?.('ScheduledRotation', {}, {}));
  // Another service's changes to the secrets it manages are noted at once: they are written with its request.
  const guardManaged = managedSecrets(store, () => saved?.touched?.('ManagedSecret', {}, {}));
  return {
    persistence: saved && {
      ...saved,
      async restore(entities: Map<string, unknown>) {
        await saved.restore(entities);
        rotation.rearm();
      },
    },
    reset() {
      secrets.clear();
      rotation.cancelAll();
    },
    close() {
      rotation.cancelAll();
    },
    GetRandomPassword,
    ...guardManaged({
      ...valueOperations(store),
      ...describeOperations(store),
      ...lifecycleOperations(store),
      ...policyOperations(store),
      ...rotation.operations,
    }),
  };
}
