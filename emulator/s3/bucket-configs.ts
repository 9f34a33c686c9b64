import { copyOf } from '../core/clone';
import type * as S3 from '@aws-sdk/client-s3';
import type { RequestContext } from '../core/context';
import { AwsError } from '../core/errors';
import { invalidArgument, malformedXml } from './errors';
import { compareUtf8 } from './sorted-keys';
import { getBucket, type S3State } from './state';
import type { Bucket, IdConfigurationFamily } from './store';

/**
 * The bucket configurations S3 keys by Id: request metrics, Storage Class Analysis, Inventory and
 * Intelligent-Tiering archive settings. Configuration only: they are stored, listed and returned as S3 does
 * (its limits, errors and paging), but no metric is published, no analysis or inventory report is written and
 * no object changes tier. One generic set of operations serves the four families.
 */

const MAX_PER_BUCKET = 1000;
/** S3 lists at most 100 configurations a page. */
const PAGE_SIZE = 100;

interface Family {
  key: IdConfigurationFamily;
  /** The operation infix: `PutBucket${name}Configuration`. */
  name: 'Metrics' | 'Analytics' | 'Inventory' | 'IntelligentTiering';
  /** Checks the configuration body against the Id in the query string (S3's checks for the family). */
  validate(id: string, config: Record<string, any>): void;
}

/** Analytics, Intelligent-Tiering and metrics answer a body Id that differs from the query's as malformed XML. */
const sameId = (id: string, config: Record<string, any>): void => {
  if (config.Id !== id) throw malformedXml();
};

const FAMILIES: Family[] = [
  { key: 'metrics', name: 'Metrics', validate: sameId },
  {
    key: 'analytics',
    name: 'Analytics',
    validate(id, c) {
      if (!c.StorageClassAnalysis) throw malformedXml();
      sameId(id, c);
    },
  },
  {
    key: 'intelligentTiering',
    name: 'IntelligentTiering',
    validate(id, c) {
      const tiers = new Set(['ARCHIVE_ACCESS', 'DEEP_ARCHIVE_ACCESS']);
      const tieringsOk = Array.isArray(c.Tierings) && c.Tierings.length > 0 && c.Tierings.every((t: any) => tiers.has(t?.AccessTier) && Number.isInteger(t?.Days));
      if ((c.Status !== 'Enabled' && c.Status !== 'Disabled') || !tieringsOk) throw malformedXml();
      sameId(id, c);
    },
  },
  {
    key: 'inventory',
    name: 'Inventory',
    // The document's structure first, then the Id (its own error code), then the destination ARN.
    validate(id, c) {
      const dest = c.Destination?.S3BucketDestination;
      const wellFormed =
        dest?.Bucket &&
        ['CSV', 'ORC', 'Parquet'].includes(dest.Format) &&
        typeof c.IsEnabled === 'boolean' &&
        ['All', 'Current'].includes(c.IncludedObjectVersions) &&
        ['Daily', 'Weekly'].includes(c.Schedule?.Frequency) &&
        c.Id !== undefined;
      if (!wellFormed) throw malformedXml();
      if (c.Id !== id) throw new AwsError('IdMismatch', 'Document ID does not match the specified configuration ID.', 400);
      if (!/^arn:aws[\w-]*:s3:::[^/]+$/.test(dest.Bucket)) throw new AwsError('InvalidS3DestinationBucket', 'Invalid bucket ARN.', 400);
    },
  },
];

const noSuchConfiguration = (): AwsError => new AwsError('NoSuchConfiguration', 'The specified configuration does not exist.', 404);

const invalidToken = (): AwsError => invalidArgument('The continuation token provided is incorrect', 'continuation-token');

/** A family's configurations on a bucket; `forWrite` creates the map (reads leave the bucket untouched). */
function configsOf(bucket: Bucket, family: Family, forWrite = false): Map<string, unknown> {
  if (!forWrite) return bucket.idConfigurations?.[family.key] ?? new Map();
  const all = (bucket.idConfigurations ??= {});
  return (all[family.key] ??= new Map());
}

