import { AwsError } from '../core/errors';
import { uuid } from '../core/ids';
import { offsetPage } from '../core/paging';
import { metricKey, STATISTICS, type Dimension } from './metrics';
import { planQueries, type MetricDataQuery } from './metric-math';

/**
 * Anomaly detectors (PutAnomalyDetector, DescribeAnomalyDetectors, DeleteAnomalyDetector), stored only: no model
 * is trained and no band is computed, so every detector stays PENDING_TRAINING and ANOMALY_DETECTION_BAND in metric
 * math keeps answering that it is not supported. A detector is one metric and statistic (SingleMetricAnomalyDetector,
 * or the older top-level Namespace/MetricName/Dimensions/Stat) or one metric math expression
 * (MetricMathAnomalyDetector); putting the same one again replaces its configuration.
 */
export interface SingleMetric {
  AccountId?: string;
  Namespace: string;
  MetricName: string;
  Dimensions: Dimension[];
  Stat: string;
}

export interface AnomalyDetectorRecord {
  key: string;
  AnomalyDetectorId: string;
  SingleMetricAnomalyDetector?: SingleMetric;
  MetricMathAnomalyDetector?: { MetricDataQueries: MetricDataQuery[] };
  Configuration?: { ExcludedTimeRanges?: { StartTime: Date; EndTime: Date }[]; MetricTimezone?: string; [k: string]: unknown };
  MetricCharacteristics?: { PeriodicSpikes?: boolean };
}

const TYPES = ['SINGLE_METRIC', 'METRIC_MATH'];
const MAX_RESULTS = 100;
const MAX_DIMENSIONS = 30;
/** Statistics a detector accepts: the five standard ones and the extended (percentile, trimmed…) forms. */
const EXTENDED_STAT = /^(p|tm|wm|tc|ts|TM|WM|TC|TS|PR)\(?[\d.:%]/;

const missing = (name: string) => new AwsError('MissingRequiredParameterException', `The parameter ${name} is required.`, 400);
const invalidValue = (message: string) => new AwsError('InvalidParameterValueException', message, 400);
const combination = (message: string) => new AwsError('InvalidParameterCombinationException', message, 400);

const singleKey = (m: SingleMetric) => `single\u0000${metricKey({ namespace: m.Namespace, name: m.MetricName, dimensions: m.Dimensions })}\u0000${m.Stat}`;
/** The same expression whichever client sent it: ReturnData spelled out, members in one order. */
const mathKey = (queries: MetricDataQuery[]) =>
  `math\u0000${JSON.stringify(queries.map((q) => [q.Id, q.Expression, q.MetricStat, q.Period, q.Label, q.AccountId, q.ReturnData !== false]))}`;

/** The detector an input names (Put and Delete take the same forms), with its identity key. */
function detectorOf(input: any): Pick<AnomalyDetectorRecord, 'key' | 'SingleMetricAnomalyDetector' | 'MetricMathAnomalyDetector'> {
  const legacy = ['Namespace', 'MetricName', 'Dimensions', 'Stat'].some((k) => input[k] !== undefined);
  const forms = [legacy, input.SingleMetricAnomalyDetector !== undefined, input.MetricMathAnomalyDetector !== undefined].filter(Boolean).length;
  if (forms === 0) throw missing('SingleMetricAnomalyDetector');
  if (forms > 1) {
    throw combination('Exactly one of SingleMetricAnomalyDetector, MetricMathAnomalyDetector, or the Namespace, MetricName, Dimensions and Stat parameters may be specified.');
  }
  if (input.MetricMathAnomalyDetector) {
    const queries: MetricDataQuery[] | undefined = input.MetricMathAnomalyDetector.MetricDataQueries;
    if (!queries?.length) throw missing('MetricMathAnomalyDetector.MetricDataQueries');
    const plan = planQueries(queries, 'MetricMathAnomalyDetector.MetricDataQueries');
    if (plan.queries.filter((q) => q.ReturnData !== false).length !== 1) {
      throw invalidValue('Exactly one element of MetricMathAnomalyDetector.MetricDataQueries should return data.');
    }
    return { key: mathKey(queries), MetricMathAnomalyDetector: { MetricDataQueries: queries } };
  }
  const src = input.SingleMetricAnomalyDetector ?? input;
  const prefix = input.SingleMetricAnomalyDetector ? 'SingleMetricAnomalyDetector.' : '';
  for (const k of ['Namespace', 'MetricName', 'Stat']) if (src[k] === undefined) throw missing(`${prefix}${k}`);
  if (!STATISTICS.includes(src.Stat) && !EXTENDED_STAT.test(src.Stat)) throw invalidValue(`The value ${src.Stat} for parameter ${prefix}Stat is not supported.`);
  const dimensions: Dimension[] = src.Dimensions ?? [];
  if (dimensions.length > MAX_DIMENSIONS) throw invalidValue(`The collection ${prefix}Dimensions must not have a size greater than ${MAX_DIMENSIONS}.`);
  const metric: SingleMetric = { Namespace: src.Namespace, MetricName: src.MetricName, Dimensions: dimensions, Stat: src.Stat };
  if (src.AccountId !== undefined) metric.AccountId = src.AccountId;
  return { key: singleKey(metric), SingleMetricAnomalyDetector: metric };
}

function checkConfiguration(config: AnomalyDetectorRecord['Configuration']): void {
  for (const [i, r] of (config?.ExcludedTimeRanges ?? []).entries()) {
    if (!r.StartTime || !r.EndTime) throw missing(`Configuration.ExcludedTimeRanges.member.${i + 1}.${r.StartTime ? 'EndTime' : 'StartTime'}`);
    if (new Date(r.StartTime).getTime() >= new Date(r.EndTime).getTime()) {
      throw invalidValue(`The StartTime of Configuration.ExcludedTimeRanges.member.${i + 1} must be before its EndTime.`);
    }
  }
  const tz = config?.MetricTimezone;
  if (tz !== undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: tz });
    } catch {
      throw invalidValue(`The value ${tz} for parameter Configuration.MetricTimezone is not a valid time zone.`);
    }
  }
}

