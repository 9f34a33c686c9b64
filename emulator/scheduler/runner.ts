import type { Timer } from '../core/clock';
import { SeededRandom } from '../core/random';
import type { ServiceDeps } from '../core/service';
import { nextOccurrence, parseExpression } from './expression';
import { invokeTarget, type Target } from './invoke';

/** A schedule as Scheduler keeps it (GetSchedule's shape) and what the runner needs to remember across restarts. */
export interface Schedule {
  Name: string;
  GroupName: string;
  Arn: string;
  ScheduleExpression: string;
  ScheduleExpressionTimezone?: string;
  StartDate?: Date;
  EndDate?: Date;
  Description?: string;
  State: 'ENABLED' | 'DISABLED';
  KmsKeyArn?: string;
  Target: Target;
  FlexibleTimeWindow: { Mode: 'OFF' | 'FLEXIBLE'; MaximumWindowInMinutes?: number };
  ActionAfterCompletion: 'NONE' | 'DELETE';
  CreationDate: Date;
  LastModificationDate: Date;
  /** A one-time schedule that has run. */
  done?: boolean;
}

export interface RunnerHooks {
  /** ActionAfterCompletion DELETE: the schedule has completed. */
  remove(s: Schedule): void;
  /** The runner changed a schedule (ran a one-time schedule, removed one) between requests: persist it. */
  noteChanged(): void;
}

/**
 * Runs schedules on the emulator clock: one timer per enabled schedule, set for its next scheduled time plus a
 * draw within its flexible window; at that time the target is invoked and the timer set again. Timers and
 * invocations in flight end at reset() and close().
 */
export function createRunner(deps: ServiceDeps, hooks: RunnerHooks) {
  const { clock, bus, options } = deps;
  const timers = new Map<string, Timer>();
  let lifecycle = new AbortController();
  // With a seed, the draws within flexible windows repeat from run to run.
  const newRandom = () => (options.seed !== undefined ? new SeededRandom((options.seed ^ 0x5c4ed01e) >>> 0) : undefined);
  let random = newRandom();
  const draw = () => (random ? random.next() : Math.random());

  const cancel = (s: Schedule) => {
    timers.get(s.Arn)?.cancel();
    timers.delete(s.Arn);
  };
  const at = (s: Schedule, time: number, fn: () => void) => {
    timers.set(s.Arn, clock.setTimer(Math.max(0, time - clock.now()), () => {
      timers.delete(s.Arn);
      fn();
    }));
  };
  const complete = (s: Schedule) => {
    if (s.ActionAfterCompletion !== 'DELETE') return;
    hooks.remove(s);
    hooks.noteChanged();
  };
  const flexibleDelay = (s: Schedule) =>
    s.FlexibleTimeWindow.Mode === 'FLEXIBLE' ? Math.floor(draw() * (s.FlexibleTimeWindow.MaximumWindowInMinutes ?? 0) * 60_000) : 0;

  /** Sets the schedule's timer for its next time after `after` (now unless it just ran). */
  function arm(s: Schedule, opts: { restored?: boolean; after?: number } = {}): void {
    cancel(s);
    if (s.State !== 'ENABLED') return;
    const expression = parseExpression(s.ScheduleExpression);
    const zone = s.ScheduleExpressionTimezone ?? 'UTC';
    const now = clock.now();
    if (expression.kind === 'at') {
      if (s.done) return;
      const time = nextOccurrence(expression, zone, now, { anchor: 0 })!;
      // A time already past when the schedule was written never runs; one that passed while the emulator was
      // stopped (written before it) would have run on AWS: it runs now, once.
      if (time < now && !(opts.restored && time >= s.LastModificationDate.getTime())) return;
      const due = Math.max(time, now);
      at(s, due + flexibleDelay(s), () => run(s, time));
      return;
    }
    const window = { start: s.StartDate?.getTime(), end: s.EndDate?.getTime(), anchor: s.LastModificationDate.getTime() };
    const next = nextOccurrence(expression, zone, opts.after ?? now, window);
    if (next === undefined) {
      // A recurring schedule completes at its EndDate.
      if (window.end !== undefined) at(s, window.end, () => complete(s));
      return;
    }
    at(s, next + flexibleDelay(s), () => run(s, next));
  }

  function run(s: Schedule, scheduledTime: number): void {
    invokeTarget(bus, clock, { scheduleArn: s.Arn, target: s.Target, scheduledTime }, options.accountId, lifecycle.signal);
    if (parseExpression(s.ScheduleExpression).kind === 'at') {
      s.done = true;
      hooks.noteChanged();
      complete(s);
    } else arm(s, { after: scheduledTime });
  }

  return {
    arm,
    cancel,
    /** Cancels every timer and invocation in flight (reset, close); the flexible-window draws start over. */
    cancelAll(): void {
      for (const t of timers.values()) t.cancel();
      timers.clear();
      lifecycle.abort();
      lifecycle = new AbortController();
      random = newRandom();
    },
  };
}
