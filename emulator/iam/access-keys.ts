import { AwsError, constraintViolation } from '../core/errors';
import type { RequestContext } from '../core/context';
import { parseArn, randomHex } from '../core/ids';
import { userOrCaller } from './caller';
import { getUser, iamNow, noSuchEntity, userById, type AccessKey, type IamState, type User } from './model';
import { page } from './paging';

/** IAM's default quota of access keys per user. */
const KEYS_PER_USER = 2;
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** Long-term key ids: `AKIA` and 16 characters of upper-case base32 (20 in all), as IAM's look. */
function accessKeyId(): string {
  let id = 'AKIA';
  for (const b of Buffer.from(randomHex(16), 'hex')) id += BASE32[b % 32];
  return id;
}

/** 40 characters of base64, as IAM's secrets. */
const secretAccessKey = (): string => Buffer.from(randomHex(30), 'hex').toString('base64');

/** What signing with an access key needs to know, asked by the server (secret) and by STS (identity). */
export interface KeyIdentity {
  UserId: string;
  Arn: string;
  Account: string;
}

function checkStatus(status: string | undefined): AccessKey['Status'] {
  if (status !== 'Active' && status !== 'Inactive') {
    throw constraintViolation('ValidationError', 'status', status, 'Member must satisfy enum value set: [Active, Inactive]');
  }
  return status;
}

/** Access keys of IAM users: created, listed, deactivated, deleted; an Active one signs requests like the configured keys. */
export function accessKeyOperations(state: IamState) {
  const keysOf = (user: User) => [...state.accessKeys.values()].filter((k) => k.userId === user.UserId);
  const metadata = (k: AccessKey, user: User) => ({ UserName: user.UserName, AccessKeyId: k.AccessKeyId, Status: k.Status, CreateDate: k.CreateDate });
  const subject = (ctx: RequestContext, name: string | undefined) => userOrCaller(state, ctx, name, (n) => getUser(state, n));

  /** The key of the named user (or the caller); the root's own keys are not IAM's to show, so they are never found. */
  function findKey(ctx: RequestContext, userName: string | undefined, id: string | undefined): { key: AccessKey; user: User } {
    const user = subject(ctx, userName);
    const key = id === undefined ? undefined : state.accessKeys.get(id);
    if (!user || !key || key.userId !== user.UserId) throw noSuchEntity(`The Access Key with id ${id} cannot be found.`);
    return { key, user };
  }

  return {
    CreateAccessKey(input: any, ctx: RequestContext) {
      const user = subject(ctx, input.UserName);
      // The root's keys are the emulator's configured credentials: not created through IAM.
      if (!user) throw new AwsError('ValidationError', 'Must specify userName when calling with non-User credentials', 400);
      if (keysOf(user).length >= KEYS_PER_USER) throw new AwsError('LimitExceeded', `Cannot exceed quota for AccessKeysPerUser: ${KEYS_PER_USER}`, 409);
      const key: AccessKey = { AccessKeyId: accessKeyId(), SecretAccessKey: secretAccessKey(), userId: user.UserId, Status: 'Active', CreateDate: iamNow(state) };
      state.accessKeys.set(key.AccessKeyId, key);
      return { AccessKey: { ...metadata(key, user), SecretAccessKey: key.SecretAccessKey } };
    },
    ListAccessKeys(input: any, ctx: RequestContext) {
      const user = subject(ctx, input.UserName);
      const { items, ...rest } = page(user ? keysOf(user).map((k) => metadata(k, user)) : [], input);
      return { AccessKeyMetadata: items, ...rest };
    },
    UpdateAccessKey(input: any, ctx: RequestContext) {
      const status = checkStatus(input.Status);
      findKey(ctx, input.UserName, input.AccessKeyId).key.Status = status;
      return {};
    },
    DeleteAccessKey(input: any, ctx: RequestContext) {
      state.accessKeys.delete(findKey(ctx, input.UserName, input.AccessKeyId).key.AccessKeyId);
      return {};
    },
    /** Use is recorded when the emulator verifies signatures (that is when it looks the key up); 'N/A' before. */
    GetAccessKeyLastUsed(input: any) {
      const key = input.AccessKeyId === undefined ? undefined : state.accessKeys.get(input.AccessKeyId);
      const user = key && userById(state, key.userId);
      if (!key || !user) throw noSuchEntity(`The Access Key with id ${input.AccessKeyId} cannot be found.`);
      const used = key.lastUsed;
      return {
        UserName: user.UserName,
        AccessKeyLastUsed: used ? { LastUsedDate: used.date, ServiceName: used.service, Region: used.region } : { ServiceName: 'N/A', Region: 'N/A' },
      };
    },
  };
}

/**
 * The credential source IAM offers the rest of the emulator: the secret of an Active user key for SigV4
 * verification (recording its use), and the identity behind a key for STS GetCallerIdentity. Inactive and
 * deleted keys are unknown, so a request signed with one is refused as for any unknown key.
 */
export function accessKeyCredentials(state: IamState) {
  const active = (id: string) => {
    const key = state.accessKeys.get(id);
    const user = key?.Status === 'Active' ? userById(state, key.userId) : undefined;
    return key && user ? { key, user } : undefined;
  };
  return {
    secretFor(accessKeyId: string, sessionToken: string | undefined, use?: { service: string; region: string }): string | undefined {
      const found = sessionToken === undefined ? active(accessKeyId) : undefined;
      if (!found) return undefined;
      if (use) found.key.lastUsed = { date: iamNow(state), service: use.service, region: use.region };
      return found.key.SecretAccessKey;
    },
    identityFor(accessKeyId: string): KeyIdentity | undefined {
      const found = active(accessKeyId);
      if (!found) return undefined;
      return { UserId: found.user.UserId, Arn: found.user.Arn, Account: parseArn(found.user.Arn)!.accountId };
    },
  };
}
