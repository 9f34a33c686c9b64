import type { Scope } from '../core/scope';
import { AwsError } from '../core/errors';
import type { DeliveryBus } from '../core/delivery';
import { compileFilterPattern, FilterPatternError, jsonPath, type CompiledPattern, type FilterMatch } from './filter-pattern';

/**
 * Metric filters: each log event arriving in a group is run through the group's filters; a match publishes
 * the filter's metric value, a miss its defaultValue when one is set. Metrics reach CloudWatch the way every
 * service's do: as a `logs.metric` hop on the bus, which CloudWatch's service metrics turn into datapoints.
 */
export interface MetricTransformation {
  metricName: string;
  metricNamespace: string;
  metricValue: string;
  defaultValue?: number;
  dimensions?: Record<string, string>;
  unit?: string;
}
export interface MetricFilter {
  filterName: string;
  filterPattern: string;
  metricTransformations: MetricTransformation[];
  creationTime: number;
  logGroupName: string;
  applyOnTransformedLogs: boolean;
  match: CompiledPattern;
}

/** What the `logs.metric` hop carries (read by emulator/cloudwatch/service-metrics.ts). */
export interface LogsMetricHop {
  type: 'logs.metric';
  namespace: string;
  metricName: string;
  value: number;
  unit?: string;
  dimensions: { Name: string; Value: string }[];
  timestamp: number;
  logGroupName: string;
  filterName: string;
  /** The group's account and Region (absent: the emulator's own): its metrics go to that Region's CloudWatch. */
  scope?: Scope;
}

const MAX_FILTERS_PER_GROUP = 100;
const MAX_DIMENSIONS = 3;
const FIELD = /^\$(\.[\w.[\]-]+|[\w-]+)$/;

export const compilePattern = (pattern: string | undefined): CompiledPattern => {
  try {
    return compileFilterPattern(pattern);
  } catch (e) {
    if (e instanceof FilterPatternError) throw new AwsError('InvalidParameterException', e.message, 400);
    throw e;
  }
};

/** A field a metric value or dimension names: `$.path` (JSON events) or `$name` (space-delimited fields). */
function fieldValue(match: FilterMatch, field: string): string | undefined {
  if (field in match.values) return match.values[field];
  if (field.startsWith('$.') && match.json !== undefined) {
    const v = jsonPath(match.json, field);
    return v === undefined || v === null ? undefined : typeof v === 'string' ? v : JSON.stringify(v);
  }
  return undefined;
}

/** Checks PutMetricFilter's input and builds the filter (the caller has checked the group exists). */
export function buildMetricFilter(input: any, existing: Map<string, MetricFilter>, now: number): MetricFilter {
  if (!input.filterName) throw new AwsError('InvalidParameterException', 'filterName is required.', 400);
  if (input.filterPattern === undefined) throw new AwsError('InvalidParameterException', 'filterPattern is required.', 400);
  const transformations = (input.metricTransformations ?? []) as MetricTransformation[];
  if (transformations.length !== 1) {
    throw new AwsError('InvalidParameterException', '1 validation error detected: Value at \'metricTransformations\' failed to satisfy constraint: Member must have length less than or equal to 1', 400);
  }
  if (!existing.has(input.filterName) && existing.size >= MAX_FILTERS_PER_GROUP) throw new AwsError('LimitExceededException', 'Resource limit exceeded.', 400);
  for (const t of transformations) {
    if (!t.metricName || !t.metricNamespace || t.metricValue === undefined) {
      throw new AwsError('InvalidParameterException', 'metricName, metricNamespace and metricValue are required.', 400);
    }
    if (!FIELD.test(t.metricValue) && !Number.isFinite(Number(t.metricValue))) {
      throw new AwsError('InvalidParameterException', `Invalid metric value: ${t.metricValue}. The metric value must be a number or a field from the filter pattern ($.name or $name).`, 400);
    }
    const dims = Object.entries(t.dimensions ?? {});
    if (dims.length > MAX_DIMENSIONS) throw new AwsError('InvalidParameterException', `A metric transformation can have at most ${MAX_DIMENSIONS} dimensions.`, 400);
    if (dims.length && t.defaultValue !== undefined) throw new AwsError('InvalidParameterException', 'A metric transformation with dimensions cannot have a default value.', 400);
    for (const [name, value] of dims) {
      if (!FIELD.test(value)) throw new AwsError('InvalidParameterException', `Invalid dimension value for ${name}: ${value}. Dimension values must be fields from the filter pattern ($.name or $name).`, 400);
    }
  }
  return {
    filterName: input.filterName,
    filterPattern: input.filterPattern,
    metricTransformations: transformations.map((t) => ({ ...t, dimensions: t.dimensions && Object.keys(t.dimensions).length ? { ...t.dimensions } : undefined })),
    creationTime: existing.get(input.filterName)?.creationTime ?? now,
    logGroupName: input.logGroupName,
    applyOnTransformedLogs: input.applyOnTransformedLogs ?? false,
    match: compilePattern(input.filterPattern),
  };
}

export const metricFilterView = ({ match: _m, ...view }: MetricFilter) => view;

/** Runs arriving events through a group's filters and records one `logs.metric` hop per datum. */
export function applyMetricFilters(bus: DeliveryBus, filters: Iterable<MetricFilter>, events: { timestamp: number; message: string }[], scope?: Scope): void {
  for (const f of filters) {
    for (const e of events) {
      const match = f.match(e.message);
      for (const t of f.metricTransformations) {
        let value: number | undefined;
        let dimensions: { Name: string; Value: string }[] = [];
        if (match) {
          const raw = FIELD.test(t.metricValue) ? fieldValue(match, t.metricValue) : t.metricValue;
          value = raw === undefined || raw.trim() === '' ? undefined : Number(raw);
          const dims = Object.entries(t.dimensions ?? {}).map(([Name, field]) => ({ Name, Value: fieldValue(match, field) }));
          // A datum needs every dimension's value; an event without one publishes nothing.
          if (dims.some((d) => d.Value === undefined || d.Value === '')) value = undefined;
          dimensions = dims as { Name: string; Value: string }[];
        } else if (t.defaultValue !== undefined) {
          value = t.defaultValue;
        }
        if (value === undefined || !Number.isFinite(value)) continue;
        const hop: Omit<LogsMetricHop, 'time' | 'wallTime'> = {
          type: 'logs.metric',
          namespace: t.metricNamespace,
          metricName: t.metricName,
          value,
          unit: t.unit,
          dimensions,
          timestamp: e.timestamp,
          logGroupName: f.logGroupName,
          filterName: f.filterName,
          ...(scope ? { scope } : {}),
        };
        bus.record(hop);
      }
    }
  }
}