type IdInput = { Bucket?: string; Id?: string } & Record<string, any>;
type ListInput = { Bucket?: string; ContinuationToken?: string };
type Op<I> = (input: I, ctx?: RequestContext) => Promise<Record<string, unknown>>;
type FamilyOperations<N extends string> = { [K in `PutBucket${N}Configuration` | `GetBucket${N}Configuration` | `DeleteBucket${N}Configuration`]: Op<IdInput> } & {
  [K in `ListBucket${N}Configurations`]: Op<ListInput>;
};

/** Put/Get/Delete/ListBucket<Family>Configuration(s) for one family. */
function familyOperations<N extends Family['name']>(state: S3State, family: Family & { name: N }): FamilyOperations<N> {
  const member = `${family.name}Configuration`;
  const ops: Record<string, Op<any>> = {
    async [`PutBucket${family.name}Configuration`](input: IdInput) {
      const configs = configsOf(getBucket(state, input.Bucket), family, true);
      const config = input[member];
      if (!config || typeof config !== 'object' || !input.Id) throw malformedXml();
      family.validate(input.Id, config);
      if (!configs.has(input.Id) && configs.size >= MAX_PER_BUCKET) {
        throw new AwsError('TooManyConfigurations', 'You are attempting to create a new configuration but have already reached the 1,000-configuration limit.', 400);
      }
      configs.set(input.Id, copyOf(config));
      return {};
    },

    async [`GetBucket${family.name}Configuration`](input: IdInput) {
      const config = configsOf(getBucket(state, input.Bucket), family).get(input.Id ?? '');
      if (config === undefined) throw noSuchConfiguration();
      return { [member]: copyOf(config) };
    },

    async [`DeleteBucket${family.name}Configuration`](input: IdInput) {
      if (!configsOf(getBucket(state, input.Bucket), family).delete(input.Id ?? '')) throw noSuchConfiguration();
      return {};
    },

    /** Pages of 100 in Id order; the token names the first Id of the next page. */
    async [`ListBucket${family.name}Configurations`](input: ListInput) {
      const configs = configsOf(getBucket(state, input.Bucket), family);
      const ids = [...configs.keys()].sort(compareUtf8);
      let start = 0;
      if (input.ContinuationToken !== undefined) {
        const from = Buffer.from(input.ContinuationToken, 'base64url').toString('utf8');
        start = ids.indexOf(from);
        if (start < 0 || input.ContinuationToken === '') throw invalidToken();
      }
      const page = ids.slice(start, start + PAGE_SIZE);
      const next = ids[start + PAGE_SIZE];
      return {
        IsTruncated: next !== undefined,
        ...(input.ContinuationToken !== undefined ? { ContinuationToken: input.ContinuationToken } : {}),
        ...(next !== undefined ? { NextContinuationToken: Buffer.from(next, 'utf8').toString('base64url') } : {}),
        [`${member}List`]: page.map((id) => copyOf(configs.get(id))),
      };
    },
  };
  return ops as FamilyOperations<N>;
}

const family = <N extends Family['name']>(name: N) => FAMILIES.find((f) => f.name === name)! as Family & { name: N };

export function bucketConfigOperations(state: S3State) {
  return {
    ...familyOperations(state, family('Metrics')),
    ...familyOperations(state, family('Analytics')),
    ...familyOperations(state, family('Inventory')),
    ...familyOperations(state, family('IntelligentTiering')),

    /** This account has no directory buckets (S3 Express One Zone is not emulated): the list is empty. */
    async ListDirectoryBuckets(_input: S3.ListDirectoryBucketsCommandInput, _ctx?: RequestContext): Promise<Record<string, unknown>> {
      return { Buckets: [] };
    },
  };
}

/** The configurations in a fixed order, for the provider's digest. */
export function bucketConfigsDigest(bucket: Bucket): unknown[] {
  return FAMILIES.map((f) => [...(bucket.idConfigurations?.[f.key] ?? new Map()).entries()].sort(([a], [b]) => compareUtf8(a, b)));
}
