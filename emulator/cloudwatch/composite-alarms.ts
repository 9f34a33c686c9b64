import { AwsError } from '../core/errors';
import type { Clock } from '../core/clock';
import type { DeliveryBus } from '../core/delivery';
import type { Scope } from '../core/scope';
import { mergedTags } from '../core/tags';
import { checkActionRegions, type AlarmState } from './alarms';
import type { AlarmHistory } from './history';
import { evaluateRule, MAX_RULE_ALARMS, parseRule, ruleReferences, type Rule } from './composite-rule';
import { awsStateTime, regionName, stateReasonTime } from './notification-format';
import { createSuppressionGate } from './composite-suppression';

/**
 * Composite alarms: an alarm whose state is its AlarmRule over other alarms' states (ALARM when the rule is TRUE,
 * OK when FALSE). A new or updated composite is evaluated at once; afterwards whenever an alarm it references
 * changes state. A change is recorded in the history and published to the composite's SNS actions in the shape
 * AWS sends (with AlarmRule and TriggeringChildren), unless its ActionsSuppressor holds them
 * (composite-suppression.ts).
 */
export interface CompositeAlarm {
  AlarmName: string;
  AlarmArn: string;
  AlarmDescription?: string;
  AlarmRule: string;
  ActionsEnabled: boolean;
  AlarmActions: string[];
  OKActions: string[];
  InsufficientDataActions: string[];
  ActionsSuppressor?: string;
  ActionsSuppressorWaitPeriod?: number;
  ActionsSuppressorExtensionPeriod?: number;
  ActionsSuppressedBy?: 'WaitPeriod' | 'ExtensionPeriod' | 'Alarm';
  ActionsSuppressedReason?: string;
  StateValue: AlarmState;
  StateReason: string;
  StateReasonData?: string;
  StateUpdatedTimestamp: Date;
  StateTransitionedTimestamp: Date;
  AlarmConfigurationUpdatedTimestamp: Date;
  /** Names of the alarms the rule references (resolved from names or ARNs). */
  children: string[];
  region: string;
  accountId: string;
}

/** What a composite needs to know of any alarm it references. */
export interface AlarmSummary {
  AlarmName: string;
  AlarmArn: string;
  StateValue: AlarmState;
  StateUpdatedTimestamp: Date;
}

export interface CompositeDeps {
  clock: Clock;
  bus: DeliveryBus;
  history: AlarmHistory;
  tags: Map<string, { Key: string; Value: string }[]>;
  /** A metric alarm by name. */
  metricAlarm(name: string): AlarmSummary | undefined;
  /** Notes a composite whose configuration, state or tags changed (persistence). */
  changed(name: string): void;
}

const ALARM_ARN = /^arn:aws[\w-]*:cloudwatch:([^:]*):(\d{12}):alarm:(.+)$/;
const validation = (message: string) => new AwsError('ValidationException', message, 400);

