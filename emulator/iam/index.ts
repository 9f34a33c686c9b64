import { persistedMaps } from '../core/persist-whole';
import type { ServiceDeps } from '../core/service';
import { accountOperations } from './account';
import { certificateOperations } from './certificates';
import { accessKeyCredentials, accessKeyOperations, type KeyIdentity } from './access-keys';
import { groupOperations } from './groups';
import { instanceProfileOperations } from './instance-profiles';
import { loginProfileOperations } from './login-profiles';
import { mfaDeviceOperations } from './mfa-devices';
import type { IamState } from './model';
import { oidcProviderOperations } from './oidc-providers';
import { passwordPolicyOperations } from './password-policy';
import { policyOperations } from './policies';
import { policySimulatorOperations } from './policy-simulator';
import { roleOperations } from './roles';
import { samlProviderOperations } from './saml-providers';
import { serviceLinkedRoleOperations } from './service-linked-roles';
import { sshKeyOperations } from './ssh-keys';
import { userOperations } from './users';

/** What `bus.ask('iam.accessKeyIdentity', { accessKeyId })` answers: the user behind an Active key, if any. */
export type AccessKeyIdentityAnswer = KeyIdentity | undefined;

/**
 * IAM as provisioning tools use it (scripts, Terraform, CDK): roles, users and groups with their inline and
 * attached policies, customer managed policies with versions, instance profiles, users' access keys and login profiles, the
 * account's alias and password policy. Everything
 * is stored and shown, never enforced; but an Active access key signs requests as the configured keys do.
 */
export function createIamProvider(deps: ServiceDeps) {
  const state: IamState = {
    deps,
    roles: new Map(),
    policies: new Map(),
    instanceProfiles: new Map(),
    users: new Map(),
    groups: new Map(),
    accessKeys: new Map(),
    account: new Map(),
    oidcProviders: new Map(),
    samlProviders: new Map(),
    deletionTasks: new Map(),
    mfaDevices: new Map(),
    sshPublicKeys: new Map(),
    serverCertificates: new Map(),
    signingCertificates: new Map(),
  };
  const { roles, policies, instanceProfiles, users, groups, accessKeys, account } = state;
  const { oidcProviders, samlProviders, deletionTasks, mfaDevices, sshPublicKeys, serverCertificates, signingCertificates } = state;
  const credentials = accessKeyCredentials(state);
  deps.bus.answer<{ accessKeyId: string }, AccessKeyIdentityAnswer>('iam.accessKeyIdentity', async ({ accessKeyId }) => credentials.identityFor(accessKeyId));
  const maps = {
    ...{ roles, policies, instanceProfiles, users, groups, accessKeys, account },
    ...{ oidcProviders, samlProviders, deletionTasks, mfaDevices, sshPublicKeys, serverCertificates, signingCertificates },
  };
  return {
    persistence: deps.options.dataDir ? persistedMaps(maps, /^(Get|List|Simulate)/) : undefined,
    reset() {
      for (const map of Object.values(maps)) map.clear();
    },
    /** For SigV4 verification (emulator/server.ts asks every provider that has one). */
    secretFor: credentials.secretFor,
    ...roleOperations(state),
    ...policyOperations(state),
    ...instanceProfileOperations(state),
    ...userOperations(state),
    ...groupOperations(state),
    ...accessKeyOperations(state),
    ...loginProfileOperations(state),
    ...passwordPolicyOperations(state),
    ...accountOperations(state),
    ...oidcProviderOperations(state),
    ...samlProviderOperations(state),
    ...serviceLinkedRoleOperations(state),
    ...policySimulatorOperations(state),
    ...mfaDeviceOperations(state),
    ...certificateOperations(state),
    ...sshKeyOperations(state),
  };
}
