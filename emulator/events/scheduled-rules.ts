import type { Clock, Timer } from '../core/clock';
import { AwsError } from '../core/errors';
import { nextCronTime, parseCron, type Cron } from '../core/schedule/cron';

/**
 * Rules with a ScheduleExpression (`rate(5 minutes)`, `cron(0 12 * * ? *)`, in UTC) fire on the emulator clock: at
 * each due time the rule's targets get a "Scheduled Event" from `aws.events`, with no pattern to match. A rate
 * counts from the rule's creation (AWS: "the rate starts when you create the rule"); runs missed while the
 * emulator was stopped are not made up.
 */

export type RuleSchedule = { kind: 'rate'; everyMs: number } | { kind: 'cron'; cron: Cron };

const UNIT_MS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };
const RATE = /^rate\((\d+) (minute|hour|day)(s?)\)$/;
const CRON = /^cron\((.*)\)$/;

const invalid = () => new AwsError('ValidationException', 'Parameter ScheduleExpression is not valid.', 400);

/** Parses a rule's ScheduleExpression as PutRule checks it: a rate of 1 takes the singular unit, more the plural. */
export function parseRuleSchedule(expr: string): RuleSchedule {
  const rate = RATE.exec(expr);
  if (rate) {
    const n = Number(rate[1]);
    if (n < 1 || (n === 1) !== (rate[3] === '')) throw invalid();
    return { kind: 'rate', everyMs: n * UNIT_MS[rate[2]!]! };
  }
  const cron = CRON.exec(expr);
  const parsed = cron ? parseCron(cron[1]!) : undefined;
  if (!parsed) throw invalid();
  return { kind: 'cron', cron: parsed };
}

/** The first run after `after`: rates from `anchor` (the rule's creation), cron in UTC. */
export function nextRun(s: RuleSchedule, anchor: number, after: number): number | undefined {
  if (s.kind === 'cron') return nextCronTime(s.cron, after, 'UTC');
  return anchor + Math.max(1, Math.floor((after - anchor) / s.everyMs) + 1) * s.everyMs;
}

export interface ScheduledRule {
  Arn: string;
  ScheduleExpression?: string;
  State: 'ENABLED' | 'DISABLED';
  /** When the rate counts from: the rule's creation, or the last change of its expression. */
  scheduleAnchor?: number;
}

/** One timer per enabled scheduled rule; `fire` gets the rule (looked up again, so a change since is seen) and the due time. */
export function createRuleTimers<R extends ScheduledRule>(clock: Clock, lookup: (arn: string) => R | undefined, fire: (rule: R, due: number) => void) {
  const timers = new Map<string, Timer>();

  const disarm = (arn: string) => {
    timers.get(arn)?.cancel();
    timers.delete(arn);
  };

  /** (Re)starts a rule's timer from now, or stops it when the rule is disabled, gone or has no schedule. */
  const arm = (arn: string) => {
    disarm(arn);
    const rule = lookup(arn);
    if (!rule?.ScheduleExpression || rule.State !== 'ENABLED') return;
    const schedule = parseRuleSchedule(rule.ScheduleExpression);
    const due = nextRun(schedule, rule.scheduleAnchor ?? clock.now(), clock.now());
    if (due === undefined) return;
    timers.set(
      arn,
      clock.setTimer(due - clock.now(), () => {
        timers.delete(arn);
        const current = lookup(arn);
        if (!current || current.State !== 'ENABLED' || current.ScheduleExpression !== rule.ScheduleExpression) return;
        fire(current, due);
        arm(arn);
      }),
    );
  };

  return {
    arm,
    disarm,
    clear() {
      for (const t of timers.values()) t.cancel();
      timers.clear();
    },
  };
}
