import {
  CancelRotateSecretCommand,
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  RestoreSecretCommand,
  RotateSecretCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
  type RotationRulesType,
} from '@aws-sdk/client-secrets-manager';
import { VirtualClock } from '../../emulator/core/clock';
import type { Hop } from '../../emulator/core/delivery';
import type { RunningEmulator } from '../../emulator';
import { waitFor } from '../../harness/wait';
import { clientConfig, useEmulator, usePersistentEmulator } from '../helpers/emulator';

/**
 * Scheduled rotation on the emulator's clock: RotationRules (AutomaticallyAfterDays, rate(), cron(), Duration) open
 * rotation windows; the rotation runs when one opens, through the same steps RotateSecret runs. The rotation
 * function is a stand-in answering the bus's `lambda.invoke` (a VirtualClock would hold a real function's lifecycle
 * still); like AWS's templates, it calls Secrets Manager back through the SDK.
 */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const START = Date.UTC(2026, 2, 10, 15, 30, 45, 123); // Tuesday
const FN = 'arn:aws:lambda:us-east-1:000000000000:function:rotator';

interface Rig {
  client: SecretsManagerClient;
  hops: Hop[];
  /** Steps that fail, by secret name. */
  failing: Map<string, string>;
  stop(): void;
}

/** Replaces the Lambda side of the bus with a template-style rotation function and records the trace. */
function rig(emu: RunningEmulator): Rig {
  const client = new SecretsManagerClient({ ...clientConfig(emu), maxAttempts: 1 });
  const hops: Hop[] = [];
  const failing = new Map<string, string>();
  const stopHops = emu.bus.onHop((h) => hops.push(h), ['secretsmanager.rotation.scheduled', 'secretsmanager.rotation.step', 'secretsmanager.rotation.failed']);
  emu.bus.register('lambda', { check: () => undefined, receive: async () => undefined });
  emu.bus.answer('lambda.invoke', async ({ payload }: { functionArn: string; payload: string }) => {
    const { Step, SecretId, ClientRequestToken: token } = JSON.parse(payload) as { Step: string; SecretId: string; ClientRequestToken: string };
    const meta = await client.send(new DescribeSecretCommand({ SecretId }));
    if (failing.get(meta.Name!) === Step) return { payload: JSON.stringify({ errorMessage: `${Step} failed` }), functionError: 'Unhandled' };
    if (Step === 'createSecret' && !meta.VersionIdsToStages![token]!.includes('AWSCURRENT')) {
      const current = await client.send(new GetSecretValueCommand({ SecretId }));
      await client.send(new PutSecretValueCommand({ SecretId, ClientRequestToken: token, SecretString: `${current.SecretString}+`, VersionStages: ['AWSPENDING'] }));
    }
    if (Step === 'finishSecret') {
      const current = Object.entries(meta.VersionIdsToStages!).find(([, s]) => s.includes('AWSCURRENT'))![0];
      if (current !== token) await client.send(new UpdateSecretVersionStageCommand({ SecretId, VersionStage: 'AWSCURRENT', MoveToVersionId: token, RemoveFromVersionId: current }));
    }
    return { payload: '"ok"' };
  });
  return { client, hops, failing, stop: () => (stopHops(), client.destroy()) };
}

const T = (n: number) => `token-${String(n).padStart(26, '0')}-bbbbbbbb`;

