import { RESPONSE_META } from '../../emulator/core/service';
import { awsError, ctx, setup } from './helpers';

const B = 'versioned-bucket';
const meta = (o: object) => (o as any)[RESPONSE_META] as { status?: number; headers?: Record<string, string> } | undefined;

async function versionedBucket(status: 'Enabled' | 'Suspended' | null = 'Enabled') {
  const env = setup();
  await env.s3.CreateBucket({ Bucket: B }, ctx());
  if (status) await env.s3.PutBucketVersioning({ Bucket: B, VersioningConfiguration: { Status: status } }, ctx());
  return env;
}
const put = (s3: any, Key: string, body: string) => s3.PutObject({ Bucket: B, Key, Body: Buffer.from(body) }, ctx());

describe('versioning', () => {
  test('GetBucketVersioning: absent until configured, then Enabled/Suspended; bad status is MalformedXML', async () => {
    const { s3 } = await versionedBucket(null);
    expect(await s3.GetBucketVersioning({ Bucket: B }, ctx())).toEqual({ Status: undefined });
    await s3.PutBucketVersioning({ Bucket: B, VersioningConfiguration: { Status: 'Enabled' } }, ctx());
    expect((await s3.GetBucketVersioning({ Bucket: B }, ctx())).Status).toBe('Enabled');
    await s3.PutBucketVersioning({ Bucket: B, VersioningConfiguration: { Status: 'Suspended' } }, ctx());
    expect((await s3.GetBucketVersioning({ Bucket: B }, ctx())).Status).toBe('Suspended');
    expect((await awsError(s3.PutBucketVersioning({ Bucket: B, VersioningConfiguration: { Status: 'On' as any } }, ctx()))).code).toBe('MalformedXML');
  });

  test('each write gets a version id; old versions stay readable by id', async () => {
    const { s3 } = await versionedBucket();
    const v1 = await put(s3, 'k', 'one');
    const v2 = await put(s3, 'k', 'two');
    expect(v1.VersionId).toMatch(/^[A-Za-z0-9._]{32}$/);
    expect(v2.VersionId).not.toBe(v1.VersionId);
    expect(String((await s3.GetObject({ Bucket: B, Key: 'k' }, ctx())).Body)).toBe('two');
    const old = await s3.GetObject({ Bucket: B, Key: 'k', VersionId: v1.VersionId }, ctx());
    expect([String(old.Body), old.VersionId]).toEqual(['one', v1.VersionId]);
    expect(await awsError(s3.GetObject({ Bucket: B, Key: 'k', VersionId: 'nope' }, ctx()))).toMatchObject({ code: 'NoSuchVersion', status: 404 });
  });

  test('delete without version id creates a delete marker; GET then is NoSuchKey with x-amz-delete-marker', async () => {
    const { s3 } = await versionedBucket();
    const v1 = await put(s3, 'k', 'one');
    const del = await s3.DeleteObject({ Bucket: B, Key: 'k' }, ctx());
    expect(del.DeleteMarker).toBe(true);
    expect(del.VersionId).toMatch(/^[A-Za-z0-9._]{32}$/);
    const err = await awsError(s3.GetObject({ Bucket: B, Key: 'k' }, ctx()));
    expect(err.code).toBe('NoSuchKey');
    expect(meta(err)?.headers).toEqual({ 'x-amz-delete-marker': 'true', 'x-amz-version-id': del.VersionId });
    // The marker by version id: 405 MethodNotAllowed.
    const byId = await awsError(s3.HeadObject({ Bucket: B, Key: 'k', VersionId: del.VersionId }, ctx()));
    expect(byId.status).toBe(405);
    expect(meta(byId)?.headers?.['x-amz-delete-marker']).toBe('true');
    // Listing hides the key; the old version is still there.
    expect((await s3.ListObjectsV2({ Bucket: B }, ctx())).KeyCount).toBe(0);
    expect(String((await s3.GetObject({ Bucket: B, Key: 'k', VersionId: v1.VersionId }, ctx())).Body)).toBe('one');
    // Deleting the marker restores the object.
    const undelete = await s3.DeleteObject({ Bucket: B, Key: 'k', VersionId: del.VersionId }, ctx());
    expect(undelete).toEqual({ VersionId: del.VersionId, DeleteMarker: true });
    expect(String((await s3.GetObject({ Bucket: B, Key: 'k' }, ctx())).Body)).toBe('one');
  });

  test('permanent delete of a version; bucket is empty only when every version is gone', async () => {
    const { s3 } = await versionedBucket();
    const v1 = await put(s3, 'k', 'one');
    await s3.DeleteObject({ Bucket: B, Key: 'k' }, ctx());
    expect((await awsError(s3.DeleteBucket({ Bucket: B }, ctx()))).code).toBe('BucketNotEmpty');
    const versions = await s3.ListObjectVersions({ Bucket: B }, ctx());
    for (const v of [...(versions.Versions ?? []), ...(versions.DeleteMarkers ?? [])]) {
      await s3.DeleteObject({ Bucket: B, Key: v.Key, VersionId: v.VersionId }, ctx());
    }
    expect(versions.Versions?.[0]?.VersionId).toBe(v1.VersionId);
    await expect(s3.DeleteBucket({ Bucket: B }, ctx())).resolves.toBeDefined();
  });

  test('suspended: writes get the null version, replacing the previous null one; delete marker is null', async () => {
    const { s3 } = await versionedBucket();
    const enabledVersion = await put(s3, 'k', 'enabled');
    await s3.PutBucketVersioning({ Bucket: B, VersioningConfiguration: { Status: 'Suspended' } }, ctx());
    expect((await put(s3, 'k', 'null-1')).VersionId).toBe('null');
    expect((await put(s3, 'k', 'null-2')).VersionId).toBe('null');
    const list = await s3.ListObjectVersions({ Bucket: B }, ctx());
    expect(list.Versions?.map((v) => [v.VersionId, v.IsLatest])).toEqual([
      ['null', true],
      [enabledVersion.VersionId, false],
    ]);
    const marker = await s3.DeleteObject({ Bucket: B, Key: 'k' }, ctx());
    expect(marker).toEqual({ DeleteMarker: true, VersionId: 'null' });
    const after = await s3.ListObjectVersions({ Bucket: B }, ctx());
    expect(after.Versions?.map((v) => v.VersionId)).toEqual([enabledVersion.VersionId]);
    expect(after.DeleteMarkers?.map((m) => [m.VersionId, m.IsLatest])).toEqual([['null', true]]);
  });

  test('objects written before versioning keep the null version and remain addressable', async () => {
    const { s3 } = await versionedBucket(null);
    await put(s3, 'k', 'pre');
    await s3.PutBucketVersioning({ Bucket: B, VersioningConfiguration: { Status: 'Enabled' } }, ctx());
    const v = await put(s3, 'k', 'post');
    expect(String((await s3.GetObject({ Bucket: B, Key: 'k', VersionId: 'null' }, ctx())).Body)).toBe('pre');
    expect((await s3.HeadObject({ Bucket: B, Key: 'k' }, ctx())).VersionId).toBe(v.VersionId);
  });

  test('ListObjectVersions pages with KeyMarker/VersionIdMarker, across keys and inside one', async () => {
    const { s3 } = await versionedBucket();
    const ids: Record<string, string[]> = { a: [], b: [] };
    for (const key of ['a', 'b']) for (let i = 0; i < 3; i++) ids[key]!.unshift((await put(s3, key, `${key}${i}`)).VersionId);
    await s3.DeleteObject({ Bucket: B, Key: 'b' }, ctx());
    const seen: string[] = [];
    let KeyMarker: string | undefined;
    let VersionIdMarker: string | undefined;
    for (;;) {
      const page = await s3.ListObjectVersions({ Bucket: B, MaxKeys: 2, KeyMarker, VersionIdMarker }, ctx());
      const entries = [...(page.Versions ?? []).map((v) => ({ ...v, m: false })), ...(page.DeleteMarkers ?? []).map((v) => ({ ...v, m: true }))];
      // Within a page, emit in key order then newest first, like the walk does.
      for (const e of entries.sort((x, y) => (x.Key! < y.Key! ? -1 : x.Key! > y.Key! ? 1 : 0) || (x.LastModified!.getTime() - y.LastModified!.getTime()))) {
        seen.push(`${e.Key}:${e.m ? 'marker' : e.VersionId}`);
      }
      expect((page.Versions?.length ?? 0) + (page.DeleteMarkers?.length ?? 0)).toBeLessThanOrEqual(2);
      if (!page.IsTruncated) break;
      KeyMarker = page.NextKeyMarker;
      VersionIdMarker = page.NextVersionIdMarker;
    }
    expect(seen.filter((s) => s.startsWith('a:'))).toEqual(ids.a!.map((id) => `a:${id}`));
    expect(seen.filter((s) => s.startsWith('b:')).length).toBe(4);
    expect(seen).toContain('b:marker');
  });

  test('CopyObject from a specific source version reports CopySourceVersionId', async () => {
    const { s3 } = await versionedBucket();
    const v1 = await put(s3, 'src', 'first');
    await put(s3, 'src', 'second');
    const copy = await s3.CopyObject({ Bucket: B, Key: 'dst', CopySource: `${B}/src?versionId=${v1.VersionId}` }, ctx());
    expect(copy.CopySourceVersionId).toBe(v1.VersionId);
    expect(copy.VersionId).toMatch(/^[A-Za-z0-9._]{32}$/);
    expect(String((await s3.GetObject({ Bucket: B, Key: 'dst' }, ctx())).Body)).toBe('first');
    const marker = await s3.DeleteObject({ Bucket: B, Key: 'src' }, ctx());
    expect((await awsError(s3.CopyObject({ Bucket: B, Key: 'x', CopySource: `${B}/src?versionId=${marker.VersionId}` }, ctx()))).code).toBe('InvalidRequest');
    expect((await awsError(s3.CopyObject({ Bucket: B, Key: 'x', CopySource: `${B}/src` }, ctx()))).code).toBe('NoSuchKey');
  });

  test('digest is stable across identical histories and changes with content', async () => {
    const run = async (last: string) => {
      const { s3 } = await versionedBucket();
      await put(s3, 'a', 'x');
      await put(s3, 'a', last);
      await s3.DeleteObject({ Bucket: B, Key: 'b' }, ctx());
      return s3.digest();
    };
    expect(await run('y')).toBe(await run('y'));
    expect(await run('y')).not.toBe(await run('z'));
  });
});
