import { AwsError } from '../core/errors';
import type { RequestContext } from '../core/context';
import { userById, type IamState, type User } from './model';

/**
 * Who is calling, as IAM operations without a UserName (GetUser, CreateAccessKey, ListAccessKeys…) need it: the
 * user owning the access key the request was signed with, or (undefined) the account's root for any other long-term
 * key, such as the emulator's configured credentials.
 */
export function callerUser(state: IamState, ctx: RequestContext): User | undefined {
  const key = state.accessKeys.get(ctx.accessKeyId);
  return key ? userById(state, key.userId) : undefined;
}

/** STS temporary keys (`ASIA…`) stand for a role or a federated user, never an IAM user. */
export const isSessionKey = (ctx: RequestContext): boolean => ctx.accessKeyId.startsWith('ASIA');

/** The user an operation without a UserName acts on; temporary credentials cannot stand for one, as on AWS. */
export function userOrCaller(state: IamState, ctx: RequestContext, name: string | undefined, find: (name: string) => User): User | undefined {
  if (name !== undefined) return find(name);
  if (isSessionKey(ctx)) throw new AwsError('ValidationError', 'Must specify userName when calling with non-User credentials', 400);
  return callerUser(state, ctx);
}