describe('scheduled rotation', () => {
  const clock = new VirtualClock(START);
  const emulator = useEmulator({ clock, log: () => undefined });
  let r: Rig;
  let sm: SecretsManagerClient;
  beforeAll(() => {
    r = rig(emulator());
    sm = r.client;
  });
  afterAll(() => r.stop());

  const describeSecret = (SecretId: string) => sm.send(new DescribeSecretCommand({ SecretId }));
  const value = async (SecretId: string) => (await sm.send(new GetSecretValueCommand({ SecretId }))).SecretString;
  const arnOf = async (name: string) => (await describeSecret(name)).ARN!;
  const hopsFor = (type: string, secretArn: string) => r.hops.filter((h) => h.type === `secretsmanager.rotation.${type}` && h.secretArn === secretArn);
  const advanceTo = (t: number) => clock.advance(t - clock.now());
  /** Waits until the rotation with this token has run its last step. */
  const finished = (secretArn: string, token: string) =>
    waitFor(() => hopsFor('step', secretArn).some((h) => h.token === token && h.step === 'finishSecret'), { what: `rotation ${token} to finish` });

  async function scheduled(name: string, RotationRules: RotationRulesType, value = 'v0'): Promise<string> {
    await sm.send(new CreateSecretCommand({ Name: name, SecretString: value }));
    await sm.send(new RotateSecretCommand({ SecretId: name, RotationLambdaARN: FN, RotationRules, RotateImmediately: false }));
    return arnOf(name);
  }

  it('reports the next rotation window as AWS does: its last second, UTC (no rotation yet)', async () => {
    const cases: [string, RotationRulesType, number][] = [
      // Days: the window is the whole UTC day (or Duration from midnight).
      ['days', { AutomaticallyAfterDays: 2 }, Date.UTC(2026, 2, 12, 23, 59, 59)],
      ['days-duration', { AutomaticallyAfterDays: 2, Duration: '3h' }, Date.UTC(2026, 2, 12, 2, 59, 59)],
      ['rate-days', { ScheduleExpression: 'rate(2 days)' }, Date.UTC(2026, 2, 12, 23, 59, 59)],
      // Hours: slots every 6 hours from midnight; the one 6 hours on from 15:30 opens at 18:00, for 2 hours.
      ['rate-hours', { ScheduleExpression: 'rate(6 hours)', Duration: '2h' }, Date.UTC(2026, 2, 10, 19, 59, 59)],
      // Cron naming several hours: a one-hour window; naming one hour: until the end of the day.
      ['cron-hours', { ScheduleExpression: 'cron(0 4/12 * * ? *)' }, Date.UTC(2026, 2, 10, 16, 59, 59)],
      ['cron-second-monday', { ScheduleExpression: 'cron(0 8 ? * MON#2 *)' }, Date.UTC(2026, 3, 13, 23, 59, 59)],
      ['cron-last-day', { ScheduleExpression: 'cron(0 16 L * ? *)' }, Date.UTC(2026, 2, 31, 23, 59, 59)],
      ['cron-last-friday', { ScheduleExpression: 'cron(0 10 ? MAR-DEC 6L *)' }, Date.UTC(2026, 2, 27, 23, 59, 59)],
    ];
    for (const [name, rules, next] of cases) {
      await scheduled(`window/${name}`, rules);
      const d = await describeSecret(`window/${name}`);
      expect({ name, next: d.NextRotationDate?.toISOString() }).toEqual({ name, next: new Date(next).toISOString() });
      expect(d.LastRotatedDate).toBeUndefined();
      expect(d.RotationRules).toEqual(rules);
      await sm.send(new CancelRotateSecretCommand({ SecretId: `window/${name}` }));
    }
    expect(r.hops).toEqual([]);
  });

  it('refuses schedules Secrets Manager refuses', async () => {
    await sm.send(new CreateSecretCommand({ Name: 'bad-rules', SecretString: 'x' }));
    const bad: [RotationRulesType, RegExp][] = [
      [{ ScheduleExpression: 'cron(30 4 * * ? *)' }, /minutes field must be 0/],
      [{ ScheduleExpression: 'cron(0 4 * * ? 2027)' }, /year field must be \*/],
      [{ ScheduleExpression: 'cron(0 4 * * * *)' }, /\? in exactly one/],
      [{ ScheduleExpression: 'cron(0 25 * * ? *)' }, /25 is not a value between 0 and 23/],
      [{ ScheduleExpression: 'cron(0 4 * *)' }, /6 fields/],
      [{ ScheduleExpression: 'rate(2 hours)' }, /between 4 hours and 1000 days/],
      [{ ScheduleExpression: 'every day' }, /^Invalid ScheduleExpression: every day$/],
      [{ ScheduleExpression: 'rate(1 day)', Duration: '25h' }, /^Invalid Duration: 25h$/],
    ];
    for (const [RotationRules, message] of bad) {
      const err = await sm.send(new RotateSecretCommand({ SecretId: 'bad-rules', RotationLambdaARN: FN, RotationRules, RotateImmediately: false })).catch((e: Error) => e);
      expect(err).toMatchObject({ name: 'InvalidParameterException', message: expect.stringMatching(message) });
    }
    expect((await describeSecret('bad-rules')).RotationEnabled).toBeUndefined();
  });

  it('RotateImmediately=false schedules only; the rotation runs when the window opens, again and again', async () => {
    const arn = await scheduled('every-3-days', { AutomaticallyAfterDays: 3 });
    const created = clock.now();
    expect(hopsFor('scheduled', arn)).toEqual([]);
    expect((await describeSecret(arn)).NextRotationDate!.getTime()).toBe(Math.floor(created / DAY) * DAY + 4 * DAY - 1000);

    const opens = Math.floor(created / DAY) * DAY + 3 * DAY;
    advanceTo(opens - 1);
    expect(hopsFor('scheduled', arn)).toEqual([]);
    clock.advance(1);
    const [first] = hopsFor('scheduled', arn);
    expect(first).toMatchObject({ time: opens });
    await finished(arn, first!.token as string);
    expect(hopsFor('step', arn).map((h) => h.step)).toEqual(['createSecret', 'setSecret', 'testSecret', 'finishSecret']);
    expect(await value(arn)).toBe('v0+');
    const d = await describeSecret(arn);
    expect(d.LastRotatedDate!.getTime()).toBe(opens);
    expect(d.NextRotationDate!.getTime()).toBe(opens + 4 * DAY - 1000);
    expect(d.VersionIdsToStages![first!.token as string]).toContain('AWSCURRENT');

    advanceTo(opens + 3 * DAY);
    const second = hopsFor('scheduled', arn)[1];
    expect(second).toMatchObject({ time: opens + 3 * DAY });
    await finished(arn, second!.token as string);
    expect(await value(arn)).toBe('v0++');
    await sm.send(new CancelRotateSecretCommand({ SecretId: arn }));
  });

  it('an immediate rotation starts the count; a cron schedule then rotates at each time it names', async () => {
    await sm.send(new CreateSecretCommand({ Name: 'twice-a-day', SecretString: 'c' }));
    const arn = await arnOf('twice-a-day');
    const now = clock.now();
    const { VersionId } = await sm.send(new RotateSecretCommand({ SecretId: arn, RotationLambdaARN: FN, RotationRules: { ScheduleExpression: 'cron(0 4/12 * * ? *)' }, ClientRequestToken: T(1) }));
    expect(VersionId).toBe(T(1));
    await finished(arn, T(1));
    expect(await value(arn)).toBe('c+');
    // The next time named after now: 04:00 or 16:00 UTC, whichever comes first.
    const today = Math.floor(now / DAY) * DAY;
    const next = [today + 4 * HOUR, today + 16 * HOUR, today + DAY + 4 * HOUR].find((t) => t > now)!;
    expect((await describeSecret(arn)).NextRotationDate!.getTime()).toBe(next + HOUR - 1000);
    advanceTo(next);
    const [scheduledHop] = hopsFor('scheduled', arn);
    expect(scheduledHop).toMatchObject({ time: next });
    await finished(arn, scheduledHop!.token as string);
    expect(await value(arn)).toBe('c++');
    expect((await describeSecret(arn)).NextRotationDate!.getTime()).toBe(next + 12 * HOUR + HOUR - 1000);
    await sm.send(new CancelRotateSecretCommand({ SecretId: arn }));
  });

  it('a manual PutSecretValue counts as a rotation for AutomaticallyAfterDays', async () => {
    const arn = await scheduled('put-moves-it', { AutomaticallyAfterDays: 2 });
    const before = (await describeSecret(arn)).NextRotationDate!.getTime();
    clock.advance(DAY);
    await sm.send(new PutSecretValueCommand({ SecretId: arn, SecretString: 'by hand' }));
    expect((await describeSecret(arn)).NextRotationDate!.getTime()).toBe(before + DAY);
    const oldOpens = before + 1000 - DAY;
    advanceTo(oldOpens);
    expect(hopsFor('scheduled', arn)).toEqual([]);
    advanceTo(oldOpens + DAY - 1);
    expect(hopsFor('scheduled', arn)).toEqual([]);
    clock.advance(1);
    expect(hopsFor('scheduled', arn)).toMatchObject([{ time: oldOpens + DAY }]);
    await finished(arn, hopsFor('scheduled', arn)[0]!.token as string);
    expect(await value(arn)).toBe('by hand+');
    await sm.send(new CancelRotateSecretCommand({ SecretId: arn }));
  });

  it('a failed scheduled rotation keeps AWSPENDING and is reattempted with the same token at the next window', async () => {
    const arn = await scheduled('flaky', { ScheduleExpression: 'rate(1 day)' });
    r.failing.set('flaky', 'testSecret');
    const opens = Math.floor(clock.now() / DAY) * DAY + DAY;
    advanceTo(opens);
    const [attempt] = hopsFor('scheduled', arn);
    const token = attempt!.token as string;
    await waitFor(() => hopsFor('failed', arn).length === 1, { what: 'the failed step' });
    expect(hopsFor('failed', arn)[0]).toMatchObject({ step: 'testSecret', token });
    expect((await describeSecret(arn)).VersionIdsToStages![token]).toEqual(['AWSPENDING']);
    // The next window is a day on from the attempt, not from the last completed rotation.
    expect((await describeSecret(arn)).NextRotationDate!.getTime()).toBe(opens + 2 * DAY - 1000);

    r.failing.delete('flaky');
    advanceTo(opens + DAY);
    const retry = hopsFor('scheduled', arn)[1];
    expect(retry).toMatchObject({ token, time: opens + DAY });
    await finished(arn, token);
    expect(await value(arn)).toBe('v0+');
    await sm.send(new CancelRotateSecretCommand({ SecretId: arn }));
  });

  it('CancelRotateSecret stops the schedule', async () => {
    const arn = await scheduled('cancelled', { AutomaticallyAfterDays: 1 });
    await sm.send(new CancelRotateSecretCommand({ SecretId: arn }));
    const d = await describeSecret(arn);
    expect(d.RotationEnabled).toBe(false);
    expect(d.NextRotationDate).toBeUndefined();
    clock.advance(5 * DAY);
    expect(hopsFor('scheduled', arn)).toEqual([]);
    expect(await value(arn)).toBe('v0');
  });

  it('deleting the secret stops the schedule; restoring it brings the schedule back', async () => {
    const arn = await scheduled('deleted', { AutomaticallyAfterDays: 1 });
    const gone = await scheduled('force-deleted', { AutomaticallyAfterDays: 1 });
    await sm.send(new DeleteSecretCommand({ SecretId: arn, RecoveryWindowInDays: 7 }));
    await sm.send(new DeleteSecretCommand({ SecretId: gone, ForceDeleteWithoutRecovery: true }));
    clock.advance(3 * DAY);
    expect(hopsFor('scheduled', arn)).toEqual([]);
    expect(hopsFor('scheduled', gone)).toEqual([]);

    // Restored after its window passed: the overdue rotation runs at once.
    await sm.send(new RestoreSecretCommand({ SecretId: arn }));
    clock.advance(0);
    expect(hopsFor('scheduled', arn)).toMatchObject([{ time: clock.now() }]);
    await finished(arn, hopsFor('scheduled', arn)[0]!.token as string);
    await sm.send(new CancelRotateSecretCommand({ SecretId: arn }));
  });
});

