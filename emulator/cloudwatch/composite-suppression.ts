import type { Clock, Timer } from '../core/clock';
import type { AlarmState } from './alarms';
import type { AlarmSummary, CompositeAlarm } from './composite-alarms';

/**
 * Composite alarm actions suppression (ActionsSuppressor). A state change's actions are held while the suppressor
 * alarm is in ALARM ("Alarm"), for ActionsSuppressorExtensionPeriod seconds after it leaves ALARM ("ExtensionPeriod"),
 * and, when the composite goes into ALARM, for up to ActionsSuppressorWaitPeriod seconds waiting for the suppressor
 * to go into ALARM ("WaitPeriod"). Held actions go out when the suppression ends, if the composite is still in the
 * state they were for; a newer change replaces them. Holds are not kept across a restart.
 */
interface Held {
  oldState: AlarmState;
  triggering: AlarmSummary[];
  /** The state change the actions belong to. */
  stamp: number;
  /** Waiting for the suppressor to go into ALARM (WaitPeriod): its other changes do not release the actions. */
  waiting: boolean;
  timer?: Timer;
}

export interface SuppressionDeps {
  clock: Clock;
  /** The composite's suppressor alarm, if it has one that exists. */
  suppressorOf(c: CompositeAlarm): AlarmSummary | undefined;
  publish(c: CompositeAlarm, oldState: AlarmState, triggering: AlarmSummary[]): void;
  changed(name: string): void;
}

export function createSuppressionGate(deps: SuppressionDeps) {
  const { clock } = deps;
  const held = new Map<string, Held>();
  /** When each alarm last left ALARM (for a suppressor's extension period). */
  const leftAlarmAt = new Map<string, number>();

  const mark = (c: CompositeAlarm, by: CompositeAlarm['ActionsSuppressedBy'], reason?: string) => {
    if (c.ActionsSuppressedBy === by && c.ActionsSuppressedReason === reason) return;
    c.ActionsSuppressedBy = by;
    c.ActionsSuppressedReason = reason;
    deps.changed(c.AlarmName);
  };

  /** Why actions are suppressed now (the suppressor's state), and until when if that is known. */
  const suppressedNow = (c: CompositeAlarm): { by: 'Alarm' | 'ExtensionPeriod'; reason: string; until?: number } | undefined => {
    const s = deps.suppressorOf(c);
    if (!s) return undefined;
    if (s.StateValue === 'ALARM') return { by: 'Alarm', reason: `Alarm ${s.AlarmArn} is in ALARM state.` };
    const left = leftAlarmAt.get(s.AlarmName);
    const until = left === undefined ? undefined : left + (c.ActionsSuppressorExtensionPeriod ?? 0) * 1000;
    if (until !== undefined && clock.now() < until) {
      return { by: 'ExtensionPeriod', reason: `Alarm ${s.AlarmArn} left ALARM state; actions are suppressed for ${c.ActionsSuppressorExtensionPeriod} seconds after.`, until };
    }
    return undefined;
  };

  /** Sends the held actions unless still suppressed (then waits for the end of an extension period). */
  const release = (c: CompositeAlarm) => {
    const h = held.get(c.AlarmName);
    if (!h) return;
    h.timer?.cancel();
    h.timer = undefined;
    if (c.StateUpdatedTimestamp.getTime() !== h.stamp) {
      held.delete(c.AlarmName);
      return;
    }
    const now = suppressedNow(c);
    if (now) {
      mark(c, now.by, now.reason);
      if (now.until !== undefined) h.timer = clock.setTimer(now.until - clock.now(), () => release(c));
      return;
    }
    held.delete(c.AlarmName);
    mark(c, undefined);
    deps.publish(c, h.oldState, h.triggering);
  };

  return {
    /** The composite changed state: its actions go out now, or are held. */
    act(c: CompositeAlarm, oldState: AlarmState, triggering: AlarmSummary[]): void {
      const previous = held.get(c.AlarmName);
      previous?.timer?.cancel();
      held.delete(c.AlarmName);
      if (!c.ActionsEnabled) return;
      if (!c.ActionsSuppressor) {
        deps.publish(c, oldState, triggering);
        return;
      }
      const h: Held = { oldState, triggering, stamp: c.StateUpdatedTimestamp.getTime(), waiting: false };
      held.set(c.AlarmName, h);
      const wait = (c.ActionsSuppressorWaitPeriod ?? 0) * 1000;
      if (c.StateValue === 'ALARM' && wait > 0 && !suppressedNow(c) && deps.suppressorOf(c)) {
        h.waiting = true;
        mark(c, 'WaitPeriod', `Waiting up to ${c.ActionsSuppressorWaitPeriod} seconds for alarm ${deps.suppressorOf(c)!.AlarmArn} to go into ALARM state.`);
        h.timer = clock.setTimer(wait, () => {
          h.waiting = false;
          release(c);
        });
        return;
      }
      release(c);
    },

    /** An alarm changed state: composites it suppresses may hold or release their actions. */
    alarmChanged(name: string, oldState: AlarmState, composites: Iterable<CompositeAlarm>): void {
      if (oldState === 'ALARM') leftAlarmAt.set(name, clock.now());
      for (const c of composites) {
        const h = held.get(c.AlarmName);
        if (!h || deps.suppressorOf(c)?.AlarmName !== name) continue;
        const entered = deps.suppressorOf(c)?.StateValue === 'ALARM';
        // While waiting, only the suppressor going into ALARM matters; it ends the wait.
        if (h.waiting && !entered) continue;
        h.waiting = false;
        release(c);
      }
    },

    forget(name: string): void {
      held.get(name)?.timer?.cancel();
      held.delete(name);
    },

    clear(): void {
      for (const h of held.values()) h.timer?.cancel();
      held.clear();
      leftAlarmAt.clear();
    },
  };
}
