import { constraintViolation } from '../core/errors';
import { noSuchEntity, type IamState } from './model';
import { page } from './paging';

const ALIAS = /^[a-z0-9](([a-z0-9]|-(?!-))*[a-z0-9])?$/;

function checkAlias(alias: string | undefined): string {
  if (alias === undefined) throw constraintViolation('ValidationError', 'accountAlias', alias, 'Member must not be null');
  if (alias.length < 3 || alias.length > 63 || !ALIAS.test(alias)) {
    throw constraintViolation('ValidationError', 'accountAlias', alias, 'Member must satisfy regular expression pattern: ^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$');
  }
  return alias;
}

/** IAM's default quotas, as GetAccountSummary reports them. */
const QUOTAS = {
  UsersQuota: 5000,
  GroupsQuota: 300,
  RolesQuota: 1000,
  PoliciesQuota: 1500,
  InstanceProfilesQuota: 1000,
  ServerCertificatesQuota: 20,
  AccessKeysPerUserQuota: 2,
  SigningCertificatesPerUserQuota: 2,
  GroupsPerUserQuota: 10,
  AttachedPoliciesPerUserQuota: 10,
  AttachedPoliciesPerGroupQuota: 10,
  AttachedPoliciesPerRoleQuota: 10,
  UserPolicySizeQuota: 2048,
  GroupPolicySizeQuota: 5120,
  RolePolicySizeQuota: 10240,
  AssumeRolePolicySizeQuota: 2048,
  PolicySizeQuota: 6144,
  PolicyVersionsInUseQuota: 10000,
  VersionsPerPolicyQuota: 5,
};

/** The account alias (an account has at most one: a new one replaces it) and the account summary. */
export function accountOperations(state: IamState) {
  const alias = () => state.account.get('alias') as string | undefined;
  return {
    CreateAccountAlias(input: any) {
      state.account.set('alias', checkAlias(input.AccountAlias));
      return {};
    },
    DeleteAccountAlias(input: any) {
      if (alias() === undefined || alias() !== input.AccountAlias) throw noSuchEntity(`The account alias ${input.AccountAlias} cannot be found.`);
      state.account.delete('alias');
      return {};
    },
    ListAccountAliases(input: any) {
      const current = alias();
      const { items, ...rest } = page(current === undefined ? [] : [current], input);
      return { AccountAliases: items, ...rest };
    },
    GetAccountSummary() {
      const policies = [...state.policies.values()];
      const holders = [...state.roles.values(), ...state.users.values(), ...state.groups.values()];
      return {
        SummaryMap: {
          Users: state.users.size,
          Groups: state.groups.size,
          Roles: state.roles.size,
          Policies: policies.length,
          InstanceProfiles: state.instanceProfiles.size,
          ServerCertificates: state.serverCertificates.size,
          Providers: state.oidcProviders.size + state.samlProviders.size,
          MFADevices: state.mfaDevices.size,
          MFADevicesInUse: [...state.mfaDevices.values()].filter((d) => d.userId !== undefined).length,
          AccountMFAEnabled: 0,
          AccountAccessKeysPresent: 0,
          AccountSigningCertificatesPresent: 0,
          PolicyVersionsInUse: holders.reduce((n, h) => n + [...h.attached.keys()].filter((arn) => state.policies.has(arn)).length, 0),
          GlobalEndpointTokenVersion: 1,
          ...QUOTAS,
        },
      };
    },
  };
}