/** `changed` hears of each detector put or deleted (by key, for persistence). */
export function createAnomalyDetectors(changed?: (key: string) => void) {
  const detectors = new Map<string, AnomalyDetectorRecord>();

  const view = (d: AnomalyDetectorRecord) => {
    const single = d.SingleMetricAnomalyDetector;
    return {
      AnomalyDetectorId: d.AnomalyDetectorId,
      // The deprecated top-level members repeat a single-metric detector's, as AWS still fills them.
      ...(single && { Namespace: single.Namespace, MetricName: single.MetricName, Dimensions: single.Dimensions, Stat: single.Stat }),
      Configuration: d.Configuration ?? { ExcludedTimeRanges: [] },
      StateValue: 'PENDING_TRAINING',
      ...(d.MetricCharacteristics && { MetricCharacteristics: d.MetricCharacteristics }),
      ...(single && { SingleMetricAnomalyDetector: single }),
      ...(d.MetricMathAnomalyDetector && { MetricMathAnomalyDetector: d.MetricMathAnomalyDetector }),
    };
  };

  return {
    all: (): Iterable<AnomalyDetectorRecord> => detectors.values(),
    get: (key: string) => detectors.get(key),
    restore(d: AnomalyDetectorRecord): void {
      detectors.set(d.key, d);
    },
    clear: () => detectors.clear(),

    PutAnomalyDetector(input: any) {
      const target = detectorOf(input);
      checkConfiguration(input.Configuration);
      const existing = detectors.get(target.key);
      detectors.set(target.key, {
        ...target,
        AnomalyDetectorId: existing?.AnomalyDetectorId ?? uuid(),
        Configuration: input.Configuration,
        MetricCharacteristics: input.MetricCharacteristics,
      });
      changed?.(target.key);
      return {};
    },

    DescribeAnomalyDetectors(input: any) {
      const max = input.MaxResults ?? MAX_RESULTS;
      if (!Number.isInteger(max) || max < 1 || max > MAX_RESULTS) {
        throw invalidValue(`The value ${max} for parameter MaxResults is not valid. It must be between 1 and ${MAX_RESULTS}.`);
      }
      const types: string[] = input.AnomalyDetectorTypes?.length ? input.AnomalyDetectorTypes : ['SINGLE_METRIC'];
      const unknown = types.find((t) => !TYPES.includes(t));
      if (unknown) throw invalidValue(`The value ${unknown} for parameter AnomalyDetectorTypes is not valid. Valid values are [${TYPES.join(', ')}].`);
      const dims: Dimension[] = input.Dimensions ?? [];
      const filtered = input.Namespace !== undefined || input.MetricName !== undefined || dims.length > 0;
      const matching = [...detectors.values()].filter((d) => {
        if (input.AnomalyDetectorIds?.length && !input.AnomalyDetectorIds.includes(d.AnomalyDetectorId)) return false;
        const single = d.SingleMetricAnomalyDetector;
        if (!types.includes(single ? 'SINGLE_METRIC' : 'METRIC_MATH')) return false;
        if (!filtered) return true;
        // Namespace, MetricName and Dimensions describe single-metric detectors only.
        return (
          !!single &&
          (input.Namespace === undefined || single.Namespace === input.Namespace) &&
          (input.MetricName === undefined || single.MetricName === input.MetricName) &&
          dims.every((f) => single.Dimensions.some((x) => x.Name === f.Name && x.Value === f.Value))
        );
      });
      const { items, next } = offsetPage(matching, input.NextToken, max, 'anomaly-detectors', () => new AwsError('InvalidNextToken', 'The service cannot complete the request.', 400));
      return { AnomalyDetectors: items.map(view), NextToken: next };
    },

    DeleteAnomalyDetector(input: any) {
      let key: string | undefined;
      if (input.AnomalyDetectorId !== undefined) {
        key = [...detectors.values()].find((d) => d.AnomalyDetectorId === input.AnomalyDetectorId)?.key;
      } else {
        key = detectorOf(input).key;
      }
      if (key === undefined || !detectors.has(key)) {
        throw new AwsError('ResourceNotFoundException', 'No anomaly detector found for the given parameters.', 404);
      }
      detectors.delete(key);
      changed?.(key);
      return {};
    },
  };
}
