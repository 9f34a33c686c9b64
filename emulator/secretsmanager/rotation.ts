import type * as SM from '@aws-sdk/client-secrets-manager';
import { AwsError } from '../core/errors';
import { uuid } from '../core/ids';
import { invalidRequest, lengthIn, required } from './errors';
import { checkRules, nextWindow, type RotationWindow } from './schedule';
import { RotationScheduler } from './scheduler';
import type { RotationRules, Secret, SecretStore } from './secrets';
import { addVersion, attachStage, CURRENT, holder, PENDING } from './versions';

/**
 * RotateSecret, CancelRotateSecret and scheduled rotation. RotateSecret records the rotation configuration and starts
 * a rotation as AWS does: a new, empty version (id = ClientRequestToken) labelled AWSPENDING, then, after answering,
 * the rotation function invoked synchronously once per step (createSecret, setSecret, testSecret, finishSecret), each
 * after the previous one succeeded, through the bus (`lambda.invoke`). A failed step ends the attempt with AWSPENDING
 * left where it is (a later RotateSecret is refused until it is cancelled or completes). The rotation completes —
 * LastRotatedDate set — when the function moves AWSCURRENT onto the pending version.
 *
 * Scheduled rotation: with RotationRules (schedule.ts), the next rotation window follows the last rotation — or the
 * last manual value change, which AWS counts as one — and the rotation starts, the same way, when that window opens
 * (AWS picks a moment within the window; the emulator takes its first). An incomplete rotation is reattempted with
 * its own token. NextRotationDate is the window's last second, as AWS reports it. Timers run on deps.clock
 * (scheduler.ts); CancelRotateSecret, DeleteSecret and the end of the schedule stop them; RestoreSecret and a
 * restart with dataDir re-arm them. RotateImmediately=false only schedules (AWS would also run testSecret once:
 * not done here).
 * Trace hops: secretsmanager.rotation.scheduled / .step / .failed.
 */
const STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;

/** The rotation window the schedule opens next, counted from the last rotation (or value change, or configuration). */
export function rotationWindow(s: Secret): RotationWindow | undefined {
  const r = s.rotation;
  if (!r?.enabled || !r.rules) return undefined;
  const base = Math.max(r.configured, r.lastRotated ?? 0, r.lastStarted ?? 0, holder(s, CURRENT)?.created ?? 0);
  return nextWindow(r.rules, base);
}

/** DescribeSecret's NextRotationDate: the last second of the next rotation window. */
export function nextRotationDate(s: Secret): number | undefined {
  const w = rotationWindow(s);
  return w && w.closes - 1000;
}

const sameRules = (a: RotationRules | undefined, b: RotationRules | undefined): boolean =>
  a?.AutomaticallyAfterDays === b?.AutomaticallyAfterDays && a?.ScheduleExpression === b?.ScheduleExpression && a?.Duration === b?.Duration;

/** A rotation is under way while AWSPENDING is on a version other than AWSCURRENT's. */
const pendingRotation = (s: Secret) => {
  const pending = holder(s, PENDING);
  return pending && !pending.stages.includes(CURRENT) ? pending : undefined;
};

export function rotationOperations(store: SecretStore, changedInBackground: () => void = () => undefined) {
  const { bus, options, clock } = store.deps;
  /** Secrets (by ARN) whose steps are running: a window that opens meanwhile does not start a second run. */
  const running = new Set<string>();

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

  function startSteps(s: Secret, functionArn: string, token: string): void {
    running.add(s.arn);
    void bus.track(runSteps(s.arn, functionArn, token).finally(() => running.delete(s.arn)));
  }

  /** A rotation window opened: rotate as RotateSecret does, or reattempt the rotation left incomplete. */
  function rotateOnSchedule(s: Secret): void {
    const r = s.rotation!;
    const now = store.now();
    // Counted as an attempt even if it cannot run now: the schedule moves on to the next window.
    r.lastStarted = now;
    if (!running.has(s.arn) && r.lambdaArn) {
      const token = pendingRotation(s)?.id ?? addVersion(s, uuid(), undefined, [PENDING], now).id;
      bus.record({ type: 'secretsmanager.rotation.scheduled', secretArn: s.arn, token });
      startSteps(s, r.lambdaArn, token);
    }
    store.changed(s);
    changedInBackground();
  }

  const scheduler = new RotationScheduler(
    clock,
    (name) => {
      const s = store.secrets.get(name);
      const w = s && s.deleted === undefined ? rotationWindow(s) : undefined;
      return w && Math.max(w.opens, clock.now());
    },
    (name) => rotateOnSchedule(store.secrets.get(name)!),
  );
  store.watch((s) => scheduler.sync(s.name));

  const operations = {
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
      const now = store.now();
      const rules = input.RotationRules ?? s.rotation?.rules;
      // Turning rotation on (again), or changing its schedule, starts the schedule's count, unless a rotation or value
      // change is later: a new schedule waits for its next window (RotateImmediately=false), never one already past.
      const restarts = !s.rotation?.enabled || !sameRules(rules, s.rotation.rules);
      s.rotation = { ...s.rotation, enabled: true, lambdaArn, rules, configured: restarts ? now : s.rotation!.configured };
      const answer = (versionId?: string) => {
        store.changed(s);
        return { ARN: s.arn, Name: s.name, ...(versionId ? { VersionId: versionId } : {}) };
      };
      if (!immediately) return answer();
      if (pending) return answer(pending.id); // the same request again
      s.rotation.lastStarted = now;
      const id = input.ClientRequestToken ?? uuid();
      const existing = s.versions.get(id);
      if (existing) {
        // A token already naming a version: that version becomes the pending one (AWS reuses it).
        attachStage(s, existing, PENDING);
        return answer(existing.id);
      }
      const v = addVersion(s, id, undefined, [PENDING], now);
      startSteps(s, lambdaArn, v.id);
      return answer(v.id);
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

  return {
    operations,
    /** Sets every secret's timer from its saved schedule (after a restart with dataDir). */
    rearm(): void {
      for (const name of store.secrets.keys()) scheduler.sync(name);
    },
    /** Stops every timer (reset, close). */
    cancelAll(): void {
      scheduler.cancelAll();
    },
  };
}
