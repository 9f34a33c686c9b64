import {
  CancelRotateSecretCommand,
  CreateSecretCommand,
  DescribeSecretCommand,
  RotateSecretCommand,
  SecretsManagerClient,
  type RotationRulesType,
} from '@aws-sdk/client-secrets-manager';
import { VirtualClock } from '../../emulator/core/clock';
import type { Hop } from '../../emulator/core/delivery';
import { clientConfig, useEmulator } from '../helpers/emulator';

/**
 * Rotation rules Secrets Manager refuses (RotationRulesType: AutomaticallyAfterDays or ScheduleExpression, not both;
 * a window must fit before the next one and in its UTC day; rotations at most every four hours), and a schedule
 * changed with RotateImmediately=false waiting for its next window.
 */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const START = Date.UTC(2026, 2, 10, 15, 30, 0); // Tuesday
const FN = 'arn:aws:lambda:us-east-1:000000000000:function:rotator';

const clock = new VirtualClock(START);
const emulator = useEmulator({ clock, log: () => undefined });
let sm: SecretsManagerClient;
const hops: Hop[] = [];
beforeAll(() => {
  sm = new SecretsManagerClient({ ...clientConfig(emulator()), maxAttempts: 1 });
  emulator().bus.onHop((h) => hops.push(h), ['secretsmanager.rotation.scheduled']);
  // A rotation function that does nothing: only the start of scheduled rotations is looked at here.
  emulator().bus.register('lambda', { check: () => undefined, receive: async () => undefined });
  emulator().bus.answer('lambda.invoke', async () => ({ payload: '"ok"' }));
});
afterAll(() => sm.destroy());

const rotate = (SecretId: string, RotationRules: RotationRulesType, RotateImmediately = false) =>
  sm.send(new RotateSecretCommand({ SecretId, RotationLambdaARN: FN, RotationRules, RotateImmediately }));

describe('rotation rules', () => {
  it('refuses AutomaticallyAfterDays together with a ScheduleExpression', async () => {
    await sm.send(new CreateSecretCommand({ Name: 'both', SecretString: 'x' }));
    const err = await rotate('both', { AutomaticallyAfterDays: 3, ScheduleExpression: 'rate(3 days)' }).catch((e: Error) => e);
    expect(err).toMatchObject({ name: 'InvalidParameterException', message: 'You cannot specify both rotation frequency and schedule expression together.' });
    expect((await sm.send(new DescribeSecretCommand({ SecretId: 'both' }))).RotationEnabled).toBeUndefined();
  });

  it('refuses a window that runs into the next one or into the next UTC day, and rotations less than four hours apart', async () => {
    await sm.send(new CreateSecretCommand({ Name: 'windows', SecretString: 'x' }));
    const bad: [RotationRulesType, RegExp][] = [
      [{ ScheduleExpression: 'rate(4 hours)', Duration: '5h' }, /^Duration cannot be greater than Rate in hour\.$/],
      [{ ScheduleExpression: 'cron(0 22 * * ? *)', Duration: '4h' }, /^Starting hour and duration must be within a day\.$/],
      [{ ScheduleExpression: 'cron(0 4,12 * * ? *)', Duration: '10h' }, /rotation window/],
      [{ ScheduleExpression: 'cron(0 * * * ? *)' }, /four hours/],
      [{ ScheduleExpression: 'cron(0 1,3 * * ? *)' }, /four hours/],
      [{ ScheduleExpression: 'cron(0 */2 ? * MON *)' }, /four hours/],
    ];
    for (const [RotationRules, message] of bad) {
      const err = await rotate('windows', RotationRules).catch((e: Error) => e);
      expect({ RotationRules, err }).toMatchObject({ RotationRules, err: { name: 'InvalidParameterException', message: expect.stringMatching(message) } });
    }
    // Windows that fit are taken.
    for (const RotationRules of [
      { ScheduleExpression: 'rate(4 hours)', Duration: '4h' },
      { ScheduleExpression: 'cron(0 20 * * ? *)', Duration: '4h' },
      { ScheduleExpression: 'cron(0 4/12 * * ? *)', Duration: '8h' },
      { ScheduleExpression: 'rate(1 day)', Duration: '24h' },
    ]) {
      await rotate('windows', RotationRules);
      expect((await sm.send(new DescribeSecretCommand({ SecretId: 'windows' }))).RotationRules).toEqual(RotationRules);
    }
    await sm.send(new CancelRotateSecretCommand({ SecretId: 'windows' }));
  });
});

describe('a schedule changed with RotateImmediately=false', () => {
  it('waits for the next window of the new schedule: it does not rotate at once for a window of the old one', async () => {
    await sm.send(new CreateSecretCommand({ Name: 'rescheduled', SecretString: 'x' }));
    await rotate('rescheduled', { ScheduleExpression: 'cron(0 8 ? * MON *)' });
    clock.advance(3 * DAY); // Friday 15:30: Monday 08:00 has not come yet
    expect(hops).toEqual([]);
    // Now every day at 06:00: the next one is tomorrow's, not Wednesday's that has passed.
    await rotate('rescheduled', { ScheduleExpression: 'cron(0 6 * * ? *)' });
    clock.advance(0);
    expect(hops).toEqual([]);
    const tomorrow = Math.floor(clock.now() / DAY) * DAY + DAY + 6 * HOUR;
    expect((await sm.send(new DescribeSecretCommand({ SecretId: 'rescheduled' }))).NextRotationDate!.getTime()).toBe(tomorrow + 18 * HOUR - 1000);
    clock.advance(tomorrow - clock.now());
    expect(hops.map((h) => h.time)).toEqual([tomorrow]);
    await sm.send(new CancelRotateSecretCommand({ SecretId: 'rescheduled' }));
  });
});