describe('scheduled rotation with dataDir', () => {
  const clock = new VirtualClock(START);
  const persistent = usePersistentEmulator('secrets-schedule', { clock });

  it('re-arms the schedule after a restart from the saved rotation state', async () => {
    let r = rig(persistent.emulator());
    await r.client.send(new CreateSecretCommand({ Name: 'kept', SecretString: 'k' }));
    await r.client.send(new RotateSecretCommand({ SecretId: 'kept', RotationLambdaARN: FN, RotationRules: { ScheduleExpression: 'rate(2 days)' }, RotateImmediately: false }));
    const next = (await r.client.send(new DescribeSecretCommand({ SecretId: 'kept' }))).NextRotationDate!.getTime();
    r.stop();

    r = rig(await persistent.restart());
    const d = await r.client.send(new DescribeSecretCommand({ SecretId: 'kept' }));
    expect(d.NextRotationDate!.getTime()).toBe(next);
    clock.advance(next - DAY + 1000 - clock.now() - 1);
    expect(r.hops).toEqual([]);
    clock.advance(1); // the window opens (midnight of its day)
    expect(r.hops.map((h) => h.type)).toEqual(['secretsmanager.rotation.scheduled']);
    await waitFor(() => r.hops.some((h) => h.step === 'finishSecret'), { what: 'the rotation to finish' });
    expect((await r.client.send(new GetSecretValueCommand({ SecretId: 'kept' }))).SecretString).toBe('k+');

    // The rotation the schedule started is saved too: after another restart, the next window follows it.
    r.stop();
    r = rig(await persistent.restart());
    const after = await r.client.send(new DescribeSecretCommand({ SecretId: 'kept' }));
    expect(after.LastRotatedDate!.getTime()).toBe(next - DAY + 1000);
    expect(after.NextRotationDate!.getTime()).toBe(next + 2 * DAY);
    r.stop();
  });
});
