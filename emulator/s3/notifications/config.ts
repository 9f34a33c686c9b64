import type {
  FilterRule,
  LambdaFunctionConfiguration,
  NotificationConfiguration,
  NotificationConfigurationFilter,
  QueueConfiguration,
  TopicConfiguration,
} from '@aws-sdk/client-s3';
import { AwsError } from '../../core/errors';
import { parseArn, uuid } from '../../core/ids';
import { eventCovers, eventsOverlap, isConfigurableEvent } from './events';
import { encodeEventKey } from './key-encoding';

/**
 * PutBucketNotificationConfiguration's rules, as pure functions over the SDK's
 * `NotificationConfiguration` shape. Sources: S3 User Guide "Configuring event notifications using
 * object key name filtering" (overlap examples), the FilterRule / NotificationConfiguration API
 * references, and S3's error texts quoted in minio/minio#2472, aws/aws-cli#2387 and
 * matt-filion/serverless-external-s3-event#53/#76.
 */
export type { NotificationConfiguration };

export type DestinationKind = 'queue' | 'topic' | 'lambda';

export interface MatchedDestination {
  kind: DestinationKind;
  arn: string;
  /** The configuration's Id: the record's `s3.configurationId`. */
  id: string;
}

type AnyConfiguration = QueueConfiguration | TopicConfiguration | LambdaFunctionConfiguration;

interface Entry {
  kind: DestinationKind;
  arn: string | undefined;
  config: AnyConfiguration;
}

function entries(cfg: NotificationConfiguration): Entry[] {
  return [
    ...(cfg.QueueConfigurations ?? []).map((c) => ({ kind: 'queue' as const, arn: c.QueueArn, config: c })),
    ...(cfg.TopicConfigurations ?? []).map((c) => ({ kind: 'topic' as const, arn: c.TopicArn, config: c })),
    ...(cfg.LambdaFunctionConfigurations ?? []).map((c) => ({ kind: 'lambda' as const, arn: c.LambdaFunctionArn, config: c })),
  ];
}

const invalidArgument = (message: string, name: string, value: string): AwsError =>
  new AwsError('InvalidArgument', message, 400, { ArgumentName: name, ArgumentValue: value });

const MALFORMED = 'The XML you provided was not well-formed or did not validate against our published schema';

export interface KeyFilter {
  prefix?: string;
  suffix?: string;
}

/**
 * Reads a configuration's key filter. Rule names are matched case-insensitively ("Prefix" works too);
 * each may appear once.
 */
export function keyFilterOf(filter: NotificationConfigurationFilter | undefined): KeyFilter {
  const out: KeyFilter = {};
  for (const rule of filter?.Key?.FilterRules ?? []) {
    const name = String(rule.Name ?? '').toLowerCase();
    if (name !== 'prefix' && name !== 'suffix') {
      throw invalidArgument('filter rule name must be either prefix or suffix', 'FilterRule.Name', String(rule.Name ?? ''));
    }
    if (out[name] !== undefined) {
      throw invalidArgument(`Cannot specify more than one ${name} rule in a filter.`, 'FilterRule.Name', String(rule.Name));
    }
    out[name] = rule.Value ?? '';
  }
  return out;
}

/** Two prefixes overlap when one string can start with both; a missing prefix overlaps everything. */
export const prefixesOverlap = (a = '', b = ''): boolean => a.startsWith(b) || b.startsWith(a);
/** Two suffixes overlap when one string can end with both (`jpg`/`pg` do, `.jpg`/`.png` do not). */
export const suffixesOverlap = (a = '', b = ''): boolean => a.endsWith(b) || b.endsWith(a);

const hasRules = (f: KeyFilter): boolean => f.prefix !== undefined || f.suffix !== undefined;

export interface ValidateNotificationOptions {
  /** Id for configurations without one. AWS makes a random one; inject for determinism. */
  generateId?: () => string;
  /** The bucket's Region: every destination must be in it. */
  bucketRegion?: string;
}

/**
 * S3-generated configuration Ids look like base64 of a UUID string (e.g. "MzRlYTY4ZjUtMzY1Ni00…");
 * that shape is reproduced here.
 */
export const defaultConfigurationId = (): string => Buffer.from(uuid()).toString('base64');

/**
 * Validates a configuration as S3 does before storing it and returns it with Ids filled in.
 *
 * - Every event must be a configurable type (s3:TestEvent is not) → InvalidArgument "The event is not
 *   supported for notifications" (ArgumentName "Event").
 * - Filter rules: prefix/suffix only, each at most once → InvalidArgument.
 * - Destinations must be in the bucket's Region → InvalidArgument "The notification destination service region is
 *   not valid for the bucket location constraint" (quoted in cloud-custodian#297).
 * - Destinations: S3 rejects FIFO queues and FIFO topics; in AWS the failure surfaces as the
 *   destination check's "Unable to validate the following destination configurations" with the ARN
 *   as ArgumentName.
 * - Overlap, only between configurations that share a concrete event type (wildcards expanded;
 *   across queue/topic/Lambda destinations too):
 *   - neither has filter rules → "Configurations overlap. Configurations on the same bucket cannot
 *     share a common event type." with ArgumentName "Event" and ArgumentValue "<a>, <b>" (the body
 *     quoted in minio/minio#2472: "s3:ObjectRemoved:*, s3:ObjectRemoved:*");
 *   - otherwise, when the prefixes overlap and the suffixes overlap (a missing rule overlapping
 *     everything) → "Configuration is ambiguously defined. Cannot have overlapping suffixes in two
 *     rules if the prefixes are overlapping for the same event type." (aws/aws-cli#2387: a filtered
 *     ObjectCreated:Put next to an unfiltered ObjectCreated:*; serverless-external-s3-event#53: two
 *     ".json" suffix rules). The ArgumentName/Value S3 sends with this one are not documented; the
 *     same Event pair is given.
 */