export function createCompositeAlarms(deps: CompositeDeps) {
  const { clock, bus, history } = deps;
  const composites = new Map<string, CompositeAlarm>();
  const rules = new Map<string, { text: string; rule: Rule }>();
  /** Composites being evaluated now: a cycle of composites stops here, as AWS stops evaluating one. */
  const evaluating = new Set<string>();

  const lookup = (name: string): AlarmSummary | undefined => deps.metricAlarm(name) ?? composites.get(name);

  /** The alarm name a rule reference stands for, or undefined for an ARN of another account or Region. */
  const nameOf = (ref: string, region: string, accountId: string): string | undefined => {
    const m = ALARM_ARN.exec(ref);
    if (!m) return ref;
    return m[1] === region && m[2] === accountId ? m[3] : undefined;
  };

  const ruleOf = (c: CompositeAlarm): Rule => {
    const cached = rules.get(c.AlarmName);
    if (cached?.text === c.AlarmRule) return cached.rule;
    const rule = parseRule(c.AlarmRule);
    rules.set(c.AlarmName, { text: c.AlarmRule, rule });
    return rule;
  };

  const suppressorOf = (c: CompositeAlarm): AlarmSummary | undefined => {
    if (!c.ActionsSuppressor) return undefined;
    const name = nameOf(c.ActionsSuppressor, c.region, c.accountId);
    return name === undefined ? undefined : lookup(name);
  };

  /** Publishes the change to the actions for the new state, in the message shape AWS sends for composites. */
  const publish = (c: CompositeAlarm, oldState: AlarmState, triggering: AlarmSummary[]) => {
    const actions = c.StateValue === 'ALARM' ? c.AlarmActions : c.StateValue === 'OK' ? c.OKActions : c.InsufficientDataActions;
    const message = {
      AlarmName: c.AlarmName,
      AlarmDescription: c.AlarmDescription ?? null,
      AWSAccountId: c.accountId,
      NewStateValue: c.StateValue,
      NewStateReason: c.StateReason,
      StateChangeTime: awsStateTime(c.StateUpdatedTimestamp),
      Region: regionName(c.region),
      AlarmArn: c.AlarmArn,
      OKActions: c.OKActions,
      AlarmActions: c.AlarmActions,
      InsufficientDataActions: c.InsufficientDataActions,
      OldStateValue: oldState,
      AlarmRule: c.AlarmRule,
      TriggeringChildren: triggering.map((t) => ({ Arn: t.AlarmArn, State: { Value: t.StateValue, Timestamp: awsStateTime(t.StateUpdatedTimestamp) } })),
    };
    const subject = `${c.StateValue}: "${c.AlarmName}" in ${regionName(c.region)}`.slice(0, 100);
    const origin = { principal: 'cloudwatch.amazonaws.com', sourceArn: c.AlarmArn, sourceAccount: c.accountId };
    for (const arn of actions) {
      if (!arn.startsWith('arn:aws:sns:')) continue;
      bus.dispatch(arn, { kind: 'sns', message: JSON.stringify(message), subject }, origin);
    }
  };
  const gate = createSuppressionGate({ clock, suppressorOf, publish, changed: deps.changed });

  const setState = (c: CompositeAlarm, state: AlarmState, reason: string, reasonData: string | undefined, triggering: AlarmSummary[]) => {
    if (c.StateValue === state) return;
    const old = { state: c.StateValue, reason: c.StateReason };
    const now = new Date(clock.now());
    Object.assign(c, { StateValue: state, StateReason: reason, StateReasonData: reasonData, StateUpdatedTimestamp: now, StateTransitionedTimestamp: now });
    deps.changed(c.AlarmName);
    history.stateChanged(c, old, now.getTime());
    bus.record({ type: 'cloudwatch.alarm', alarmName: c.AlarmName, from: old.state, to: c.StateValue });
    gate.act(c, old.state, triggering);
    stateChanged(c.AlarmName, old.state);
  };

  /** Recomputes a composite from its children's states; `trigger` is the child whose change caused it, if any. */
  const evaluate = (c: CompositeAlarm, trigger?: AlarmSummary) => {
    const stateOf = (ref: string) => {
      const name = nameOf(ref, c.region, c.accountId);
      return name === undefined ? undefined : lookup(name)?.StateValue;
    };
    const state: AlarmState = evaluateRule(ruleOf(c), stateOf) ? 'ALARM' : 'OK';
    if (state === c.StateValue) return;
    // Without a child that just changed (a new or updated rule), the one that changed last stands for the cause.
    const cause =
      trigger ??
      c.children
        .map(lookup)
        .filter((a): a is AlarmSummary => !!a)
        .sort((a, b) => b.StateUpdatedTimestamp.getTime() - a.StateUpdatedTimestamp.getTime())[0];
    const reason = cause ? `${cause.AlarmArn} transitioned to ${cause.StateValue} at ${stateReasonTime(cause.StateUpdatedTimestamp)}` : `Alarm rule evaluated to ${state === 'ALARM' ? 'TRUE' : 'FALSE'}`;
    const data = cause && { triggeringAlarms: [{ arn: cause.AlarmArn, state: { value: cause.StateValue, timestamp: awsStateTime(cause.StateUpdatedTimestamp) } }] };
    setState(c, state, reason, data && JSON.stringify(data), cause ? [cause] : []);
  };

  /** Told of every alarm's state change (metric or composite): the composites over it are evaluated again. */
  function stateChanged(name: string, oldState: AlarmState): void {
    gate.alarmChanged(name, oldState, composites.values());
    const child = lookup(name);
    if (!child) return;
    for (const c of composites.values()) {
      if (!c.children.includes(name) || evaluating.has(c.AlarmName)) continue;
      evaluating.add(c.AlarmName);
      try {
        evaluate(c, child);
      } finally {
        evaluating.delete(c.AlarmName);
      }
    }
  }

  return {
    composites,
    stateChanged,

    /** Composites whose rule references the alarm or that name it as their ActionsSuppressor. */
    dependents(name: string): CompositeAlarm[] {
      return [...composites.values()].filter((c) => c.children.includes(name) || (c.ActionsSuppressor !== undefined && nameOf(c.ActionsSuppressor, c.region, c.accountId) === name));
    },

    put(input: any, ctx: Scope): void {
      const name: string = input.AlarmName;
      if (name.length < 1 || name.length > 255) {
        throw validation(`1 validation error detected: Value '${name}' at 'alarmName' failed to satisfy constraint: Member must have length between 1 and 255`);
      }
      if (deps.metricAlarm(name)) throw validation(`The alarm ${name} already exists as a metric alarm.`);
      checkActionRegions(input, ctx.region);
      const rule = parseRule(input.AlarmRule);
      const refs = ruleReferences(rule);
      const names = refs.map((r) => nameOf(r, ctx.region, ctx.accountId));
      const distinct = new Set(names.map((n, i) => n ?? refs[i]!));
      if (distinct.size > MAX_RULE_ALARMS) throw validation(`The AlarmRule references ${distinct.size} alarms; a composite alarm can reference at most ${MAX_RULE_ALARMS}.`);
      const missing = refs.filter((r, i) => names[i] === undefined || (names[i] !== name && !lookup(names[i]!)) || (names[i] === name && !composites.has(name)));
      if (missing.length) throw validation(`Could not save the composite alarm as alarms [${missing.join(', ')}] in the alarm rule do not exist`);
      if (input.ActionsSuppressor !== undefined) {
        if (input.ActionsSuppressorWaitPeriod === undefined || input.ActionsSuppressorExtensionPeriod === undefined) {
          throw validation('ActionsSuppressorWaitPeriod and ActionsSuppressorExtensionPeriod are required when ActionsSuppressor is specified.');
        }
        const s = nameOf(input.ActionsSuppressor, ctx.region, ctx.accountId);
        if (s === undefined || !lookup(s)) throw validation(`Could not save the composite alarm as the actions suppressor alarm [${input.ActionsSuppressor}] does not exist`);
      } else if (input.ActionsSuppressorWaitPeriod !== undefined || input.ActionsSuppressorExtensionPeriod !== undefined) {
        throw validation('ActionsSuppressorWaitPeriod and ActionsSuppressorExtensionPeriod can only be specified with ActionsSuppressor.');
      }
      for (const k of ['ActionsSuppressorWaitPeriod', 'ActionsSuppressorExtensionPeriod']) {
        if (input[k] !== undefined && input[k] < 0) throw validation(`The value ${input[k]} for parameter ${k} must be 0 or greater.`);
      }
      const now = new Date(clock.now());
      const existing = composites.get(name);
      const c: CompositeAlarm = {
        AlarmName: name,
        AlarmArn: `arn:aws:cloudwatch:${ctx.region}:${ctx.accountId}:alarm:${name}`,
        AlarmDescription: input.AlarmDescription,
        AlarmRule: input.AlarmRule,
        ActionsEnabled: input.ActionsEnabled ?? true,
        AlarmActions: input.AlarmActions ?? [],
        OKActions: input.OKActions ?? [],
        InsufficientDataActions: input.InsufficientDataActions ?? [],
        ActionsSuppressor: input.ActionsSuppressor,
        ActionsSuppressorWaitPeriod: input.ActionsSuppressorWaitPeriod,
        ActionsSuppressorExtensionPeriod: input.ActionsSuppressorExtensionPeriod,
        StateValue: existing?.StateValue ?? 'INSUFFICIENT_DATA',
        StateReason: existing?.StateReason ?? 'Unchecked: Initial alarm creation',
        StateReasonData: existing?.StateReasonData,
        StateUpdatedTimestamp: existing?.StateUpdatedTimestamp ?? now,
        StateTransitionedTimestamp: existing?.StateTransitionedTimestamp ?? now,
        AlarmConfigurationUpdatedTimestamp: now,
        children: [...new Set(names as string[])],
        region: ctx.region,
        accountId: ctx.accountId,
      };
      composites.set(name, c);
      rules.set(name, { text: c.AlarmRule, rule });
      deps.changed(name);
      // As for metric alarms, Tags count only when the alarm is created (TagResource changes them later).
      if (!existing && input.Tags?.length) deps.tags.set(c.AlarmArn, mergedTags([], input.Tags));
      history.configured(c, existing ? 'Update' : 'Create', now.getTime(), existing);
      evaluating.add(name);
      try {
        evaluate(c);
      } finally {
        evaluating.delete(name);
      }
    },

    /** SetAlarmState on a composite: kept until a child's change evaluates the rule again. */
    setState(c: CompositeAlarm, state: AlarmState, reason: string, reasonData?: string): void {
      setState(c, state, reason, reasonData, []);
    },

    delete(name: string): void {
      const c = composites.get(name);
      if (!c) return;
      history.configured(c, 'Delete', clock.now());
      deps.tags.delete(c.AlarmArn);
      composites.delete(name);
      rules.delete(name);
      gate.forget(name);
      deps.changed(name);
    },

    /** The composite as DescribeAlarms shows it. */
    view(c: CompositeAlarm) {
      const { children: _c, region: _r, accountId: _a, ...view } = c;
      return view;
    },

    restore(c: CompositeAlarm): void {
      composites.set(c.AlarmName, c);
    },

    clear(): void {
      composites.clear();
      rules.clear();
      gate.clear();
    },
  };
}

export type CompositeAlarms = ReturnType<typeof createCompositeAlarms>;
