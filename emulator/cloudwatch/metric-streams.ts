import { AwsError } from '../core/errors';
import { offsetPage } from '../core/paging';
import { mergedTags } from '../core/tags';

/**
 * Metric streams (PutMetricStream, GetMetricStream, ListMetricStreams, DeleteMetricStream, Start/StopMetricStreams),
 * stored only: Firehose is not emulated, so a running stream sends nothing. The configuration, state and tags are
 * kept and answered as AWS does.
 */
export interface MetricStreamFilter {
  Namespace?: string;
  MetricNames?: string[];
}

export interface MetricStream {
  Arn: string;
  Name: string;
  IncludeFilters: MetricStreamFilter[];
  ExcludeFilters: MetricStreamFilter[];
  FirehoseArn: string;
  RoleArn: string;
  State: 'running' | 'stopped';
  CreationDate: Date;
  LastUpdateDate: Date;
  OutputFormat: string;
  StatisticsConfigurations: { IncludeMetrics: { Namespace: string; MetricName: string }[]; AdditionalStatistics: string[] }[];
  IncludeLinkedAccountsMetrics: boolean;
}

const NAME = /^[A-Za-z0-9_-]{1,255}$/;
const FORMATS = ['json', 'opentelemetry0.7', 'opentelemetry1.0'];
const MAX_FILTERS = 1000;
const MAX_RESULTS = 500;
/** OpenTelemetry streams carry percentiles only; JSON streams any statistic CloudWatch supports. */
const PERCENTILE = /^p\d{1,2}(\.\d+)?$/;
const EXTENDED = /^(p\d{1,2}(\.\d+)?|(tm|wm|tc|ts|TM|WM|TC|TS|PR)\(?[\d.:%]+\)?|IQM)$/;
const STANDARD_STATISTICS = ['Average', 'Maximum', 'Minimum', 'Sum', 'SampleCount'];

const invalidValue = (message: string) => new AwsError('InvalidParameterValueException', message, 400);
const notFound = (name: string) => new AwsError('ResourceNotFoundException', `Metric stream ${name} does not exist.`, 404);

function checkFilters(filters: MetricStreamFilter[] | undefined, param: string): void {
  if (!filters) return;
  if (filters.length > MAX_FILTERS) throw invalidValue(`The collection ${param} must not have a size greater than ${MAX_FILTERS}.`);
  filters.forEach((f, i) => {
    if (f.Namespace === undefined && f.MetricNames?.length) throw invalidValue(`The parameter ${param}.member.${i + 1}.Namespace is required when MetricNames is set.`);
  });
}

function checkStatistics(input: any): void {
  (input.StatisticsConfigurations ?? []).forEach((c: MetricStream['StatisticsConfigurations'][number], i: number) => {
    for (const stat of c.AdditionalStatistics ?? []) {
      const otel = String(input.OutputFormat).startsWith('opentelemetry');
      const ok = otel ? PERCENTILE.test(stat) : EXTENDED.test(stat) || STANDARD_STATISTICS.includes(stat);
      if (!ok) {
        throw invalidValue(`The value ${stat} for parameter StatisticsConfigurations.member.${i + 1}.AdditionalStatistics is not supported for the ${input.OutputFormat} output format.`);
      }
    }
  });
}

