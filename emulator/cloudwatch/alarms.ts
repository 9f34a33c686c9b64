import type { DeliveryBus } from '../core/delivery';
import { AwsError } from '../core/errors';
import { parseArn } from '../core/ids';
import type { Clock } from '../core/clock';
import { MetricStore, statistic, type Dimension, type MetricId } from './metrics';
import { mathAlarmPeriod, mathAlarmReads, mathAlarmValues } from './metric-math/alarm';
import type { MetricDataQuery } from './metric-math';
import { regionName } from './notification-format';

/**
 * Metric alarms evaluated on the emulator's clock: every minute of emulated time and whenever a datapoint
 * arrives for the alarm's metric. A state change is published to the alarm's SNS actions in the shape of
 * AWS's alarm notification. An alarm watches either one metric (MetricName, Namespace, Statistic, Period) or
 * the one query of its Metrics list that returns data (metric math); both are judged the same way.
 */
export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

export interface Alarm {
  AlarmName: string;
  AlarmArn: string;
  AlarmDescription?: string;
  MetricName?: string;
  Namespace?: string;
  Statistic?: string;
  Dimensions: Dimension[];
  Period?: number;
  Metrics?: MetricDataQuery[];
  EvaluationPeriods: number;
  DatapointsToAlarm?: number;
  Threshold: number;
  ComparisonOperator: string;
  TreatMissingData: string;
  ActionsEnabled: boolean;
  AlarmActions: string[];
  OKActions: string[];
  InsufficientDataActions: string[];
  Unit?: string;
  StateValue: AlarmState;
  StateReason: string;
  StateReasonData?: string;
  StateUpdatedTimestamp: Date;
  AlarmConfigurationUpdatedTimestamp: Date;
  region: string;
  accountId: string;
}

const COMPARE: Record<string, (v: number, t: number) => boolean> = {
  GreaterThanOrEqualToThreshold: (v, t) => v >= t,
  GreaterThanThreshold: (v, t) => v > t,
  LessThanThreshold: (v, t) => v < t,
  LessThanOrEqualToThreshold: (v, t) => v <= t,
};
export const COMPARISON_OPERATORS = Object.keys(COMPARE);
/** The operators of alarms on an anomaly detection band (ThresholdMetricId), which the emulator does not evaluate. */
/**
 * An alarm's actions must be in its own Region: AWS refuses the alarm with "Invalid region <r> specified. Only <own> is
 * supported." (quoted in cds-snc/notification-terraform#128 for an SNS topic of another Region).
 */
export function checkActionRegions(input: { AlarmActions?: string[]; OKActions?: string[]; InsufficientDataActions?: string[] }, region: string): void {
  for (const arn of [...(input.AlarmActions ?? []), ...(input.OKActions ?? []), ...(input.InsufficientDataActions ?? [])]) {
    const actionRegion = parseArn(arn)?.region;
    if (actionRegion && actionRegion !== region) {
      throw new AwsError('ValidationException', `Invalid region ${actionRegion} specified. Only ${region} is supported.`, 400);
    }
  }
}

export const ANOMALY_OPERATORS = ['LessThanLowerOrGreaterThanUpperThreshold', 'LessThanLowerThreshold', 'GreaterThanUpperThreshold'];

/** The alarm's period in seconds. */
export const alarmPeriod = (alarm: Alarm): number => (alarm.Metrics ? mathAlarmPeriod(alarm.Metrics)! : alarm.Period!);

/** Whether a new datapoint for this metric can change the alarm's state. */
export const alarmReads = (alarm: Alarm, id: MetricId): boolean =>
  alarm.Metrics ? mathAlarmReads(alarm.Metrics, id) : alarm.Namespace === id.namespace && alarm.MetricName === id.name;

/** The alarm's values in [start, end), one per period that has one. */
function alarmValues(alarm: Alarm, store: MetricStore, start: number, end: number): number[] {
  if (alarm.Metrics) return mathAlarmValues(alarm.Metrics, store, start, end);
  const id = { namespace: alarm.Namespace!, name: alarm.MetricName!, dimensions: alarm.Dimensions };
  return store.aggregate(id, start, end, alarmPeriod(alarm) * 1000, alarm.Unit).map(([, p]) => statistic(p, alarm.Statistic!));
}

