import * as S3 from '@aws-sdk/client-s3';
import { failure, useS3 } from './sdk-helpers';

/**
 * The bucket configurations S3 keys by Id — metrics, analytics, inventory, Intelligent-Tiering — stored and
 * returned (they have no effect here): round trips, S3's NoSuchConfiguration, Id mismatches, the 1,000 limit and
 * pages of 100 with continuation tokens, through the official SDK client.
 */

const { emu, s3 } = useS3();

let n = 0;
async function bucket(): Promise<string> {
  const Bucket = `id-configs-${++n}`;
  await s3().send(new S3.CreateBucketCommand({ Bucket }));
  return Bucket;
}


/** One family: a valid configuration for an Id, and its four commands. */
interface Family {
  name: string;
  config(id: string): any;
  put(Bucket: string, Id: string, config: any): Promise<unknown>;
  get(Bucket: string, Id: string): Promise<any>;
  del(Bucket: string, Id: string): Promise<unknown>;
  list(Bucket: string, ContinuationToken?: string): Promise<{ items: any[]; IsTruncated?: boolean; NextContinuationToken?: string; ContinuationToken?: string }>;
  mismatch: { name: string; message: string };
}

const MALFORMED = { name: 'MalformedXML', message: 'The XML you provided was not well-formed or did not validate against our published schema' };

const FAMILIES: Family[] = [
  {
    name: 'metrics',
    config: (Id) => ({ Id, Filter: { Prefix: 'logs/' } }),
    put: (Bucket, Id, MetricsConfiguration) => s3().send(new S3.PutBucketMetricsConfigurationCommand({ Bucket, Id, MetricsConfiguration })),
    get: async (Bucket, Id) => (await s3().send(new S3.GetBucketMetricsConfigurationCommand({ Bucket, Id }))).MetricsConfiguration,
    del: (Bucket, Id) => s3().send(new S3.DeleteBucketMetricsConfigurationCommand({ Bucket, Id })),
    list: async (Bucket, ContinuationToken) => {
      const o = await s3().send(new S3.ListBucketMetricsConfigurationsCommand({ Bucket, ContinuationToken }));
      return { ...o, items: o.MetricsConfigurationList ?? [] };
    },
    mismatch: MALFORMED,
  },
  {
    name: 'analytics',
    config: (Id) => ({ Id, Filter: { Prefix: 'p/' }, StorageClassAnalysis: {} }),
    put: (Bucket, Id, AnalyticsConfiguration) => s3().send(new S3.PutBucketAnalyticsConfigurationCommand({ Bucket, Id, AnalyticsConfiguration })),
    get: async (Bucket, Id) => (await s3().send(new S3.GetBucketAnalyticsConfigurationCommand({ Bucket, Id }))).AnalyticsConfiguration,
    del: (Bucket, Id) => s3().send(new S3.DeleteBucketAnalyticsConfigurationCommand({ Bucket, Id })),
    list: async (Bucket, ContinuationToken) => {
      const o = await s3().send(new S3.ListBucketAnalyticsConfigurationsCommand({ Bucket, ContinuationToken }));
      return { ...o, items: o.AnalyticsConfigurationList ?? [] };
    },
    mismatch: MALFORMED,
  },
  {
    name: 'inventory',
    config: (Id) => ({
      Id,
      IsEnabled: true,
      Destination: { S3BucketDestination: { Bucket: 'arn:aws:s3:::inventory-reports', Format: 'CSV', Prefix: 'inv' } },
      IncludedObjectVersions: 'Current',
      Schedule: { Frequency: 'Weekly' },
      OptionalFields: ['Size', 'ObjectLockMode'],
    }),
    put: (Bucket, Id, InventoryConfiguration) => s3().send(new S3.PutBucketInventoryConfigurationCommand({ Bucket, Id, InventoryConfiguration })),
    get: async (Bucket, Id) => (await s3().send(new S3.GetBucketInventoryConfigurationCommand({ Bucket, Id }))).InventoryConfiguration,
    del: (Bucket, Id) => s3().send(new S3.DeleteBucketInventoryConfigurationCommand({ Bucket, Id })),
    list: async (Bucket, ContinuationToken) => {
      const o = await s3().send(new S3.ListBucketInventoryConfigurationsCommand({ Bucket, ContinuationToken }));
      return { ...o, items: o.InventoryConfigurationList ?? [] };
    },
    mismatch: { name: 'IdMismatch', message: 'Document ID does not match the specified configuration ID.' },
  },
  {
    name: 'Intelligent-Tiering',
    config: (Id) => ({ Id, Status: 'Enabled', Tierings: [{ Days: 90, AccessTier: 'ARCHIVE_ACCESS' }] }),
    put: (Bucket, Id, IntelligentTieringConfiguration) => s3().send(new S3.PutBucketIntelligentTieringConfigurationCommand({ Bucket, Id, IntelligentTieringConfiguration })),
    get: async (Bucket, Id) => (await s3().send(new S3.GetBucketIntelligentTieringConfigurationCommand({ Bucket, Id }))).IntelligentTieringConfiguration,
    del: (Bucket, Id) => s3().send(new S3.DeleteBucketIntelligentTieringConfigurationCommand({ Bucket, Id })),
    list: async (Bucket, ContinuationToken) => {
      const o = await s3().send(new S3.ListBucketIntelligentTieringConfigurationsCommand({ Bucket, ContinuationToken }));
      return { ...o, items: o.IntelligentTieringConfigurationList ?? [] };
    },
    mismatch: MALFORMED,
  },
];

