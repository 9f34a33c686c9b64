import type { RequestContext } from '../core/context';

/** STS: the caller's identity, as scripts ask for it (account id for ARNs). */
export function createStsProvider() {
  return {
    reset() {},
    GetCallerIdentity(_input: unknown, ctx: RequestContext) {
      return { UserId: 'AKIAIOSFODNN7EXAMPLE', Account: ctx.accountId, Arn: `arn:aws:iam::${ctx.accountId}:root` };
    },
    AssumeRole(input: any, ctx: RequestContext) {
      const expiration = new Date(Date.now() + (input.DurationSeconds ?? 3600) * 1000);
      return {
        Credentials: { AccessKeyId: 'ASIATESTTESTTESTTEST', SecretAccessKey: 'test', SessionToken: 'test', Expiration: expiration },
        AssumedRoleUser: {
          AssumedRoleId: `AROATESTTESTTESTTEST:${input.RoleSessionName}`,
          Arn: `arn:aws:sts::${ctx.accountId}:assumed-role/${String(input.RoleArn).split('/').pop()}/${input.RoleSessionName}`,
        },
      };
    },
  };
}
