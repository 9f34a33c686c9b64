import { AwsError } from '../core/errors';
import type { ServiceDeps } from '../core/service';
import type { Scope } from '../core/scope';
import type { Timer } from '../core/clock';
import { MetricStore, statistic, STATISTICS, type Dimension } from './metrics';
import { alarmReads, ANOMALY_OPERATORS, checkActionRegions, COMPARISON_OPERATORS, evaluate, notifyStateChange, type Alarm, type AlarmState } from './alarms';
import { checkAlarmMetrics } from './metric-math/alarm';
import { getMetricData } from './get-metric-data';
import { mergedTags, withoutTags } from '../core/tags';
import { AlarmHistory } from './history';
import { cloudWatchPersistence, type CloudWatchJournal, type CloudWatchState } from './persistence';
import { createCompositeAlarms } from './composite-alarms';
import { createAnomalyDetectors } from './anomaly-detectors';
import { createMetricStreams } from './metric-streams';
import { describeAlarms } from './describe-alarms';

export interface RegionalOptions {
  /** Persistence is on (--data-dir): changes are journaled. */
  persist: boolean;
  /** The account's dashboards, persisted with the emulator's own Region (as before Regions were kept apart). */
  dashboards?: CloudWatchState['dashboards'];
}

/**
 * One account's and Region's CloudWatch: its metrics, metric and composite alarms (with tags and history), anomaly
 * detectors and metric streams. Alarms are evaluated on the emulator's clock against this Region's metrics only and
 * publish state changes to SNS; composite alarms (composite-alarms.ts) follow the states of this Region's alarms.
 * The provider (index.ts) keeps one of these per account and Region, as AWS does; dashboards are the account's
 * (their ARNs name no Region) and stay with the provider.
 */
