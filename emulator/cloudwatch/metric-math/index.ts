import { statistic, type MetricStore } from '../metrics';
import { evaluatePlan, type MetricStat, type QueryPlan, type QueryResult } from './queries';
import type { Series } from './series';
import { runInsightsQuery } from './insights-evaluate';
import { runSearch } from './search';

export { planQueries, requireSeries, returnedSeries, type MetricDataQuery, type QueryPlan, type QueryResult } from './queries';
export { MAX_DATAPOINTS, sortedTimes } from './series';

/** A metric query's series: the metric's statistic per period in [start, end), from the store. */
export function metricSeries(store: MetricStore, ms: MetricStat, start: number, end: number): Series {
  const periodMs = ms.Period * 1000;
  const id = { namespace: ms.Metric.Namespace, name: ms.Metric.MetricName, dimensions: ms.Metric.Dimensions ?? [] };
  const points = new Map(store.aggregate(id, start, end, periodMs, ms.Unit).map(([t, p]) => [t, statistic(p, ms.Stat)]));
  return { label: ms.Metric.MetricName, periodMs, points };
}

/**
 * Evaluates a checked query list over [start, end) on the store's data. A Metrics Insights query reads no datapoint
 * before `insightsFrom` (AWS lets GetMetricData queries reach two weeks back, alarm evaluations three hours).
 */
export const evaluateQueries = (store: MetricStore, plan: QueryPlan, start: number, end: number, insightsFrom = start): Map<string, QueryResult> =>
  evaluatePlan(
    plan,
    (q) => metricSeries(store, q.MetricStat, start, end),
    start,
    end,
    {
      select: (query, periodMs, ctx, label) => runInsightsQuery(store, query, { start, end, periodMs, dataFrom: insightsFrom }, ctx, label),
      search: (text, stat, periodMs, ctx) => runSearch(store, text, stat, periodMs, ctx),
    },
  );