export function evaluate(alarm: Alarm, store: MetricStore, now: number): { state: AlarmState; reason: string } {
  const periodMs = alarmPeriod(alarm) * 1000;
  const end = Math.floor(now / periodMs) * periodMs + periodMs;
  const start = end - alarm.EvaluationPeriods * periodMs;
  const values = alarmValues(alarm, store, start, end);
  const missing = alarm.EvaluationPeriods - values.length;
  let breaching = values.filter((v) => COMPARE[alarm.ComparisonOperator]!(v, alarm.Threshold)).length;
  if (alarm.TreatMissingData === 'breaching') breaching += missing;
  const needed = alarm.DatapointsToAlarm ?? alarm.EvaluationPeriods;
  const described = `[${values.map((v) => v.toString()).join(', ')}]`;
  if (breaching >= needed) {
    return { state: 'ALARM', reason: `Threshold Crossed: ${breaching} out of the last ${alarm.EvaluationPeriods} datapoints ${described} were ${alarm.ComparisonOperator.replace(/([A-Z])/g, ' $1').trim().toLowerCase()} (${alarm.Threshold}).` };
  }
  if (values.length === 0 && (alarm.TreatMissingData === 'missing' || alarm.TreatMissingData === 'ignore')) {
    return { state: alarm.StateValue === 'INSUFFICIENT_DATA' || alarm.TreatMissingData === 'missing' ? 'INSUFFICIENT_DATA' : alarm.StateValue, reason: 'Insufficient Data: no datapoints were received for the evaluation periods.' };
  }
  return { state: 'OK', reason: `Threshold Crossed: ${breaching} out of the last ${alarm.EvaluationPeriods} datapoints ${described} did not cross the threshold (${alarm.Threshold}).` };
}


const notifiedDimensions = (dims: Dimension[] = []) => dims.map((d) => ({ value: d.Value, name: d.Name }));

/** What the notification says the alarm watches: its metric, or its Metrics list. */
function triggerOf(alarm: Alarm): Record<string, unknown> {
  const judged = {
    Period: alarmPeriod(alarm),
    EvaluationPeriods: alarm.EvaluationPeriods,
    DatapointsToAlarm: alarm.DatapointsToAlarm ?? alarm.EvaluationPeriods,
    ComparisonOperator: alarm.ComparisonOperator,
    Threshold: alarm.Threshold,
    TreatMissingData: alarm.TreatMissingData,
    EvaluateLowSampleCountPercentile: '',
  };
  if (alarm.Metrics) {
    const Metrics = alarm.Metrics.map((q) =>
      q.MetricStat ? { ...q, MetricStat: { ...q.MetricStat, Metric: { ...q.MetricStat.Metric, Dimensions: notifiedDimensions(q.MetricStat.Metric.Dimensions) } } } : q,
    );
    return { ...judged, Metrics };
  }
  return {
    MetricName: alarm.MetricName,
    Namespace: alarm.Namespace,
    StatisticType: 'Statistic',
    Statistic: alarm.Statistic!.toUpperCase(),
    Unit: alarm.Unit ?? null,
    Dimensions: notifiedDimensions(alarm.Dimensions),
    ...judged,
  };
}

/** Publishes a state change to the alarm's actions for the new state (SNS topics). */
export function notifyStateChange(bus: DeliveryBus, clock: Clock, alarm: Alarm, oldState: AlarmState): void {
  if (!alarm.ActionsEnabled) return;
  const actions = alarm.StateValue === 'ALARM' ? alarm.AlarmActions : alarm.StateValue === 'OK' ? alarm.OKActions : alarm.InsufficientDataActions;
  const message = {
    AlarmName: alarm.AlarmName,
    AlarmDescription: alarm.AlarmDescription ?? null,
    AWSAccountId: alarm.accountId,
    AlarmConfigurationUpdatedTimestamp: alarm.AlarmConfigurationUpdatedTimestamp.toISOString(),
    NewStateValue: alarm.StateValue,
    NewStateReason: alarm.StateReason,
    StateChangeTime: new Date(clock.now()).toISOString(),
    Region: regionName(alarm.region),
    AlarmArn: alarm.AlarmArn,
    OldStateValue: oldState,
    OKActions: alarm.OKActions,
    AlarmActions: alarm.AlarmActions,
    InsufficientDataActions: alarm.InsufficientDataActions,
    Trigger: triggerOf(alarm),
  };
  const subject = `${alarm.StateValue}: "${alarm.AlarmName}" in ${regionName(alarm.region)}`.slice(0, 100);
  const origin = { principal: 'cloudwatch.amazonaws.com', sourceArn: alarm.AlarmArn, sourceAccount: alarm.accountId };
  for (const arn of actions) {
    if (!arn.startsWith('arn:aws:sns:')) continue;
    bus.dispatch(arn, { kind: 'sns', message: JSON.stringify(message), subject }, origin);
  }
  bus.record({ type: 'cloudwatch.alarm', alarmName: alarm.AlarmName, from: oldState, to: alarm.StateValue });
}
