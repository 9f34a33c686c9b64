import type * as SM from '@aws-sdk/client-secrets-manager';
import { AwsError } from '../core/errors';
import { uuid } from '../core/ids';
import { inRange, invalidParameter, invalidRequest, lengthIn, required } from './errors';
import { DAY_MS, type RotationRules, type Secret, type SecretStore } from './secrets';
import { addVersion, attachStage, CURRENT, holder, PENDING } from './versions';

/**
 * RotateSecret and CancelRotateSecret. RotateSecret records the rotation configuration and starts a rotation as
 * AWS does: a new, empty version (id = ClientRequestToken) labelled AWSPENDING, then, after answering, the
 * rotation function invoked synchronously once per step (createSecret, setSecret, testSecret, finishSecret),
 * each after the previous one succeeded, through the bus (`lambda.invoke`). A failed step ends the attempt with
 * AWSPENDING left where it is (a later RotateSecret is refused until it is cancelled or completes). The rotation
 * completes — LastRotatedDate set — when the function moves AWSCURRENT onto the pending version. Scheduled
 * (automatic) rotations are not run; NextRotationDate is reported.
 * Trace hops: secretsmanager.rotation.step / .failed.
 */
const STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;

const HOUR_MS = 3_600_000;
const RATE = /^rate\((\d+) (hours?|days?)\)$/;
const CRON = /^cron\(.+\)$/;

function checkRules(rules: RotationRules | undefined): void {
  if (!rules) return;
  inRange(rules.AutomaticallyAfterDays, 'rotationRules.automaticallyAfterDays', 1, 1000);
  const expr = rules.ScheduleExpression;
  if (expr !== undefined) {
    lengthIn(expr, 'rotationRules.scheduleExpression', 1, 256);
    const rate = RATE.exec(expr);
    if (!(rate || CRON.test(expr))) throw invalidParameter(`Invalid ScheduleExpression: ${expr}`);
    if (rate && (Number(rate[1]) < 1 || (rate[2]!.startsWith('hour') && Number(rate[1]) < 4) || (rate[2]!.startsWith('day') && Number(rate[1]) > 1000))) {
      throw invalidParameter(`Invalid ScheduleExpression: ${expr}. The rotation interval must be between 4 hours and 1000 days.`);
    }
  }
  if (rules.Duration !== undefined && !/^[0-9h]+$/.test(rules.Duration)) throw invalidParameter(`Invalid Duration: ${rules.Duration}`);
}

/** When the next scheduled rotation is due (AutomaticallyAfterDays or a rate(); a cron() schedule is not computed). */
export function nextRotationDate(s: Secret): number | undefined {
  const r = s.rotation;
  if (!r?.enabled || !r.rules) return undefined;
  const from = r.lastRotated ?? r.configured;
  const rate = r.rules.ScheduleExpression ? RATE.exec(r.rules.ScheduleExpression) : null;
  if (rate) return from + Number(rate[1]) * (rate[2]!.startsWith('hour') ? HOUR_MS : DAY_MS);
  if (r.rules.AutomaticallyAfterDays !== undefined && !r.rules.ScheduleExpression) return from + r.rules.AutomaticallyAfterDays * DAY_MS;
  return undefined;
}

/** A rotation is under way while AWSPENDING is on a version other than AWSCURRENT's. */
const pendingRotation = (s: Secret) => {
  const pending = holder(s, PENDING);
  return pending && !pending.stages.includes(CURRENT) ? pending : undefined;
};

export function rotationOperations(store: SecretStore) {
  const { bus, options } = store.deps;

  /** The four steps, one after another; the first that fails (or cannot be invoked) ends the attempt. */
  async function runSteps(secretArn: string, functionArn: string, token: string): Promise<void> {
    // Starts once RotateSecret has answered, as on AWS (the rotation runs after the call returns).
    await Promise.resolve();
    for (const Step of STEPS) {
      const payload = JSON.stringify({ Step, SecretId: secretArn, ClientRequestToken: token });
      let error: string | undefined;
      try {
        const answer = await bus.ask<{ functionArn: string; payload: string }, { payload: string; functionError?: string }>('lambda.invoke', { functionArn, payload });
        if (answer.functionError) error = answer.payload;
      } catch (e) {
        error = e instanceof Error ? e.message : String(e);
      }
      if (error !== undefined) {
        bus.record({ type: 'secretsmanager.rotation.failed', secretArn, step: Step, token, error });
        return;
      }
      bus.record({ type: 'secretsmanager.rotation.step', secretArn, step: Step, token });
    }
  }

  return {
    RotateSecret(input: SM.RotateSecretCommandInput): SM.RotateSecretResponse {
      const s = store.get(required(input.SecretId, 'secretId'));
      lengthIn(input.ClientRequestToken, 'clientRequestToken', 32, 64);
      lengthIn(input.RotationLambdaARN, 'rotationLambdaARN', 0, 2048);
      checkRules(input.RotationRules);
      const lambdaArn = input.RotationLambdaARN || s.rotation?.lambdaArn;
      if (!lambdaArn) throw invalidRequest('No Lambda rotation function ARN is associated with this secret.');
      // The function must exist (Lambda's receiver answers for its ARNs); AWS reports any failure to reach it so.
      try {
        bus.check(lambdaArn, { principal: 'secretsmanager.amazonaws.com', sourceArn: s.arn, sourceAccount: options.accountId });
      } catch {
        throw new AwsError(
          'AccessDeniedException',
          'Secrets Manager cannot invoke the specified Lambda function. Ensure that the function policy grants access to the principal secretsmanager.amazonaws.com.',
          400,
        );
      }
      const pending = pendingRotation(s);
      const immediately = input.RotateImmediately !== false;
      if (pending && (!immediately || pending.id !== input.ClientRequestToken)) {
        throw invalidRequest("A previous rotation isn't complete. That rotation will be reattempted.");
      }
      s.rotation = {
        enabled: true,
        lambdaArn,
        rules: input.RotationRules ?? s.rotation?.rules,
        configured: s.rotation?.configured ?? store.now(),
        lastRotated: s.rotation?.lastRotated,
      };
      store.changed(s);
      if (!immediately) return { ARN: s.arn, Name: s.name };
      if (pending) return { ARN: s.arn, Name: s.name, VersionId: pending.id }; // the same request again
      const id = input.ClientRequestToken ?? uuid();
      const existing = s.versions.get(id);
      if (existing) {
        // A token already naming a version: that version becomes the pending one (AWS reuses it).
        attachStage(s, existing, PENDING);
        return { ARN: s.arn, Name: s.name, VersionId: existing.id };
      }
      const v = addVersion(s, id, undefined, [PENDING], store.now());
      void bus.track(runSteps(s.arn, lambdaArn, v.id));
      return { ARN: s.arn, Name: s.name, VersionId: v.id };
    },

    CancelRotateSecret(input: SM.CancelRotateSecretCommandInput): SM.CancelRotateSecretResponse {
      const s = store.get(required(input.SecretId, 'secretId'));
      const pending = pendingRotation(s);
      if (!s.rotation?.enabled && !pending) {
        throw invalidRequest('Secret does not have rotation enabled and is not currently rotating.');
      }
      // AWS leaves AWSPENDING where it is: the caller removes it from the partly created version if it wants.
      if (s.rotation) s.rotation.enabled = false;
      store.changed(s);
      return { ARN: s.arn, Name: s.name, ...(pending ? { VersionId: pending.id } : {}) };
    },
  };
}
