import { AwsError } from '../core/errors';
import type { RequestContext } from '../core/context';
import { userOrCaller } from './caller';
import { getUser, iamNow, noSuchEntity, type IamState, type User } from './model';
import { checkPassword } from './password-policy';

/**
 * Console passwords of users. The password is checked against the account's password policy and then dropped:
 * nothing in the emulator signs in with it, so only the profile's dates and reset flag are kept.
 */
export function loginProfileOperations(state: IamState) {
  const subject = (ctx: RequestContext, name: string | undefined): User => {
    const user = userOrCaller(state, ctx, name, (n) => getUser(state, n));
    if (!user) throw new AwsError('ValidationError', 'Must specify userName when calling with non-User credentials', 400);
    return user;
  };
  const profileOf = (user: User) => {
    if (!user.loginProfile) throw noSuchEntity(`Login Profile for User ${user.UserName} cannot be found.`);
    return user.loginProfile;
  };
  const view = (user: User) => ({ UserName: user.UserName, CreateDate: profileOf(user).CreateDate, PasswordResetRequired: profileOf(user).PasswordResetRequired });
  return {
    CreateLoginProfile(input: any, ctx: RequestContext) {
      const user = subject(ctx, input.UserName);
      if (user.loginProfile) throw new AwsError('EntityAlreadyExists', `Login Profile for user ${user.UserName} already exists.`, 409);
      checkPassword(state, input.Password);
      user.loginProfile = { CreateDate: iamNow(state), PasswordResetRequired: input.PasswordResetRequired === true };
      return { LoginProfile: view(user) };
    },
    GetLoginProfile(input: any, ctx: RequestContext) {
      return { LoginProfile: view(subject(ctx, input.UserName)) };
    },
    UpdateLoginProfile(input: any, ctx: RequestContext) {
      const profile = profileOf(subject(ctx, input.UserName));
      if (input.Password !== undefined) checkPassword(state, input.Password);
      if (input.PasswordResetRequired !== undefined) profile.PasswordResetRequired = input.PasswordResetRequired;
      return {};
    },
    DeleteLoginProfile(input: any, ctx: RequestContext) {
      const user = subject(ctx, input.UserName);
      profileOf(user);
      user.loginProfile = undefined;
      return {};
    },
  };
}
