import { persistedMaps } from '../core/persist-whole';
import type { ServiceDeps } from '../core/service';
import { instanceProfileOperations } from './instance-profiles';
import type { IamState } from './model';
import { policyOperations } from './policies';
import { roleOperations } from './roles';

/**
 * IAM as provisioning tools use it (scripts, Terraform, CDK): roles with their inline and attached policies,
 * customer managed policies with versions, instance profiles. Everything is stored and shown, never enforced.
 */
export function createIamProvider(deps: ServiceDeps) {
  const state: IamState = { deps, roles: new Map(), policies: new Map(), instanceProfiles: new Map() };
  const { roles, policies, instanceProfiles } = state;
  return {
    persistence: deps.options.dataDir ? persistedMaps({ roles, policies, instanceProfiles }, /^(Get|List)/) : undefined,
    reset() {
      roles.clear();
      policies.clear();
      instanceProfiles.clear();
    },
    ...roleOperations(state),
    ...policyOperations(state),
    ...instanceProfileOperations(state),
  };
}
