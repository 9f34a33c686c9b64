import type { RequestContext } from '../core/context';
import { constraintViolation } from '../core/errors';
import type { ServiceDeps } from '../core/service';

/** AssumeRole's limits: 15 minutes to 12 hours (the role's MaxSessionDuration is not modelled), 1 hour by default. */
const MIN_DURATION_SECONDS = 900;
const MAX_DURATION_SECONDS = 43_200;
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;

const validationError = (field: string, value: unknown, constraint: string) => constraintViolation('ValidationError', field, value, constraint);

/** STS: the caller's identity, as scripts ask for it (account id for ARNs), and AssumeRole's shape. */
export function createStsProvider(deps: ServiceDeps) {
  return {
    reset() {},
    GetCallerIdentity(_input: unknown, ctx: RequestContext) {
      return { UserId: 'AKIAIOSFODNN7EXAMPLE', Account: ctx.accountId, Arn: `arn:aws:iam::${ctx.accountId}:root` };
    },
    AssumeRole(input: { RoleArn?: string; RoleSessionName?: string; DurationSeconds?: number }, ctx: RequestContext) {
      if (input.RoleArn === undefined) throw validationError('roleArn', undefined, 'Member must not be null');
      if (input.RoleSessionName === undefined) throw validationError('roleSessionName', undefined, 'Member must not be null');
      if (!SESSION_NAME.test(input.RoleSessionName)) {
        throw validationError('roleSessionName', input.RoleSessionName, 'Member must satisfy regular expression pattern: [\\w+=,.@-]* and have length between 2 and 64');
      }
      const seconds = input.DurationSeconds ?? 3600;
      const durationProblem = !Number.isInteger(seconds)
        ? 'Member must be an integer'
        : seconds < MIN_DURATION_SECONDS
          ? `Member must have value greater than or equal to ${MIN_DURATION_SECONDS}`
          : seconds > MAX_DURATION_SECONDS
            ? `Member must have value less than or equal to ${MAX_DURATION_SECONDS}`
            : undefined;
      if (durationProblem) throw validationError('durationSeconds', input.DurationSeconds, durationProblem);
      return {
        Credentials: {
          AccessKeyId: 'ASIATESTTESTTESTTEST',
          SecretAccessKey: 'test',
          SessionToken: 'test',
          Expiration: new Date(deps.clock.now() + seconds * 1000),
        },
        AssumedRoleUser: {
          AssumedRoleId: `AROATESTTESTTESTTEST:${input.RoleSessionName}`,
          Arn: `arn:aws:sts::${ctx.accountId}:assumed-role/${input.RoleArn.split('/').pop()}/${input.RoleSessionName}`,
        },
      };
    },
  };
}
