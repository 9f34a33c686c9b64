import { AwsError } from '../../core/errors';
import type { MetricId, MetricStore } from '../metrics';
import { evaluatePlan, planQueries, requireSeries, type MetricDataQuery } from './queries';
import { evaluateQueries } from '.';
import { insightsMatches } from './insights-evaluate';
import { isInsightsQuery, parseInsightsQuery, type InsightsQuery } from './insights-parser';

/**
 * Alarms on a metric math expression (PutMetricAlarm's Metrics): the checks CloudWatch makes when the alarm is
 * put, and the values the alarm evaluates, those of the one query that returns data.
 */
const invalid = (message: string) => new AwsError('ValidationException', message, 400);

/** Single-metric parameters that the Metrics list replaces. */
const REPLACED = ['MetricName', 'Namespace', 'Dimensions', 'Statistic', 'ExtendedStatistic', 'Period', 'Unit'];
/** PutMetricAlarm's periods: high-resolution 10, 20 or 30 seconds, else whole minutes. */
const validAlarmPeriod = (p: number) => p === 10 || p === 20 || p === 30 || p % 60 === 0;
/** A query returns data unless it says it does not: ReturnData defaults to true, in an alarm as in GetMetricData. */
const returnsData = (q: MetricDataQuery) => q.ReturnData !== false;
const MAX_PER_KIND = 10;
/** Alarms on a Metrics Insights query are evaluated on the latest three hours of data only, so their window is at most that. */
const INSIGHTS_ALARM_REACH_S = 3 * 3600;

/** The alarm's period in seconds: the returned query's Period, else its metrics' (the longest). */
export function mathAlarmPeriod(metrics: MetricDataQuery[]): number | undefined {
  const periods = metrics.flatMap((q) => (q.MetricStat ? [q.MetricStat.Period] : []));
  return metrics.find(returnsData)?.Period ?? (periods.length ? Math.max(...periods) : undefined);
}

/** Checks PutMetricAlarm's Metrics and returns them as the alarm keeps (and DescribeAlarms shows) them. */
export function checkAlarmMetrics(input: any): MetricDataQuery[] {
  for (const k of REPLACED) {
    const v = input[k];
    if (v !== undefined && !(Array.isArray(v) && v.length === 0)) throw invalid(`${k} should not be set if list of Metrics is set.`);
  }
  const plan = planQueries(input.Metrics, 'Metrics');
  const stats = plan.queries.filter((q) => q.MetricStat).length;
  if (stats > MAX_PER_KIND || plan.queries.length - stats > MAX_PER_KIND) {
    throw invalid(`The list of Metrics may hold at most ${MAX_PER_KIND} metrics and ${MAX_PER_KIND} expressions.`);
  }
  const returning = plan.queries.filter(returnsData);
  if (returning.length !== 1) throw invalid('Exactly one element of the metrics list should return data.');
  plan.queries.forEach((q, i) => {
    for (const [at, p] of [[`Metrics.member.${i + 1}.MetricStat.Period`, q.MetricStat?.Period], [`Metrics.member.${i + 1}.Period`, q.Period]] as const) {
      if (p !== undefined && !validAlarmPeriod(p)) throw invalid(`The parameter ${at} must be 10, 20, 30 or a multiple of 60.`);
    }
  });
  const period = mathAlarmPeriod(plan.queries);
  if (period === undefined) throw invalid('Period must not be null');
  // Worded as PutMetricAlarm words it for a window past what a Metrics Insights alarm may read.
  if (plan.insights.size && period * (Number(input.EvaluationPeriods) || 1) > INSIGHTS_ALARM_REACH_S) {
    throw invalid('MetricsInsights monitors cannot be checked across more than 3 hours');
  }
  // A run on no data over the alarm's window finds what does not depend on data: unknown Ids, cycles, a result
  // that is not one series, a FILL or TIME_SERIES too long to compute at each evaluation.
  const window = Math.max(1, Number(input.EvaluationPeriods) || 1) * period * 1000;
  const dryRun = evaluatePlan(plan, (q) => ({ label: q.Id, periodMs: q.MetricStat.Period * 1000, points: new Map() }), 0, window);
  requireSeries(dryRun.get(returning[0]!.Id)!, true);
  return plan.queries.map(({ Id, MetricStat, Expression, Label, ReturnData, Period, AccountId }) =>
    dropUndefined({ Id, MetricStat, Expression, Label, ReturnData: ReturnData !== false, Period, AccountId }),
  );
}

/** The values of the alarm's returned query in [start, end), oldest first. */
export function mathAlarmValues(metrics: MetricDataQuery[], store: MetricStore, start: number, end: number): number[] {
  const plan = planQueries(metrics, 'Metrics');
  const returned = evaluateQueries(store, plan, start, end, end - INSIGHTS_ALARM_REACH_S * 1000).get(metrics.find((q) => q.ReturnData)!.Id)!;
  if (returned.value.kind !== 'series') return [];
  const { points } = returned.value.series;
  return [...points.keys()].sort((a, b) => a - b).map((t) => points.get(t)!);
}

/** Whether a datapoint for this metric can change the alarm (one of its metric queries reads it). */
export const mathAlarmReads = (metrics: MetricDataQuery[], id: MetricId): boolean =>
  metrics.some(
    (q) =>
      (q.MetricStat?.Metric.Namespace === id.namespace && q.MetricStat.Metric.MetricName === id.name) ||
      (q.Expression !== undefined && isInsightsQuery(q.Expression) && insightsMatches(parsedInsights(q.Expression), id)),
  );

/** Alarm queries parsed once (they were checked when the alarm was put), not at every datapoint. */
const insightsCache = new Map<string, InsightsQuery>();
function parsedInsights(expression: string): InsightsQuery {
  let query = insightsCache.get(expression);
  if (!query) {
    if (insightsCache.size >= 1000) insightsCache.clear();
    insightsCache.set(expression, (query = parseInsightsQuery(expression)));
  }
  return query;
}

const dropUndefined = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
