import { persistedMaps } from '../core/persist-whole';
import type { ServiceDeps } from '../core/service';
import { describeOperations } from './describe';
import { lifecycleOperations } from './lifecycle';
import { GetRandomPassword } from './password';
import { policyOperations } from './policy';
import { rotationOperations } from './rotation';
import { SecretStore } from './secrets';
import { valueOperations } from './values';

/**
 * Secrets Manager: secrets with versions and staging labels (AWSCURRENT / AWSPREVIOUS / AWSPENDING), idempotent
 * ClientRequestTokens, lookup by name, ARN or partial ARN, deletion with a recovery window, tags, resource
 * policies, and rotation as far as AWS goes before it calls the function (see rotation.ts for what is not run).
 * Replication (ReplicateSecretToRegions, RemoveRegionsFromReplication, StopReplicationToReplica) is not
 * implemented: the protocol layer answers those as not implemented.
 *
 * Time comes from deps.clock (recovery windows end when the clock passes DeletionDate; checked on each request).
 * With dataDir, the secrets are kept across restarts (whole-map rewrite after any request that may change them;
 * GetSecretValue counts, it moves LastAccessedDate).
 */
export function createSecretsManagerProvider(deps: ServiceDeps) {
  const store = new SecretStore(deps);
  const { secrets } = store;
  return {
    persistence: deps.options.dataDir ? persistedMaps({ secrets }, /^(Describe|List|Validate|GetResourcePolicy|GetRandomPassword)/) : undefined,
    reset() {
      secrets.clear();
    },
    GetRandomPassword,
    ...valueOperations(store),
    ...describeOperations(store),
    ...lifecycleOperations(store),
    ...policyOperations(store),
    ...rotationOperations(store),
  };
}
