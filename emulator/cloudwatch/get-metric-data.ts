import { AwsError } from '../core/errors';
import { pageToken, tokenOffset } from '../core/paging';
import type { MetricStore } from './metrics';
import { evaluateQueries, MAX_DATAPOINTS, planQueries, requireSeries, returnedSeries, sortedTimes } from './metric-math';

/** CloudWatch's note on a result whose expression dropped points (a division by zero, LOG(0)). */
const DROPPED = { Code: 'ArithmeticError', Value: 'One or more data-points have been dropped due to non-numeric values (NaN, -Infinite, +Infinite)' };
/** How far back a Metrics Insights query in GetMetricData reaches (AWS: "the most recent two weeks of metric data"). */
const INSIGHTS_REACH_MS = 14 * 24 * 3600_000;
const invalidToken = () => new AwsError('InvalidNextToken', 'The service cannot complete the request.', 400);

/**
 * GetMetricData: metric queries read from the store, expressions computed over them. A query with ReturnData
 * false is computed (others may use it) but not returned; an expression giving an array of series returns
 * one result per series, all under its Id.
 *
 * At most MaxDatapoints (default 100,800) points come back, the results in request order and each one's points
 * in ScanBy order; a result cut short is PartialData. Without expressions the rest follows with NextToken (every
 * page lists every result, the client merging them by Id); with expressions there is no NextToken, as on AWS.
 * `now` (the emulator clock) bounds what a Metrics Insights query reads.
 */
export function getMetricData(store: MetricStore, input: any, now: number) {
  const plan = planQueries(input.MetricDataQueries, 'MetricDataQueries');
  const max = input.MaxDatapoints ?? MAX_DATAPOINTS;
  if (!(Number.isInteger(max) && max > 0)) throw new AwsError('ValidationException', 'The parameter MaxDatapoints must be a positive whole number.', 400);
  const paged = !plan.queries.some((q) => q.Expression !== undefined);
  const first = paged ? tokenOffset('GetMetricData', input.NextToken, invalidToken) : 0;
  const start = new Date(input.StartTime).getTime();
  const end = new Date(input.EndTime).getTime();
  const ascending = input.ScanBy === 'TimestampAscending';
  const results = evaluateQueries(store, plan, start, end, now - INSIGHTS_REACH_MS);
  const returned = plan.queries.filter((q) => q.ReturnData !== false).map((q) => results.get(q.Id)!);
  for (const r of returned) requireSeries(r, false);
  /** Position of the next result's first point among all the request's points, in the order pages take them. */
  let offset = 0;
  const MetricDataResults = returned.flatMap((r) =>
    returnedSeries(r).map((s) => {
      const times = sortedTimes(s);
      if (!ascending) times.reverse();
      const page = times.slice(Math.max(0, first - offset), Math.max(0, first + max - offset));
      const complete = offset + times.length <= first + max;
      offset += times.length;
      return {
        Id: r.query.Id,
        Label: s.label,
        Timestamps: page.map((t) => new Date(t)),
        Values: page.map((t) => s.points.get(t)!),
        StatusCode: complete ? 'Complete' : 'PartialData',
        Messages: r.dropped ? [DROPPED] : [],
      };
    }),
  );
  const more = first + max < offset;
  return { MetricDataResults, Messages: [], ...(paged && more ? { NextToken: pageToken('GetMetricData', first + max) } : {}) };
}
