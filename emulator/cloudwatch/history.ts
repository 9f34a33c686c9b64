import { AwsError } from '../core/errors';
import { offsetPage } from '../core/paging';
import type { Alarm, AlarmState } from './alarms';
import type { CompositeAlarm } from './composite-alarms';
import { appendAll } from '../core/arrays';

/**
 * Alarm history as DescribeAlarmHistory shows it: a StateUpdate item for each state change and a
 * ConfigurationUpdate item for each create, update and delete. Kept after an alarm is deleted, as on AWS
 * (there for two weeks; here until reset).
 */
export interface HistoryItem {
  AlarmName: string;
  AlarmType: 'MetricAlarm' | 'CompositeAlarm';
  Timestamp: Date;
  HistoryItemType: 'ConfigurationUpdate' | 'StateUpdate' | 'Action';
  HistorySummary: string;
  HistoryData: string;
}

const HISTORY_ITEM_TYPES = ['ConfigurationUpdate', 'StateUpdate', 'Action', 'AlarmContributorStateUpdate', 'AlarmContributorAction'];
const MAX_RECORDS = 100;

/** StateReasonData is JSON when CloudWatch wrote it; AWS nests it as an object in HistoryData. */
const reasonData = (data: string | undefined): unknown => {
  if (data === undefined) return undefined;
  try {
    return JSON.parse(data);
  } catch {
    return data;
  }
};

/** A value with every object key in camelCase, as HistoryData writes nested structures. */
const camelCased = (v: unknown): unknown =>
  Array.isArray(v)
    ? v.map(camelCased)
    : v && typeof v === 'object'
      ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k[0]!.toLowerCase() + k.slice(1), camelCased(x)]))
      : v;

/** The alarm's configuration as HistoryData shows it (AWS's camelCase keys). */
const configurationOf = (a: Alarm) => ({
  alarmName: a.AlarmName,
  alarmArn: a.AlarmArn,
  alarmDescription: a.AlarmDescription,
  metricName: a.MetricName,
  namespace: a.Namespace,
  statistic: a.Statistic,
  dimensions: a.Dimensions.map((d) => ({ name: d.Name, value: d.Value })),
  period: a.Period,
  metrics: camelCased(a.Metrics),
  evaluationPeriods: a.EvaluationPeriods,
  datapointsToAlarm: a.DatapointsToAlarm,
  threshold: a.Threshold,
  comparisonOperator: a.ComparisonOperator,
  treatMissingData: a.TreatMissingData,
  actionsEnabled: a.ActionsEnabled,
  alarmActions: a.AlarmActions,
  okActions: a.OKActions,
  insufficientDataActions: a.InsufficientDataActions,
  unit: a.Unit,
});

/** A composite alarm's configuration as HistoryData shows it. */
const compositeConfigurationOf = (a: CompositeAlarm) => ({
  alarmName: a.AlarmName,
  alarmArn: a.AlarmArn,
  alarmDescription: a.AlarmDescription,
  alarmRule: a.AlarmRule,
  actionsEnabled: a.ActionsEnabled,
  alarmActions: a.AlarmActions,
  okActions: a.OKActions,
  insufficientDataActions: a.InsufficientDataActions,
  actionsSuppressor: a.ActionsSuppressor,
  actionsSuppressorWaitPeriod: a.ActionsSuppressorWaitPeriod,
  actionsSuppressorExtensionPeriod: a.ActionsSuppressorExtensionPeriod,
});

const isComposite = (a: Alarm | CompositeAlarm): a is CompositeAlarm => 'AlarmRule' in a;
const typeOf = (a: Alarm | CompositeAlarm) => (isComposite(a) ? 'CompositeAlarm' : 'MetricAlarm');
const configuration = (a: Alarm | CompositeAlarm) => (isComposite(a) ? compositeConfigurationOf(a) : configurationOf(a));

export class AlarmHistory {
  private items: HistoryItem[] = [];
  /** Told of every item added (persistence appends them). */
  recorder?: (item: HistoryItem) => void;

