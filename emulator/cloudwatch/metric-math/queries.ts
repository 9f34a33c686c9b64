import { AwsError } from '../../core/errors';
import { STATISTICS } from '../metrics';
import { evaluateNode, type MathEnv } from './evaluate';
import { MathError, parseExpression, type Node } from './parser';
import { KIND_NAMES, MAX_COMPUTED_POINTS, type MathContext, type Series, type Value } from './series';
import { isInsightsQuery, parseInsightsQuery, type InsightsQuery } from './insights-parser';

/**
 * A MetricDataQuery list, as GetMetricData and PutMetricAlarm's Metrics take it: metric queries (MetricStat)
 * and math expressions over them and over each other, by Id. Checked once (shape, ids, syntax) and evaluated
 * over a time range; every problem is the ValidationError CloudWatch answers.
 */
export interface MetricStat {
  Metric: { Namespace: string; MetricName: string; Dimensions?: { Name: string; Value: string }[] };
  Period: number;
  Stat: string;
  Unit?: string;
}

export interface MetricDataQuery {
  Id: string;
  MetricStat?: MetricStat;
  Expression?: string;
  Label?: string;
  ReturnData?: boolean;
  Period?: number;
  AccountId?: string;
}

/** A query's result: a metric's series, or whatever its expression gave. */
export interface QueryResult {
  query: MetricDataQuery;
  label: string;
  value: Value;
  /** True when the expression dropped data points that were not finite numbers (a division by zero). */
  dropped: boolean;
}

/** A checked query list, ready to evaluate over any time range. */
export interface QueryPlan {
  queries: MetricDataQuery[];
  parsed: Map<string, Node>;
  /** The Metrics Insights queries (expressions starting with SELECT), by Id. */
  insights: Map<string, InsightsQuery>;
  field: string;
}

/**
 * Runs a Metrics Insights query over the range of `ctx` at `periodMs`: one series per group, exactly one without
 * GROUP BY. `label` is the query's own label, for a query without GROUP BY.
 */
export type InsightsRunner = (query: InsightsQuery, periodMs: number, ctx: MathContext, label: string) => Series[];

/** Runs SEARCH(text, stat, period) over the range of `ctx`: one series per metric found. */
export type SearchRunner = (text: string, stat: string, periodMs: number, ctx: MathContext) => Series[];

/** Where the queries that find their own metrics (Metrics Insights, SEARCH) read them. */
export interface MetricSources {
  select: InsightsRunner;
  search: SearchRunner;
}

/**
 * PutMetricAlarm's dry run: a Metrics Insights query gives an empty series (no series at all with GROUP BY), and
 * SEARCH is refused, as AWS refuses search expressions in alarms.
 */
const NO_DATA: MetricSources = {
  select: (query, periodMs, _ctx, label) => (query.groupBy.length ? [] : [{ label, periodMs, points: new Map() }]),
  search: () => {
    throw new MathError('SEARCH expressions cannot be used in alarms.');
  },
};

/** Metrics Insights aggregates high-resolution data at one-minute granularity whatever the Period asked. */
const MIN_INSIGHTS_PERIOD = 60;

const invalid = (message: string) => new AwsError('ValidationException', message, 400);

/** The API's limits: queries in one GetMetricData call, characters in one Expression. */
const MAX_QUERIES = 500;
const MAX_EXPRESSION_LENGTH = 2048;
/** A member name in AWS's constraint messages: `metricDataQueries`, `metrics`. */
const memberName = (field: string) => field[0]!.toLowerCase() + field.slice(1);

/** The label CloudWatch gives a query without one: the metric's name, or an expression's Id. */
export const defaultLabel = (q: MetricDataQuery): string => q.Label ?? q.MetricStat?.Metric?.MetricName ?? q.Id;