/** `changed` hears of each stream put, started, stopped or deleted (for persistence). */
export function createMetricStreams(clock: { now(): number }, tags: Map<string, { Key: string; Value: string }[]>, changed?: (name: string) => void) {
  const streams = new Map<string, MetricStream>();

  const entry = (s: MetricStream) => ({
    Arn: s.Arn,
    CreationDate: s.CreationDate,
    LastUpdateDate: s.LastUpdateDate,
    Name: s.Name,
    FirehoseArn: s.FirehoseArn,
    State: s.State,
    OutputFormat: s.OutputFormat,
  });

  const setState = (names: string[] | undefined, state: MetricStream['State']) => {
    if (!names?.length) throw new AwsError('MissingRequiredParameterException', 'The parameter Names is required.', 400);
    // Unknown names are passed over: these operations have no not-found error.
    for (const name of names) {
      const s = streams.get(name);
      if (!s || s.State === state) continue;
      s.State = state;
      s.LastUpdateDate = new Date(clock.now());
      changed?.(name);
    }
    return {};
  };

  return {
    all: (): Iterable<MetricStream> => streams.values(),
    get: (name: string) => streams.get(name),
    byArn: (arn: string) => [...streams.values()].find((s) => s.Arn === arn),
    restore(s: MetricStream): void {
      streams.set(s.Name, s);
    },
    clear: () => streams.clear(),

    PutMetricStream(input: any, ctx: { region: string; accountId: string }) {
      if (!NAME.test(input.Name)) {
        throw invalidValue('The value for parameter Name is invalid. It must be 1 to 255 characters long and contain only A-Z, a-z, 0-9, "-" and "_".');
      }
      if (!FORMATS.includes(input.OutputFormat)) {
        throw invalidValue(`The value ${input.OutputFormat} for parameter OutputFormat is not valid. Valid values are [${FORMATS.join(', ')}].`);
      }
      for (const k of ['FirehoseArn', 'RoleArn']) {
        if (!/^arn:aws[\w-]*:[a-z0-9-]+:/.test(input[k])) throw invalidValue(`The value ${input[k]} for parameter ${k} is not a valid ARN.`);
      }
      if (input.IncludeFilters?.length && input.ExcludeFilters?.length) {
        throw new AwsError('InvalidParameterCombinationException', 'You cannot specify both IncludeFilters and ExcludeFilters in the same metric stream.', 400);
      }
      checkFilters(input.IncludeFilters, 'IncludeFilters');
      checkFilters(input.ExcludeFilters, 'ExcludeFilters');
      checkStatistics(input);
      const now = new Date(clock.now());
      const existing = streams.get(input.Name);
      const stream: MetricStream = {
        Arn: existing?.Arn ?? `arn:aws:cloudwatch:${ctx.region}:${ctx.accountId}:metric-stream/${input.Name}`,
        Name: input.Name,
        IncludeFilters: input.IncludeFilters ?? [],
        ExcludeFilters: input.ExcludeFilters ?? [],
        FirehoseArn: input.FirehoseArn,
        RoleArn: input.RoleArn,
        // A new stream starts running; an update keeps the state it had.
        State: existing?.State ?? 'running',
        CreationDate: existing?.CreationDate ?? now,
        LastUpdateDate: now,
        OutputFormat: input.OutputFormat,
        StatisticsConfigurations: input.StatisticsConfigurations ?? [],
        IncludeLinkedAccountsMetrics: input.IncludeLinkedAccountsMetrics ?? false,
      };
      streams.set(stream.Name, stream);
      if (!existing && input.Tags?.length) tags.set(stream.Arn, mergedTags([], input.Tags));
      changed?.(stream.Name);
      return { Arn: stream.Arn };
    },

    GetMetricStream(input: any) {
      const s = streams.get(input.Name);
      if (!s) throw notFound(input.Name);
      return { ...s };
    },

    ListMetricStreams(input: any) {
      const max = input.MaxResults ?? MAX_RESULTS;
      if (!Number.isInteger(max) || max < 1 || max > MAX_RESULTS) {
        throw invalidValue(`The value ${max} for parameter MaxResults is not valid. It must be between 1 and ${MAX_RESULTS}.`);
      }
      const sorted = [...streams.values()].sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0));
      const { items, next } = offsetPage(sorted, input.NextToken, max, 'metric-streams', () => new AwsError('InvalidNextToken', 'The service cannot complete the request.', 400));
      return { Entries: items.map(entry), NextToken: next };
    },

    DeleteMetricStream(input: any) {
      // Deleting a stream that does not exist succeeds, as on AWS (the operation has no not-found error).
      const s = streams.get(input.Name);
      if (s) {
        streams.delete(s.Name);
        tags.delete(s.Arn);
        changed?.(s.Name);
      }
      return {};
    },

    StartMetricStreams: (input: any) => setState(input.Names, 'running'),
    StopMetricStreams: (input: any) => setState(input.Names, 'stopped'),
  };
}
