import { AwsError, constraintViolation } from '../core/errors';
import type { RequestContext } from '../core/context';
import { noSuchEntity, type IamState } from './model';

export interface PasswordPolicy {
  MinimumPasswordLength: number;
  RequireSymbols: boolean;
  RequireNumbers: boolean;
  RequireUppercaseCharacters: boolean;
  RequireLowercaseCharacters: boolean;
  AllowUsersToChangePassword: boolean;
  ExpirePasswords: boolean;
  MaxPasswordAge?: number;
  PasswordReusePrevention?: number;
  HardExpiry?: boolean;
}

const KEY = 'passwordPolicy';

function inRange(field: string, value: number | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (value < min) throw constraintViolation('ValidationError', field, value, `Member must have value greater than or equal to ${min}`);
  if (value > max) throw constraintViolation('ValidationError', field, value, `Member must have value less than or equal to ${max}`);
  return value;
}

/** The policy in force, if one was set. */
const currentPolicy = (state: IamState) => state.account.get(KEY) as PasswordPolicy | undefined;

/** A new console password must satisfy the account's policy (when there is one). */
export function checkPassword(state: IamState, password: string | undefined): void {
  if (password === undefined) return;
  const policy = currentPolicy(state);
  if (!policy) return;
  const fails =
    password.length < policy.MinimumPasswordLength ||
    (policy.RequireSymbols && !/[^A-Za-z0-9]/.test(password)) ||
    (policy.RequireNumbers && !/\d/.test(password)) ||
    (policy.RequireUppercaseCharacters && !/[A-Z]/.test(password)) ||
    (policy.RequireLowercaseCharacters && !/[a-z]/.test(password));
  if (fails) throw new AwsError('PasswordPolicyViolation', 'Password does not conform to the account password policy.', 400);
}

/** The account password policy: unset until UpdateAccountPasswordPolicy, which replaces it whole (unset members take IAM's defaults). */
export function passwordPolicyOperations(state: IamState) {
  const missing = (ctx: RequestContext) => noSuchEntity(`The Password Policy with domain name ${ctx.accountId} cannot be found.`);
  return {
    UpdateAccountPasswordPolicy(input: any) {
      const maxAge = inRange('maxPasswordAge', input.MaxPasswordAge, 1, 1095);
      const policy: PasswordPolicy = {
        MinimumPasswordLength: inRange('minimumPasswordLength', input.MinimumPasswordLength, 6, 128) ?? 6,
        RequireSymbols: input.RequireSymbols === true,
        RequireNumbers: input.RequireNumbers === true,
        RequireUppercaseCharacters: input.RequireUppercaseCharacters === true,
        RequireLowercaseCharacters: input.RequireLowercaseCharacters === true,
        AllowUsersToChangePassword: input.AllowUsersToChangePassword === true,
        ExpirePasswords: maxAge !== undefined,
        MaxPasswordAge: maxAge,
        PasswordReusePrevention: inRange('passwordReusePrevention', input.PasswordReusePrevention, 1, 24),
        HardExpiry: input.HardExpiry === undefined ? undefined : input.HardExpiry === true,
      };
      state.account.set(KEY, policy);
      return {};
    },
    GetAccountPasswordPolicy(_input: unknown, ctx: RequestContext) {
      const policy = currentPolicy(state);
      if (!policy) throw missing(ctx);
      return { PasswordPolicy: policy };
    },
    DeleteAccountPasswordPolicy(_input: unknown, ctx: RequestContext) {
      if (!state.account.delete(KEY)) throw missing(ctx);
      return {};
    },
  };
}