/** Checks the list's shape and parses every expression; `field` names the list in messages (`Metrics`, `MetricDataQueries`). */
export function planQueries(input: unknown, field: string): QueryPlan {
  if (!Array.isArray(input) || input.length === 0) throw invalid(`The parameter ${field} must contain at least one query.`);
  if (input.length > MAX_QUERIES) throw invalid(`The collection ${field} must not have a size greater than ${MAX_QUERIES}.`);
  const queries = input as MetricDataQuery[];
  const parsed = new Map<string, Node>();
  const insights = new Map<string, InsightsQuery>();
  const seen = new Set<string>();
  queries.forEach((q, i) => {
    const at = `${field}.member.${i + 1}`;
    if (!q || typeof q !== 'object') throw invalid(`The parameter ${at} must be a structure.`);
    if (!q.Id) throw invalid(`The parameter ${at}.Id is required.`);
    if (!/^[a-z][A-Za-z0-9_]*$/.test(q.Id)) {
      throw invalid(`Invalid value '${q.Id}' for ${at}.Id: it must start with a lowercase letter and hold only letters, numbers and underscores.`);
    }
    if (seen.has(q.Id)) throw invalid(`The value '${q.Id}' of ${at}.Id is used by more than one query; Ids must be unique.`);
    seen.add(q.Id);
    if (q.MetricStat && q.Expression !== undefined) throw invalid(`${at} must specify either Expression or MetricStat but not both.`);
    if (q.MetricStat) checkMetricStat(q.MetricStat, `${at}.MetricStat`);
    else if (q.Expression !== undefined) {
      // Checked before parsing, as AWS checks the shape first: parsing is then bounded by the length.
      if (typeof q.Expression !== 'string' || q.Expression.length > MAX_EXPRESSION_LENGTH) {
        throw invalid(`1 validation error detected: Value at '${memberName(field)}.${i + 1}.member.expression' failed to satisfy constraint: Member must have length less than or equal to ${MAX_EXPRESSION_LENGTH}`);
      }
      if (isInsightsQuery(q.Expression)) {
        // AWS takes one Metrics Insights query per request (the other queries may be anything else).
        if (insights.size) throw invalid(`The ${field} list may hold only one Metrics Insights query (an Expression starting with SELECT): ${[...insights.keys()][0]} and ${q.Id} both are.`);
        insights.set(q.Id, parseOrThrow(q.Id, q.Expression, parseInsightsQuery));
      } else parsed.set(q.Id, parseOrThrow(q.Id, q.Expression, parseExpression));
    } else throw invalid(`The parameter ${at}.MetricStat is required.\n`);
    if (q.Period !== undefined && !(Number.isInteger(q.Period) && q.Period > 0)) throw invalid(`The parameter ${at}.Period must be a positive whole number of seconds.`);
  });
  return { queries, parsed, insights, field };
}

function checkMetricStat(ms: MetricStat, at: string): void {
  for (const [path, value] of [
    ['Metric', ms.Metric],
    ['Metric.Namespace', ms.Metric?.Namespace],
    ['Metric.MetricName', ms.Metric?.MetricName],
    ['Period', ms.Period],
    ['Stat', ms.Stat],
  ] as const) {
    if (value === undefined || value === '') throw invalid(`The parameter ${at}.${path} is required.`);
  }
  if (!(Number.isInteger(ms.Period) && ms.Period > 0)) throw invalid(`The parameter ${at}.Period must be a positive whole number of seconds.`);
  if (!STATISTICS.includes(ms.Stat as any)) throw invalid(`The value for parameter ${at}.Stat is not a valid statistic.`);
}

const expressionError = (id: string, e: unknown): unknown => (e instanceof MathError ? invalid(`Error in expression ${id}: ${e.message}`) : e);

function parseOrThrow<T>(id: string, expression: string, parse: (text: string) => T): T {
  try {
    return parse(expression);
  } catch (e) {
    throw expressionError(id, e);
  }
}

/**
 * Evaluates every query over [start, end): `fetch` gives a metric query's series, expressions are computed
 * from them (each once, whatever refers to it). A reference to an unknown Id or a cycle of expressions is a
 * ValidationError, whether or not there is data.
 */
