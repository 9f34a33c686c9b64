import { AwsError } from '../core/errors';
import { offsetPage } from '../core/paging';
import type { Alarm } from './alarms';
import type { CompositeAlarms } from './composite-alarms';

/**
 * DescribeAlarms over metric and composite alarms. AlarmTypes chooses which (metric alarms only when omitted, as on
 * AWS); ChildrenOfAlarmName and ParentsOfAlarmName list a composite's children or an alarm's composite parents, name,
 * ARN, state and state time only, and take no other filter. Metric alarms come first, then composites, each by name,
 * paged together by MaxRecords.
 */
const MAX_RECORDS = 100;
const TYPES = ['MetricAlarm', 'CompositeAlarm'];
const FILTERS = ['AlarmNames', 'AlarmNamePrefix', 'AlarmTypes', 'StateValue', 'ActionPrefix'];
const validation = (message: string) => new AwsError('ValidationException', message, 400);

type Listed = { type: 'MetricAlarm' | 'CompositeAlarm'; view: Record<string, unknown> };

export function describeAlarms(input: any, alarms: Map<string, Alarm>, composites: CompositeAlarms) {
  const max = input.MaxRecords ?? MAX_RECORDS;
  if (!Number.isInteger(max) || max < 1 || max > MAX_RECORDS) {
    throw validation(`1 validation error detected: Value '${max}' at 'maxRecords' failed to satisfy constraint: Member must have value between 1 and ${MAX_RECORDS}`);
  }
  const byName = <T extends { AlarmName: string }>(a: T, b: T) => (a.AlarmName < b.AlarmName ? -1 : a.AlarmName > b.AlarmName ? 1 : 0);
  const metricList = [...alarms.values()].sort(byName);
  const compositeList = [...composites.composites.values()].sort(byName);
  let listed: Listed[];

  const family = input.ChildrenOfAlarmName ?? input.ParentsOfAlarmName;
  if (family !== undefined) {
    if (input.ChildrenOfAlarmName !== undefined && input.ParentsOfAlarmName !== undefined) {
      throw validation('ChildrenOfAlarmName and ParentsOfAlarmName cannot be used together.');
    }
    const other = FILTERS.find((k) => input[k] !== undefined && !(Array.isArray(input[k]) && input[k].length === 0));
    if (other) throw validation(`${input.ChildrenOfAlarmName !== undefined ? 'ChildrenOfAlarmName' : 'ParentsOfAlarmName'} cannot be used with other filters such as ${other}.`);
    const brief = (a: { AlarmName: string; AlarmArn: string; StateValue: string; StateUpdatedTimestamp: Date }) => ({
      AlarmName: a.AlarmName,
      AlarmArn: a.AlarmArn,
      StateValue: a.StateValue,
      StateUpdatedTimestamp: a.StateUpdatedTimestamp,
    });
    const children = input.ChildrenOfAlarmName !== undefined ? composites.composites.get(input.ChildrenOfAlarmName)?.children ?? [] : undefined;
    const metricMatch = metricList.filter((a) => children?.includes(a.AlarmName) ?? false);
    const compositeMatch = compositeList.filter((c) => (children ? children.includes(c.AlarmName) : c.children.includes(input.ParentsOfAlarmName)));
    listed = [...metricMatch.map((a) => ({ type: 'MetricAlarm' as const, view: brief(a) })), ...compositeMatch.map((c) => ({ type: 'CompositeAlarm' as const, view: brief(c) }))];
  } else {
    const types: string[] = input.AlarmTypes?.length ? input.AlarmTypes : ['MetricAlarm'];
    const unknown = types.find((t) => !TYPES.includes(t));
    if (unknown) {
      throw validation(`1 validation error detected: Value '[${types.join(', ')}]' at 'alarmTypes' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [${TYPES.join(', ')}]]`);
    }
    const keep = (a: { AlarmName: string; StateValue: string; AlarmActions: string[] }) =>
      (!input.AlarmNames?.length || input.AlarmNames.includes(a.AlarmName)) &&
      (!input.AlarmNamePrefix || a.AlarmName.startsWith(input.AlarmNamePrefix)) &&
      (!input.StateValue || a.StateValue === input.StateValue) &&
      (!input.ActionPrefix || a.AlarmActions.some((x) => x.startsWith(input.ActionPrefix)));
    listed = [
      ...(types.includes('MetricAlarm') ? metricList.filter(keep).map(({ region: _r, accountId: _a, ...view }) => ({ type: 'MetricAlarm' as const, view })) : []),
      ...(types.includes('CompositeAlarm') ? compositeList.filter(keep).map((c) => ({ type: 'CompositeAlarm' as const, view: composites.view(c) })) : []),
    ];
  }
  const { items, next } = offsetPage(listed, input.NextToken, max, 'alarms', () => new AwsError('InvalidNextToken', 'The service cannot complete the request.', 400));
  return {
    MetricAlarms: items.filter((i) => i.type === 'MetricAlarm').map((i) => i.view),
    CompositeAlarms: items.filter((i) => i.type === 'CompositeAlarm').map((i) => i.view),
    NextToken: next,
  };
}
