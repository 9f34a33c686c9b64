import type { DeliveryBus } from '../core/delivery';
import type { Clock } from '../core/clock';
import { MetricStore, statistic, type Dimension } from './metrics';

/**
 * Metric alarms evaluated on the emulator's clock: every minute of emulated time and whenever a datapoint
 * arrives for the alarm's metric. A state change is published to the alarm's SNS actions in the shape of
 * AWS's alarm notification.
 */
export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

export interface Alarm {
  AlarmName: string;
  AlarmArn: string;
  AlarmDescription?: string;
  MetricName: string;
  Namespace: string;
  Statistic: string;
  Dimensions: Dimension[];
  Period: number;
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

export function evaluate(alarm: Alarm, store: MetricStore, now: number): { state: AlarmState; reason: string } {
  const periodMs = alarm.Period * 1000;
  const end = Math.floor(now / periodMs) * periodMs + periodMs;
  const start = end - alarm.EvaluationPeriods * periodMs;
  const id = { namespace: alarm.Namespace, name: alarm.MetricName, dimensions: alarm.Dimensions };
  const points = store.aggregate(id, start, end, periodMs, alarm.Unit);
  const values = points.map(([, p]) => statistic(p, alarm.Statistic));
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

const REGION_NAMES: Record<string, string> = {
  'us-east-1': 'US East (N. Virginia)',
  'us-east-2': 'US East (Ohio)',
  'us-west-2': 'US West (Oregon)',
  'eu-west-1': 'EU (Ireland)',
  'eu-central-1': 'EU (Frankfurt)',
};

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
    Region: REGION_NAMES[alarm.region] ?? alarm.region,
    AlarmArn: alarm.AlarmArn,
    OldStateValue: oldState,
    OKActions: alarm.OKActions,
    AlarmActions: alarm.AlarmActions,
    InsufficientDataActions: alarm.InsufficientDataActions,
    Trigger: {
      MetricName: alarm.MetricName,
      Namespace: alarm.Namespace,
      StatisticType: 'Statistic',
      Statistic: alarm.Statistic.toUpperCase(),
      Unit: alarm.Unit ?? null,
      Dimensions: alarm.Dimensions.map((d) => ({ value: d.Value, name: d.Name })),
      Period: alarm.Period,
      EvaluationPeriods: alarm.EvaluationPeriods,
      DatapointsToAlarm: alarm.DatapointsToAlarm ?? alarm.EvaluationPeriods,
      ComparisonOperator: alarm.ComparisonOperator,
      Threshold: alarm.Threshold,
      TreatMissingData: alarm.TreatMissingData,
      EvaluateLowSampleCountPercentile: '',
    },
  };
  const subject = `${alarm.StateValue}: "${alarm.AlarmName}" in ${REGION_NAMES[alarm.region] ?? alarm.region}`.slice(0, 100);
  const origin = { principal: 'cloudwatch.amazonaws.com', sourceArn: alarm.AlarmArn, sourceAccount: alarm.accountId };
  for (const arn of actions) {
    if (!arn.startsWith('arn:aws:sns:')) continue;
    bus.dispatch(arn, { kind: 'sns', message: JSON.stringify(message), subject }, origin);
  }
  bus.record({ type: 'cloudwatch.alarm', alarmName: alarm.AlarmName, from: oldState, to: alarm.StateValue });
}