  private add(item: HistoryItem): void {
    this.items.push(item);
    this.recorder?.(item);
  }

  all(): readonly HistoryItem[] {
    return this.items;
  }

  /** Brings back saved items (in the order they were recorded) after a restart. */
  restore(items: HistoryItem[]): void {
    appendAll(this.items, items);
  }

  stateChanged(alarm: Alarm | CompositeAlarm, old: { state: AlarmState; reason: string }, at: number): void {
    this.add({
      AlarmName: alarm.AlarmName,
      AlarmType: typeOf(alarm),
      Timestamp: new Date(at),
      HistoryItemType: 'StateUpdate',
      HistorySummary: `Alarm updated from ${old.state} to ${alarm.StateValue}`,
      HistoryData: JSON.stringify({
        version: '1.0',
        oldState: { stateValue: old.state, stateReason: old.reason },
        newState: { stateValue: alarm.StateValue, stateReason: alarm.StateReason, stateReasonData: reasonData(alarm.StateReasonData) },
      }),
    });
  }

  configured<A extends Alarm | CompositeAlarm>(alarm: A, kind: 'Create' | 'Update' | 'Delete', at: number, previous?: A): void {
    const data: Record<string, unknown> = { version: '1.0', type: kind };
    if (kind === 'Create') data.createdAlarm = configuration(alarm);
    if (kind === 'Update') Object.assign(data, { originalAlarm: previous && configuration(previous), updatedAlarm: configuration(alarm) });
    if (kind === 'Delete') data.deletedAlarm = configuration(alarm);
    this.add({
      AlarmName: alarm.AlarmName,
      AlarmType: typeOf(alarm),
      Timestamp: new Date(at),
      HistoryItemType: 'ConfigurationUpdate',
      HistorySummary: `Alarm "${alarm.AlarmName}" ${kind === 'Create' ? 'created' : kind === 'Update' ? 'updated' : 'deleted'}`,
      HistoryData: JSON.stringify(data),
    });
  }

  describe(input: any): { AlarmHistoryItems: HistoryItem[]; NextToken?: string } {
    if (input.HistoryItemType !== undefined && !HISTORY_ITEM_TYPES.includes(input.HistoryItemType)) {
      throw new AwsError(
        'ValidationException',
        `1 validation error detected: Value '${input.HistoryItemType}' at 'historyItemType' failed to satisfy constraint: Member must satisfy enum value set: [${HISTORY_ITEM_TYPES.join(', ')}]`,
        400,
      );
    }
    const max = input.MaxRecords ?? MAX_RECORDS;
    if (!Number.isInteger(max) || max < 1 || max > MAX_RECORDS) {
      throw new AwsError('ValidationException', `1 validation error detected: Value '${max}' at 'maxRecords' failed to satisfy constraint: Member must have value between 1 and 100`, 400);
    }
    const start = input.StartDate ? new Date(input.StartDate).getTime() : -Infinity;
    const end = input.EndDate ? new Date(input.EndDate).getTime() : Infinity;
    // Without AlarmTypes, AWS answers metric alarms' history only.
    const types: string[] = input.AlarmTypes?.length ? input.AlarmTypes : ['MetricAlarm'];
    const matching = this.items.filter(
      (h) =>
        (!input.AlarmName || h.AlarmName === input.AlarmName) &&
        (!input.HistoryItemType || h.HistoryItemType === input.HistoryItemType) &&
        types.includes(h.AlarmType) &&
        h.Timestamp.getTime() >= start &&
        h.Timestamp.getTime() <= end,
    );
    // Recorded in time order; AWS lists newest first unless asked for TimestampAscending.
    const ordered = input.ScanBy === 'TimestampAscending' ? matching : [...matching].reverse();
    const { items, next } = offsetPage(ordered, input.NextToken, max, 'history', () => new AwsError('InvalidNextToken', 'The service cannot complete the request.', 400));
    return { AlarmHistoryItems: items.map((h) => ({ ...h })), NextToken: next };
  }

  clear(): void {
    this.items = [];
  }
}