export function evaluatePlan(
  plan: QueryPlan,
  fetch: (q: MetricDataQuery & { MetricStat: MetricStat }) => Series,
  start: number,
  end: number,
  sources: MetricSources = NO_DATA,
): Map<string, QueryResult> {
  const byId = new Map(plan.queries.map((q) => [q.Id, q]));
  const metricPeriods = plan.queries.flatMap((q) => (q.MetricStat ? [q.MetricStat.Period] : []));
  const fallbackPeriod = metricPeriods.length ? Math.max(...metricPeriods) : 60;
  const results = new Map<string, QueryResult>();
  const inProgress: string[] = [];
  const budget = { left: MAX_COMPUTED_POINTS };

  const resultOf = (q: MetricDataQuery): QueryResult => {
    const done = results.get(q.Id);
    if (done) return done;
    if (inProgress.includes(q.Id)) throw new MathError(`Circular reference: ${[...inProgress.slice(inProgress.indexOf(q.Id)), q.Id].join(' -> ')}.`);
    inProgress.push(q.Id);
    let dropped = false;
    let value: Value;
    const insights = plan.insights.get(q.Id);
    if (q.MetricStat) {
      value = { kind: 'series', series: { ...fetch(q as MetricDataQuery & { MetricStat: MetricStat }), label: defaultLabel(q) } };
    } else if (insights) {
      const periodMs = Math.max(MIN_INSIGHTS_PERIOD, q.Period ?? fallbackPeriod) * 1000;
      const list = sources.select(insights, periodMs, { start, end, budget, dropped: () => undefined }, defaultLabel(q));
      value = insights.groupBy.length ? { kind: 'array', list } : { kind: 'series', series: list[0]! };
    } else {
      const env: MathEnv = {
        start,
        end,
        periodMs: (q.Period ?? fallbackPeriod) * 1000,
        budget,
        dropped: () => {
          dropped = true;
        },
        search: (text, stat, periodMs) => sources.search(text, stat, periodMs, env),
        ref: (id) => {
          const target = byId.get(id);
          if (!target) throw new MathError(`Unrecognized identifier '${id}': no query in the request has this Id.`);
          return resultOf(target).value;
        },
        metrics: (filter) => plan.queries.filter((m) => m.MetricStat && (!filter || m.Id.includes(filter))).map((m) => (resultOf(m).value as { series: Series }).series),
        periodOf: (id) => byId.get(id)?.MetricStat?.Period,
      };
      value = evaluateNode(plan.parsed.get(q.Id)!, env);
    }
    inProgress.pop();
    const result = { query: q, label: defaultLabel(q), value, dropped };
    results.set(q.Id, result);
    return result;
  };

  for (const q of plan.queries) {
    try {
      resultOf(q);
    } catch (e) {
      // Expressions referring to expressions recurse through each other: a chain long enough exhausts the stack.
      if (e instanceof RangeError) throw invalid(`Error in expression ${q.Id}: the expressions refer to each other too deeply to evaluate.`);
      throw expressionError(q.Id, e);
    }
  }
  return results;
}

/** A returned query must give series: a scalar (AVG(m1)) is only a step towards one. */
export function requireSeries(r: QueryResult, single: boolean): void {
  const { kind } = r.value;
  if (kind === 'series' || (kind === 'array' && !single)) return;
  const wanted = single ? 'a single time series' : 'a time series or an array of time series';
  throw invalid(`Error in expression ${r.query.Id}: the result must be ${wanted}, not ${KIND_NAMES[kind]}.`);
}

/** The series a result returns: one, or one per series of an array (labelled "<expression label> <series label>"). */
export function returnedSeries(r: QueryResult): Series[] {
  if (r.value.kind === 'series') return [{ ...r.value.series, label: r.label }];
  if (r.value.kind === 'array') return r.value.list.map((s) => ({ ...s, label: r.query.Label ? `${r.query.Label} ${s.label}`.trim() : s.label }));
  return [];
}
