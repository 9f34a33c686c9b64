import { awsError, ctx, setup } from './helpers';

describe('buckets', () => {
  test('names are validated', async () => {
    const { s3 } = setup();
    for (const Bucket of ['ab', 'UPPER', 'has_underscore', '-start', 'end-', 'a..b', '192.168.1.1', 'xn--x', 'x'.repeat(64), 'my-bucket-s3alias']) {
      expect(await awsError(s3.CreateBucket({ Bucket }, ctx()))).toMatchObject({ code: 'InvalidBucketName', status: 400 });
    }
    await expect(s3.CreateBucket({ Bucket: 'my.valid-bucket1' }, ctx())).resolves.toBeDefined();
  });

  test('us-east-1: re-creating your own bucket is 200; elsewhere BucketAlreadyOwnedByYou; other accounts BucketAlreadyExists', async () => {
    const { s3 } = setup();
    await s3.CreateBucket({ Bucket: 'east-bucket' }, ctx());
    await expect(s3.CreateBucket({ Bucket: 'east-bucket' }, ctx())).resolves.toMatchObject({ Location: '/east-bucket' });
    const eu = ctx({ region: 'eu-west-1' });
    await s3.CreateBucket({ Bucket: 'eu-bucket', CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }, eu);
    expect(await awsError(s3.CreateBucket({ Bucket: 'eu-bucket', CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }, eu))).toMatchObject({
      code: 'BucketAlreadyOwnedByYou',
      status: 409,
    });
    expect(await awsError(s3.CreateBucket({ Bucket: 'east-bucket' }, ctx({ accountId: '111111111111' })))).toMatchObject({ code: 'BucketAlreadyExists', status: 409 });
  });

  test('location constraints and GetBucketLocation', async () => {
    const { s3 } = setup();
    expect(await awsError(s3.CreateBucket({ Bucket: 'needs-constraint' }, ctx({ region: 'eu-west-1' })))).toMatchObject({ code: 'IllegalLocationConstraintException' });
    expect((await awsError(s3.CreateBucket({ Bucket: 'explicit-east', CreateBucketConfiguration: { LocationConstraint: 'us-east-1' as any } }, ctx()))).code).toBe(
      'InvalidLocationConstraint',
    );
    await s3.CreateBucket({ Bucket: 'frankfurt-bucket', CreateBucketConfiguration: { LocationConstraint: 'eu-central-1' } }, ctx({ region: 'eu-central-1' }));
    expect(await s3.GetBucketLocation({ Bucket: 'frankfurt-bucket' }, ctx())).toEqual({ LocationConstraint: 'eu-central-1' });
    await s3.CreateBucket({ Bucket: 'virginia-bucket' }, ctx());
    expect((await s3.GetBucketLocation({ Bucket: 'virginia-bucket' }, ctx())).LocationConstraint).toBeUndefined();
    expect((await s3.HeadBucket({ Bucket: 'frankfurt-bucket' }, ctx())).BucketRegion).toBe('eu-central-1');
    expect(await awsError(s3.HeadBucket({ Bucket: 'missing-bucket' }, ctx()))).toMatchObject({ code: 'NoSuchBucket', status: 404 });
  });

  test('ListBuckets: sorted, prefix, paging', async () => {
    const { s3 } = setup();
    for (const b of ['ccc-bucket', 'aaa-bucket', 'bbb-bucket']) await s3.CreateBucket({ Bucket: b }, ctx());
    const all = await s3.ListBuckets({}, ctx());
    expect(all.Buckets?.map((b) => b.Name)).toEqual(['aaa-bucket', 'bbb-bucket', 'ccc-bucket']);
    expect(all.Owner?.ID).toMatch(/^[0-9a-f]{64}$/);
    const page = await s3.ListBuckets({ MaxBuckets: 2 }, ctx());
    expect(page.Buckets?.length).toBe(2);
    const next = await s3.ListBuckets({ MaxBuckets: 2, ContinuationToken: page.ContinuationToken }, ctx());
    expect([next.Buckets?.map((b) => b.Name), next.ContinuationToken]).toEqual([['ccc-bucket'], undefined]);
    expect((await s3.ListBuckets({ Prefix: 'b' }, ctx())).Buckets?.map((b) => b.Name)).toEqual(['bbb-bucket']);
  });

  test('DeleteBucket: NoSuchBucket, BucketNotEmpty, then gone', async () => {
    const { s3 } = setup();
    expect(await awsError(s3.DeleteBucket({ Bucket: 'missing-bucket' }, ctx()))).toMatchObject({ code: 'NoSuchBucket', status: 404 });
    await s3.CreateBucket({ Bucket: 'full-bucket' }, ctx());
    await s3.PutObject({ Bucket: 'full-bucket', Key: 'k', Body: Buffer.from('x') }, ctx());
    expect(await awsError(s3.DeleteBucket({ Bucket: 'full-bucket' }, ctx()))).toMatchObject({ code: 'BucketNotEmpty', status: 409 });
    await s3.DeleteObject({ Bucket: 'full-bucket', Key: 'k' }, ctx());
    await s3.DeleteBucket({ Bucket: 'full-bucket' }, ctx());
    expect((await s3.ListBuckets({}, ctx())).Buckets).toEqual([]);
  });

  test('bucket tagging, policy, CORS, lifecycle: stored, returned, deleted', async () => {
    const { s3 } = setup();
    const Bucket = 'settings-bucket';
    await s3.CreateBucket({ Bucket }, ctx());
    expect((await awsError(s3.GetBucketTagging({ Bucket }, ctx()))).code).toBe('NoSuchTagSet');
    await s3.PutBucketTagging({ Bucket, Tagging: { TagSet: [{ Key: 'team', Value: 'data' }] } }, ctx());
    expect((await s3.GetBucketTagging({ Bucket }, ctx())).TagSet).toEqual([{ Key: 'team', Value: 'data' }]);
    await s3.DeleteBucketTagging({ Bucket }, ctx());
    expect((await awsError(s3.GetBucketTagging({ Bucket }, ctx()))).status).toBe(404);

    expect((await awsError(s3.GetBucketPolicy({ Bucket }, ctx()))).code).toBe('NoSuchBucketPolicy');
    expect((await awsError(s3.PutBucketPolicy({ Bucket, Policy: 'not json' }, ctx()))).code).toBe('MalformedPolicy');
    const Policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${Bucket}/*` }] });
    await s3.PutBucketPolicy({ Bucket, Policy }, ctx());
    expect((await s3.GetBucketPolicy({ Bucket }, ctx())).Policy).toBe(Policy);
    await s3.DeleteBucketPolicy({ Bucket }, ctx());
    expect((await awsError(s3.GetBucketPolicy({ Bucket }, ctx()))).status).toBe(404);

    expect((await awsError(s3.GetBucketCors({ Bucket }, ctx()))).code).toBe('NoSuchCORSConfiguration');
    const CORSRules = [{ AllowedMethods: ['GET'], AllowedOrigins: ['*'] }];
    await s3.PutBucketCors({ Bucket, CORSConfiguration: { CORSRules } }, ctx());
    expect((await s3.GetBucketCors({ Bucket }, ctx())).CORSRules).toEqual(CORSRules);
    await s3.DeleteBucketCors({ Bucket }, ctx());

    expect((await awsError(s3.GetBucketLifecycleConfiguration({ Bucket }, ctx()))).code).toBe('NoSuchLifecycleConfiguration');
    const Rules = [{ ID: 'expire', Status: 'Enabled' as const, Filter: { Prefix: 'tmp/' }, Expiration: { Days: 1 } }];
    await s3.PutBucketLifecycleConfiguration({ Bucket, LifecycleConfiguration: { Rules } }, ctx());
    expect((await s3.GetBucketLifecycleConfiguration({ Bucket }, ctx())).Rules).toEqual(Rules);
    await s3.DeleteBucketLifecycle({ Bucket }, ctx());
    expect((await awsError(s3.GetBucketLifecycleConfiguration({ Bucket }, ctx()))).status).toBe(404);
  });

  test('s3.getObject answers other services through the bus; reset drops everything', async () => {
    const { s3, bus } = setup();
    await s3.CreateBucket({ Bucket: 'code-bucket' }, ctx());
    await s3.PutObject({ Bucket: 'code-bucket', Key: 'fn.zip', Body: Buffer.from('zipbytes') }, ctx());
    const bytes = await bus.ask<{ bucket: string; key: string }, Buffer>('s3.getObject', { bucket: 'code-bucket', key: 'fn.zip' });
    expect(bytes.toString()).toBe('zipbytes');
    await expect(bus.ask('s3.getObject', { bucket: 'code-bucket', key: 'nope' })).rejects.toMatchObject({ code: 'NoSuchKey' });
    s3.reset();
    expect((await s3.ListBuckets({}, ctx())).Buckets).toEqual([]);
  });
});