const NO_SUCH = { name: 'NoSuchConfiguration', status: 404, message: 'The specified configuration does not exist.' };

describe.each(FAMILIES)('$name configurations', (f) => {
  it('round-trip by Id, list in Id order, delete; unknown Ids are NoSuchConfiguration', async () => {
    const Bucket = await bucket();
    expect((await f.list(Bucket)).items).toEqual([]);
    expect(await failure(f.get(Bucket, 'missing'))).toEqual(NO_SUCH);
    expect(await failure(f.del(Bucket, 'missing'))).toEqual(NO_SUCH);

    await f.put(Bucket, 'b', f.config('b'));
    await f.put(Bucket, 'a', f.config('a'));
    expect(await f.get(Bucket, 'b')).toEqual(f.config('b'));
    const listed = await f.list(Bucket);
    expect([listed.IsTruncated, listed.items.map((c) => c.Id)]).toEqual([false, ['a', 'b']]);

    await f.del(Bucket, 'a');
    expect(await failure(f.get(Bucket, 'a'))).toEqual(NO_SUCH);
    expect((await f.list(Bucket)).items.map((c) => c.Id)).toEqual(['b']);
  });

  it('refuses a body whose Id differs from the query’s', async () => {
    const Bucket = await bucket();
    expect(await failure(f.put(Bucket, 'query-id', f.config('body-id')))).toEqual({ ...f.mismatch, status: 400 });
    expect(await failure(f.get(Bucket, 'query-id'))).toEqual(NO_SUCH);
  });
});

describe('limits and paging (one generic implementation serves all four families)', () => {
  it('1,000 configurations per bucket: a new Id beyond is TooManyConfigurations, replacing one still works', async () => {
    const Bucket = await bucket();
    for (let i = 0; i < 1000; i++) {
      await emu().provider.PutBucketMetricsConfiguration({ Bucket, Id: `m${String(i).padStart(4, '0')}`, MetricsConfiguration: { Id: `m${String(i).padStart(4, '0')}` } });
    }
    expect(await failure(s3().send(new S3.PutBucketMetricsConfigurationCommand({ Bucket, Id: 'one-too-many', MetricsConfiguration: { Id: 'one-too-many' } })))).toEqual({
      name: 'TooManyConfigurations',
      status: 400,
      message: 'You are attempting to create a new configuration but have already reached the 1,000-configuration limit.',
    });
    await s3().send(new S3.PutBucketMetricsConfigurationCommand({ Bucket, Id: 'm0000', MetricsConfiguration: { Id: 'm0000', Filter: { Prefix: 'x/' } } }));
  });

  it('lists 100 a page with continuation tokens', async () => {
    const Bucket = await bucket();
    const ids = Array.from({ length: 250 }, (_, i) => `inv-${String(i).padStart(3, '0')}`);
    const inventory = FAMILIES.find((f) => f.name === 'inventory')!;
    for (const id of ids) await emu().provider.PutBucketInventoryConfiguration({ Bucket, Id: id, InventoryConfiguration: inventory.config(id) });
    const seen: string[] = [];
    const pages: boolean[] = [];
    let token: string | undefined;
    do {
      const page = await inventory.list(Bucket, token);
      expect(page.ContinuationToken).toBe(token);
      pages.push(page.IsTruncated!);
      seen.push(...page.items.map((c) => c.Id));
      token = page.NextContinuationToken;
    } while (token);
    expect(pages).toEqual([true, true, false]);
    expect(seen).toEqual(ids);
    expect(await failure(inventory.list(Bucket, 'not-a-token'))).toMatchObject({ name: 'InvalidArgument', status: 400, message: 'The continuation token provided is incorrect' });
  });

  it('configurations go into the provider digest', async () => {
    const Bucket = await bucket();
    const before = emu().provider.digest();
    await s3().send(new S3.PutBucketAnalyticsConfigurationCommand({ Bucket, Id: 'a', AnalyticsConfiguration: { Id: 'a', StorageClassAnalysis: {} } }));
    expect(emu().provider.digest()).not.toBe(before);
  });
});

it('ListDirectoryBuckets: an account with general purpose buckets only has no directory buckets', async () => {
  await bucket();
  // Same method and path as ListBuckets: the SDK's x-id query parameter tells them apart.
  expect((await s3().send(new S3.ListDirectoryBucketsCommand({}))).Buckets ?? []).toEqual([]);
  expect((await s3().send(new S3.ListBucketsCommand({}))).Buckets!.length).toBeGreaterThan(0);
});
