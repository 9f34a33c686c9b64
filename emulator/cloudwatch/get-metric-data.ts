import type { MetricStore } from './metrics';
import { evaluateQueries, planQueries, requireSeries, returnedSeries, sortedTimes } from './metric-math';

/** CloudWatch's note on a result whose expression dropped points (a division by zero, LOG(0)). */
const DROPPED = { Code: 'ArithmeticError', Value: 'One or more data-points have been dropped due to non-numeric values (NaN, -Infinite, +Infinite)' };

/**
 * GetMetricData: metric queries read from the store, expressions computed over them. A query with ReturnData
 * false is computed (others may use it) but not returned; an expression giving an array of series returns
 * one result per series, all under its Id.
 */
export function getMetricData(store: MetricStore, input: any) {
  const plan = planQueries(input.MetricDataQueries, 'MetricDataQueries');
  const start = new Date(input.StartTime).getTime();
  const end = new Date(input.EndTime).getTime();
  const ascending = input.ScanBy === 'TimestampAscending';
  const results = evaluateQueries(store, plan, start, end);
  const returned = plan.queries.filter((q) => q.ReturnData !== false).map((q) => results.get(q.Id)!);
  for (const r of returned) requireSeries(r, false);
  const MetricDataResults = returned.flatMap((r) =>
    returnedSeries(r).map((s) => {
      const times = sortedTimes(s);
      if (!ascending) times.reverse();
      return {
        Id: r.query.Id,
        Label: s.label,
        Timestamps: times.map((t) => new Date(t)),
        Values: times.map((t) => s.points.get(t)!),
        StatusCode: 'Complete',
        Messages: r.dropped ? [DROPPED] : [],
      };
    }),
  );
  return { MetricDataResults, Messages: [] };
}