export function validateNotificationConfiguration(
  cfg: NotificationConfiguration,
  opts: ValidateNotificationOptions = {},
): NotificationConfiguration {
  const generateId = opts.generateId ?? defaultConfigurationId;
  const all = entries(cfg);
  const filters = all.map((e) => {
    if (!e.arn || !e.config.Events || e.config.Events.length === 0) throw new AwsError('MalformedXML', MALFORMED, 400);
    for (const event of e.config.Events) {
      if (!isConfigurableEvent(event)) throw invalidArgument('The event is not supported for notifications', 'Event', event);
    }
    return keyFilterOf(e.config.Filter);
  });

  for (const e of all) {
    // An ARN that does not parse is the destination check's to refuse ("Unable to validate…").
    const region = parseArn(e.arn!)?.region;
    if (opts.bucketRegion !== undefined && region !== undefined && region !== opts.bucketRegion) {
      throw new AwsError('InvalidArgument', 'The notification destination service region is not valid for the bucket location constraint', 400);
    }
    if ((e.kind === 'queue' || e.kind === 'topic') && e.arn!.endsWith('.fifo')) {
      throw invalidArgument(
        'Unable to validate the following destination configurations',
        e.arn!,
        `FIFO ${e.kind === 'queue' ? 'SQS queues' : 'SNS topics'} are not supported as notification destinations`,
      );
    }
  }

  for (let i = 0; i < all.length; i++) {
    for (let j = i + 1; j < all.length; j++) {
      const shared = sharedEvents(all[i]!.config.Events!, all[j]!.config.Events!);
      if (!shared) continue;
      const [fa, fb] = [filters[i]!, filters[j]!];
      const pair = `${shared[0]}, ${shared[1]}`;
      if (!hasRules(fa) && !hasRules(fb)) {
        throw invalidArgument(
          'Configurations overlap. Configurations on the same bucket cannot share a common event type.',
          'Event',
          pair,
        );
      }
      if (prefixesOverlap(fa.prefix, fb.prefix) && suffixesOverlap(fa.suffix, fb.suffix)) {
        throw invalidArgument(
          'Configuration is ambiguously defined. Cannot have overlapping suffixes in two rules if the prefixes are overlapping for the same event type.',
          'Event',
          pair,
        );
      }
    }
  }

  const withIds = <T extends AnyConfiguration>(list: T[] | undefined): T[] | undefined =>
    list?.map((c) => ({ ...c, Id: c.Id || generateId() }));
  const out: NotificationConfiguration = {};
  if (cfg.QueueConfigurations) out.QueueConfigurations = withIds(cfg.QueueConfigurations);
  if (cfg.TopicConfigurations) out.TopicConfigurations = withIds(cfg.TopicConfigurations);
  if (cfg.LambdaFunctionConfigurations) out.LambdaFunctionConfigurations = withIds(cfg.LambdaFunctionConfigurations);
  if (cfg.EventBridgeConfiguration) out.EventBridgeConfiguration = {};
  return out;
}

function sharedEvents(a: string[], b: string[]): [string, string] | undefined {
  for (const x of a) for (const y of b) if (eventsOverlap(x, y)) return [x, y];
  return undefined;
}

export interface MatchingOptions {
  /**
   * What the prefix/suffix rules are compared with. `raw` (default): the object key as stored.
   * `encoded`: the form-encoded key of the event record. AWS's filtering page says a prefix or suffix
   * containing a space must be written with "+" and other special characters URL-encoded, which
   * suggests S3 compares against the encoded form; `raw` is kept as the default by request.
   */
  filterOn?: 'raw' | 'encoded';
}

/**
 * The destinations an event goes to: every configuration with an event covering `eventName`
 * (`s3:ObjectCreated:Put`; the `s3:` prefix may be left out) whose rules accept `key` (decoded).
 * Queue, topic and Lambda configurations, each in configuration order.
 */
export function matchingConfigurations(
  cfg: NotificationConfiguration,
  eventName: string,
  key: string,
  opts: MatchingOptions = {},
): MatchedDestination[] {
  const subject = opts.filterOn === 'encoded' ? encodeEventKey(key) : key;
  const out: MatchedDestination[] = [];
  for (const e of entries(cfg)) {
    if (!e.arn || !(e.config.Events ?? []).some((configured) => eventCovers(configured, eventName))) continue;
    const f = keyFilterOf(e.config.Filter);
    if (f.prefix !== undefined && !subject.startsWith(f.prefix)) continue;
    if (f.suffix !== undefined && !subject.endsWith(f.suffix)) continue;
    out.push({ kind: e.kind, arn: e.arn, id: e.config.Id ?? '' });
  }
  return out;
}

export type { FilterRule };