export function createRegionalCloudWatch(deps: ServiceDeps, scope: Scope, opts: RegionalOptions) {
  const store = new MetricStore();
  const alarms = new Map<string, Alarm>();
  /** Alarm tags by alarm ARN (TagResource, and PutMetricAlarm's Tags when it creates the alarm). */
  const tags = new Map<string, { Key: string; Value: string }[]>();
  const history = new AlarmHistory();
  let journal: CloudWatchJournal | undefined;
  let ticker: Timer | undefined;
  /** Notes an alarm whose configuration, state or tags changed (for persistence). */
  const changed = (name: string) => journal?.alarmChanged(name);
  const composites = createCompositeAlarms({
    clock: deps.clock,
    bus: deps.bus,
    history,
    tags,
    metricAlarm: (name) => alarms.get(name),
    changed: (name) => journal?.compositeChanged(name),
  });
  const anomalyDetectors = createAnomalyDetectors((key) => journal?.anomalyDetectorChanged(key));
  const metricStreams = createMetricStreams(deps.clock, tags, (name) => journal?.metricStreamChanged(name));

  const setState = (alarm: Alarm, state: AlarmState, reason: string, reasonData?: string) => {
    if (alarm.StateValue === state) return;
    const old = alarm.StateValue;
    const oldReason = alarm.StateReason;
    alarm.StateValue = state;
    alarm.StateReason = reason;
    alarm.StateReasonData = reasonData;
    alarm.StateUpdatedTimestamp = new Date(deps.clock.now());
    changed(alarm.AlarmName);
    history.stateChanged(alarm, { state: old, reason: oldReason }, deps.clock.now());
    notifyStateChange(deps.bus, deps.clock, alarm, old);
    composites.stateChanged(alarm.AlarmName, old);
  };
  const evaluateAll = (filter?: (a: Alarm) => boolean) => {
    for (const alarm of alarms.values()) {
      if (filter && !filter(alarm)) continue;
      let judged: ReturnType<typeof evaluate>;
      try {
        judged = evaluate(alarm, store, deps.clock.now());
      } catch (e) {
        // A math alarm whose data grew past what an evaluation may compute keeps its state, and the caller
        // (PutMetricData, the minute tick) is not failed for it.
        if (e instanceof AwsError) continue;
        throw e;
      }
      setState(alarm, judged.state, judged.reason);
    }
  };
  // AWS evaluates once a minute; a new datapoint for an alarm's metric also triggers an evaluation, so
  // tests see the transition without waiting for the next minute.
  const tick = () => {
    evaluateAll();
    ticker = deps.clock.setTimer(60_000, tick);
  };
  store.onPut((id) => evaluateAll((a) => alarmReads(a, id)));

  /**
   * The taggable resource an ARN names: a metric or composite alarm (`…:alarm:<name>`) or a metric stream
   * (`…:metric-stream/<name>`). `noteChange` records it for persistence.
   */
  const taggable = (arn: string | undefined): { arn: string; noteChange(): void } => {
    const m = /^arn:aws[\w-]*:cloudwatch:[^:]*:\d{12}:(?:alarm:(.+)|metric-stream\/(.+))$/.exec(arn ?? '');
    if (!m) throw new AwsError('InvalidParameterValueException', `Invalid value for parameter ResourceARN: ${arn}`, 400);
    if (m[2] !== undefined) {
      const stream = metricStreams.byArn(arn!);
      if (!stream) throw new AwsError('ResourceNotFoundException', `Metric stream ${m[2]} does not exist.`, 404);
      return { arn: stream.Arn, noteChange: () => journal?.metricStreamChanged(stream.Name) };
    }
    const name = m[1]!;
    if (alarms.get(name)?.AlarmArn === arn) return { arn: arn!, noteChange: () => changed(name) };
    if (composites.composites.get(name)?.AlarmArn === arn) return { arn: arn!, noteChange: () => journal?.compositeChanged(name) };
    throw new AwsError('ResourceNotFoundException', `Alarm ${m[1]} does not exist.`, 404);
  };

  /** Enable/DisableAlarmActions on metric and composite alarms; unknown names are passed over. */
  const setActionsEnabled = (names: string[] | undefined, enabled: boolean) => {
    for (const n of names ?? []) {
      const alarm = alarms.get(n);
      const composite = composites.composites.get(n);
      if (alarm) {
        alarm.ActionsEnabled = enabled;
        changed(n);
      } else if (composite) {
        composite.ActionsEnabled = enabled;
        journal?.compositeChanged(n);
      }
    }
  };

  const requireAlarmTicker = () => {
    ticker ??= deps.clock.setTimer(60_000, tick);
  };
  if (opts.persist) {
    // Restored alarms are evaluated on the clock again, as before the restart.
    journal = cloudWatchPersistence({
      store,
      alarms,
      tags,
      history,
      dashboards: opts.dashboards,
      composites,
      anomalyDetectors,
      metricStreams,
      restored: () => {
        if (alarms.size) requireAlarmTicker();
      },
    });
  }

  return {
    scope,
    metrics: store,
    persistence: journal,
    reset() {
      store.clear();
      alarms.clear();
      tags.clear();
      history.clear();
      composites.clear();
      anomalyDetectors.clear();
      metricStreams.clear();
      ticker?.cancel();
      ticker = undefined;
    },
    close() {
      ticker?.cancel();
    },
    PutMetricData(input: any) {
      if (!input.Namespace) throw new AwsError('MissingParameter', 'The parameter Namespace is required.', 400);
      if (String(input.Namespace).startsWith('AWS/')) {
        throw new AwsError('InvalidParameterValue', 'The value AWS/ for parameter Namespace is invalid.', 400);
      }
      for (const d of input.MetricData ?? []) {
        const id = { namespace: input.Namespace, name: d.MetricName, dimensions: (d.Dimensions ?? []) as Dimension[] };
        const timestamp = d.Timestamp ? new Date(d.Timestamp).getTime() : deps.clock.now();
        if (d.StatisticValues) {
          const s = d.StatisticValues;
          store.put(id, { timestamp, sum: s.Sum, count: s.SampleCount, min: s.Minimum, max: s.Maximum, unit: d.Unit });
        } else if (d.Values) {
          d.Values.forEach((v: number, i: number) => {
            // All `count` observations of v in one statistic set: a loop per observation never ends for a count of 10^12.
            const count = d.Counts?.[i] ?? 1;
            if (count > 0) store.put(id, { timestamp, sum: v * count, count, min: v, max: v, unit: d.Unit });
          });
        } else {
          store.observe(id, timestamp, d.Value ?? 0, d.Unit);
        }
      }
      return {};
    },
    ListMetrics(input: any) {
      const ids = store.list({ namespace: input.Namespace, name: input.MetricName, dimensions: input.Dimensions });
      return { Metrics: ids.map((id) => ({ Namespace: id.namespace, MetricName: id.name, Dimensions: id.dimensions })) };
    },
    GetMetricStatistics(input: any) {
      const stats: string[] = input.Statistics ?? [];
      if (stats.length === 0 && !input.ExtendedStatistics?.length) {
        throw new AwsError('InvalidParameterCombination', 'Must specify either Statistics or ExtendedStatistics.', 400);
      }
      for (const s of stats) {
        if (!STATISTICS.includes(s as any)) throw new AwsError('InvalidParameterValue', `The parameter Statistics.member.1 must be a value in the set [ Maximum, Minimum, Sum, SampleCount, Average ].`, 400);
      }
      const period = Number(input.Period);
      if (!(period > 0)) throw new AwsError('InvalidParameterValue', 'The parameter Period must be greater than 0.', 400);
      const start = new Date(input.StartTime).getTime();
      const end = new Date(input.EndTime).getTime();
      const id = { namespace: input.Namespace, name: input.MetricName, dimensions: input.Dimensions ?? [] };
      const points = store.aggregate(id, start, end, period * 1000, input.Unit);
      return {
        Label: input.MetricName,
        Datapoints: points.map(([t, p]) => {
          const dp: Record<string, unknown> = { Timestamp: new Date(t), Unit: p.unit ?? input.Unit ?? 'None' };
          for (const s of stats) dp[s] = statistic(p, s);
          return dp;
        }),
      };
    },
    GetMetricData(input: any) {
      return getMetricData(store, input, deps.clock.now());
    },
    PutMetricAlarm(input: any) {
      for (const k of ['AlarmName', 'EvaluationPeriods', 'ComparisonOperator']) {
        if (input[k] === undefined) throw new AwsError('MissingParameter', `The parameter ${k} is required.`, 400);
      }
      // Valid on AWS, so not an enum error below, but there is no anomaly detection model here to compare with.
      if (input.ThresholdMetricId !== undefined || ANOMALY_OPERATORS.includes(input.ComparisonOperator)) {
        throw new AwsError('ValidationException', 'Alarms based on anomaly detection models (ThresholdMetricId, ANOMALY_DETECTION_BAND and the LessThanLowerThreshold, GreaterThanUpperThreshold and LessThanLowerOrGreaterThanUpperThreshold operators) are not supported by this emulator.', 400);
      }
      if (!COMPARISON_OPERATORS.includes(input.ComparisonOperator)) {
        throw new AwsError('ValidationException', `1 validation error detected: Value '${input.ComparisonOperator}' at 'comparisonOperator' failed to satisfy constraint: Member must satisfy enum value set: [${COMPARISON_OPERATORS.join(', ')}]`, 400);
      }
      const metrics = input.Metrics !== undefined ? checkAlarmMetrics(input) : undefined;
      if (!metrics && (!input.MetricName || !input.Namespace || !input.Statistic || !input.Period)) {
        throw new AwsError('ValidationException', 'MetricName, Namespace, Statistic and Period are required unless the alarm has a list of Metrics.', 400);
      }
      if (composites.composites.has(input.AlarmName)) {
        throw new AwsError('ValidationException', `The alarm ${input.AlarmName} already exists as a composite alarm.`, 400);
      }
      checkActionRegions(input, scope.region);
      const now = new Date(deps.clock.now());
      const existing = alarms.get(input.AlarmName);
      const alarm: Alarm = {
        AlarmName: input.AlarmName,
        AlarmArn: `arn:aws:cloudwatch:${scope.region}:${scope.accountId}:alarm:${input.AlarmName}`,
        AlarmDescription: input.AlarmDescription,
        MetricName: input.MetricName,
        Namespace: input.Namespace,
        Statistic: input.Statistic,
        Dimensions: input.Dimensions ?? [],
        Period: input.Period,
        Metrics: metrics,
        EvaluationPeriods: input.EvaluationPeriods,
        DatapointsToAlarm: input.DatapointsToAlarm,
        Threshold: input.Threshold ?? 0,
        ComparisonOperator: input.ComparisonOperator,
        TreatMissingData: input.TreatMissingData ?? 'missing',
        ActionsEnabled: input.ActionsEnabled ?? true,
        AlarmActions: input.AlarmActions ?? [],
        OKActions: input.OKActions ?? [],
        InsufficientDataActions: input.InsufficientDataActions ?? [],
        Unit: input.Unit,
        StateValue: existing?.StateValue ?? 'INSUFFICIENT_DATA',
        StateReason: existing?.StateReason ?? 'Unchecked: Initial alarm creation',
        StateUpdatedTimestamp: existing?.StateUpdatedTimestamp ?? now,
        AlarmConfigurationUpdatedTimestamp: now,
        region: scope.region,
        accountId: scope.accountId,
      };
      alarms.set(alarm.AlarmName, alarm);
      changed(alarm.AlarmName);
      // AWS ignores Tags when PutMetricAlarm updates an existing alarm (TagResource changes them).
      if (!existing && input.Tags?.length) tags.set(alarm.AlarmArn, mergedTags([], input.Tags));
      history.configured(alarm, existing ? 'Update' : 'Create', now.getTime(), existing);
      requireAlarmTicker();
      evaluateAll((a) => a === alarm);
      return {};
    },
    DescribeAlarms(input: any) {
      return describeAlarms(input, alarms, composites);
    },
    PutCompositeAlarm(input: any) {
      composites.put(input, scope);
      return {};
    },
    DescribeAlarmsForMetric(input: any) {
      const list = [...alarms.values()].filter((a) => a.Namespace === input.Namespace && a.MetricName === input.MetricName);
      return { MetricAlarms: list.map(({ region: _r, accountId: _a, ...view }) => view) };
    },
    DeleteAlarms(input: any) {
      // Names of no alarm are passed over: AWS still deletes the ones named correctly (its DeleteAlarms reference).
      const names = [...new Set<string>(input.AlarmNames ?? [])].filter((n) => alarms.has(n) || composites.composites.has(n));
      // AWS deletes at most one composite alarm per call, and none that a composite outside the call depends on.
      if (names.filter((n) => composites.composites.has(n)).length > 1) {
        throw new AwsError('ValidationException', 'You can delete at most one composite alarm in a single DeleteAlarms request.', 400);
      }
      // Worded as AWS words it (quoted in cloud-custodian#7763 and aws-nuke#462): every blocked name, comma-separated.
      const blocked = names.filter((n) => composites.dependents(n).some((c) => !names.includes(c.AlarmName)));
      if (blocked.length) {
        const which = blocked.length === 1 ? 'it' : 'them';
        throw new AwsError('ValidationException', `Cannot delete ${blocked.join(',')} as there are composite alarm(s) depending on ${which}.`, 400);
      }
      for (const n of names) {
        const a = alarms.get(n);
        if (!a) {
          composites.delete(n);
          continue;
        }
        history.configured(a, 'Delete', deps.clock.now());
        tags.delete(a.AlarmArn);
        alarms.delete(n);
        changed(n);
      }
      return {};
    },
    SetAlarmState(input: any) {
      const alarm = alarms.get(input.AlarmName);
      const composite = composites.composites.get(input.AlarmName);
      if (!alarm && !composite) throw new AwsError('ResourceNotFound', `Alarm ${input.AlarmName} does not exist.`, 404);
      if (!['OK', 'ALARM', 'INSUFFICIENT_DATA'].includes(input.StateValue)) {
        throw new AwsError('InvalidParameterValue', `Invalid value for StateValue: ${input.StateValue}`, 400);
      }
      if (composite) composites.setState(composite, input.StateValue, input.StateReason, input.StateReasonData);
      else setState(alarm!, input.StateValue, input.StateReason, input.StateReasonData);
      return {};
    },
    DescribeAlarmHistory(input: any) {
      return history.describe(input);
    },
    TagResource(input: any) {
      const r = taggable(input.ResourceARN);
      tags.set(r.arn, mergedTags(tags.get(r.arn) ?? [], input.Tags ?? []));
      r.noteChange();
      return {};
    },
    UntagResource(input: any) {
      const r = taggable(input.ResourceARN);
      tags.set(r.arn, withoutTags(tags.get(r.arn), input.TagKeys));
      r.noteChange();
      return {};
    },
    ListTagsForResource(input: any) {
      return { Tags: tags.get(taggable(input.ResourceARN).arn) ?? [] };
    },
    PutAnomalyDetector: anomalyDetectors.PutAnomalyDetector,
    DescribeAnomalyDetectors: anomalyDetectors.DescribeAnomalyDetectors,
    DeleteAnomalyDetector: anomalyDetectors.DeleteAnomalyDetector,
    PutMetricStream: (input: any) => metricStreams.PutMetricStream(input, scope),
    GetMetricStream: metricStreams.GetMetricStream,
    ListMetricStreams: metricStreams.ListMetricStreams,
    DeleteMetricStream: metricStreams.DeleteMetricStream,
    StartMetricStreams: metricStreams.StartMetricStreams,
    StopMetricStreams: metricStreams.StopMetricStreams,
    EnableAlarmActions(input: any) {
      setActionsEnabled(input.AlarmNames, true);
      return {};
    },
    DisableAlarmActions(input: any) {
      setActionsEnabled(input.AlarmNames, false);
      return {};
    },
  };
}


export type RegionalCloudWatch = ReturnType<typeof createRegionalCloudWatch>;
