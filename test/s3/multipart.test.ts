import { createHash } from 'node:crypto';
import { checksumOf } from '../../emulator/s3/checksums';
import { RESPONSE_META } from '../../emulator/core/service';
import { awsError, ctx, mib, setup } from './helpers';

const B = 'multipart-bucket';
const md5 = (b: Buffer) => createHash('md5').update(b).digest();

async function withUpload(extra: Record<string, unknown> = {}) {
  const env = setup();
  await env.s3.CreateBucket({ Bucket: B }, ctx());
  const { UploadId } = await env.s3.CreateMultipartUpload({ Bucket: B, Key: 'big', ContentType: 'video/mp4', Metadata: { m: '1' }, ...extra }, ctx());
  return { ...env, UploadId: UploadId! };
}

describe('multipart uploads', () => {
  const p1 = Buffer.alloc(mib(5), 1);
  const p2 = Buffer.alloc(mib(5), 2);
  const p3 = Buffer.from('tail');

  test('complete: object is the parts in order; ETag is md5(concat part md5s)-N; parts readable by number', async () => {
    const { s3, UploadId } = await withUpload();
    const etags = [];
    for (const [i, body] of [p1, p2, p3].entries()) {
      etags.push((await s3.UploadPart({ Bucket: B, Key: 'big', UploadId, PartNumber: i + 1, Body: body }, ctx())).ETag!);
    }
    expect(etags[0]).toBe(`"${md5(p1).toString('hex')}"`);
    const done = await s3.CompleteMultipartUpload(
      { Bucket: B, Key: 'big', UploadId, MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) } },
      ctx(),
    );
    const expectedEtag = `"${createHash('md5').update(Buffer.concat([md5(p1), md5(p2), md5(p3)])).digest('hex')}-3"`;
    expect(done).toMatchObject({ Bucket: B, Key: 'big', ETag: expectedEtag });
    const obj = await s3.GetObject({ Bucket: B, Key: 'big' }, ctx());
    expect((obj.Body as unknown as Buffer).equals(Buffer.concat([p1, p2, p3]))).toBe(true);
    expect([obj.ContentType, obj.Metadata, obj.ETag]).toEqual(['video/mp4', { m: '1' }, expectedEtag]);
    const part2 = await s3.GetObject({ Bucket: B, Key: 'big', PartNumber: 2 }, ctx());
    expect([part2.PartsCount, part2.ContentRange, (part2.Body as unknown as Buffer).equals(p2), (part2 as any)[RESPONSE_META]?.status]).toEqual([
      3,
      `bytes ${mib(5)}-${mib(10) - 1}/${mib(10) + 4}`,
      true,
      206,
    ]);
    expect((await awsError(s3.GetObject({ Bucket: B, Key: 'big', PartNumber: 4 }, ctx()))).code).toBe('InvalidPartNumber');
    // The upload is gone.
    expect((await awsError(s3.ListParts({ Bucket: B, Key: 'big', UploadId }, ctx()))).code).toBe('NoSuchUpload');
  });

  test('InvalidPart, InvalidPartOrder, EntityTooSmall, MalformedXML', async () => {
    const { s3, UploadId } = await withUpload();
    const small = await s3.UploadPart({ Bucket: B, Key: 'big', UploadId, PartNumber: 1, Body: Buffer.from('small') }, ctx());
    const last = await s3.UploadPart({ Bucket: B, Key: 'big', UploadId, PartNumber: 2, Body: Buffer.from('last') }, ctx());
    const complete = (Parts: { ETag?: string; PartNumber?: number }[]) =>
      awsError(s3.CompleteMultipartUpload({ Bucket: B, Key: 'big', UploadId, MultipartUpload: { Parts } }, ctx()));
    expect(await complete([{ ETag: '"0000"', PartNumber: 1 }])).toMatchObject({ code: 'InvalidPart', status: 400 });
    expect(await complete([{ ETag: small.ETag, PartNumber: 3 }])).toMatchObject({ code: 'InvalidPart' });
    expect(await complete([{ ETag: last.ETag, PartNumber: 2 }, { ETag: small.ETag, PartNumber: 1 }])).toMatchObject({ code: 'InvalidPartOrder' });
    expect(await complete([{ ETag: small.ETag, PartNumber: 1 }, { ETag: last.ETag, PartNumber: 2 }])).toMatchObject({
      code: 'EntityTooSmall',
      fields: { ProposedSize: '5', MinSizeAllowed: String(mib(5)), PartNumber: '1' },
    });
    expect(await complete([])).toMatchObject({ code: 'MalformedXML' });
    // A single small part is fine (the last part may be any size); ETag quotes are optional.
    const ok = await s3.CompleteMultipartUpload({ Bucket: B, Key: 'big', UploadId, MultipartUpload: { Parts: [{ ETag: small.ETag!.replace(/"/g, ''), PartNumber: 1 }] } }, ctx());
    expect(ok.ETag).toMatch(/-1"$/);
  });

  test('part numbers outside 1..10000 and unknown uploads', async () => {
    const { s3, UploadId } = await withUpload();
    expect((await awsError(s3.UploadPart({ Bucket: B, Key: 'big', UploadId, PartNumber: 0, Body: Buffer.from('x') }, ctx()))).code).toBe('InvalidArgument');
    expect((await awsError(s3.UploadPart({ Bucket: B, Key: 'big', UploadId, PartNumber: 10001, Body: Buffer.from('x') }, ctx()))).code).toBe('InvalidArgument');
    expect(await awsError(s3.UploadPart({ Bucket: B, Key: 'big', UploadId: 'nope', PartNumber: 1, Body: Buffer.from('x') }, ctx()))).toMatchObject({ code: 'NoSuchUpload', status: 404 });
    expect((await awsError(s3.UploadPart({ Bucket: B, Key: 'other-key', UploadId, PartNumber: 1, Body: Buffer.from('x') }, ctx()))).code).toBe('NoSuchUpload');
  });

  test('abort removes the upload; a second abort is NoSuchUpload', async () => {
    const { s3, UploadId } = await withUpload();
    await s3.UploadPart({ Bucket: B, Key: 'big', UploadId, PartNumber: 1, Body: Buffer.from('x') }, ctx());
    await s3.AbortMultipartUpload({ Bucket: B, Key: 'big', UploadId }, ctx());
    expect((await awsError(s3.AbortMultipartUpload({ Bucket: B, Key: 'big', UploadId }, ctx()))).code).toBe('NoSuchUpload');
    expect((await s3.ListMultipartUploads({ Bucket: B }, ctx())).Uploads).toBeUndefined();
  });

  test('ListParts pages by PartNumberMarker; ListMultipartUploads lists, pages and rolls up prefixes', async () => {
    const { s3, UploadId } = await withUpload();
    for (let n = 1; n <= 5; n++) await s3.UploadPart({ Bucket: B, Key: 'big', UploadId, PartNumber: n, Body: Buffer.from(`part${n}`) }, ctx());
    const first = await s3.ListParts({ Bucket: B, Key: 'big', UploadId, MaxParts: 2 }, ctx());
    expect([first.Parts?.map((p) => p.PartNumber), first.IsTruncated, first.NextPartNumberMarker]).toEqual([[1, 2], true, '2']);
    const rest = await s3.ListParts({ Bucket: B, Key: 'big', UploadId, PartNumberMarker: first.NextPartNumberMarker }, ctx());
    expect([rest.Parts?.map((p) => p.PartNumber), rest.IsTruncated, rest.Parts?.[0]?.Size]).toEqual([[3, 4, 5], false, 5]);

    await s3.CreateMultipartUpload({ Bucket: B, Key: 'dir/a' }, ctx());
    await s3.CreateMultipartUpload({ Bucket: B, Key: 'dir/b' }, ctx());
    const all = await s3.ListMultipartUploads({ Bucket: B }, ctx());
    expect(all.Uploads?.map((u) => u.Key)).toEqual(['big', 'dir/a', 'dir/b']);
    const rolled = await s3.ListMultipartUploads({ Bucket: B, Delimiter: '/' }, ctx());
    expect([rolled.Uploads?.map((u) => u.Key), rolled.CommonPrefixes]).toEqual([['big'], [{ Prefix: 'dir/' }]]);
    const page = await s3.ListMultipartUploads({ Bucket: B, MaxUploads: 2 }, ctx());
    expect([page.IsTruncated, page.NextKeyMarker]).toEqual([true, 'dir/a']);
    const next = await s3.ListMultipartUploads({ Bucket: B, KeyMarker: page.NextKeyMarker, UploadIdMarker: page.NextUploadIdMarker }, ctx());
    expect(next.Uploads?.map((u) => u.Key)).toEqual(['dir/b']);
  });

  test('UploadPartCopy copies a byte range of another object; copy-source errors', async () => {
    const { s3, UploadId } = await withUpload();
    await s3.PutObject({ Bucket: B, Key: 'source', Body: Buffer.from('0123456789') }, ctx());
    const part = await s3.UploadPartCopy({ Bucket: B, Key: 'big', UploadId, PartNumber: 1, CopySource: `${B}/source`, CopySourceRange: 'bytes=2-5' }, ctx());
    expect(part.CopyPartResult?.ETag).toBe(`"${md5(Buffer.from('2345')).toString('hex')}"`);
    await s3.CompleteMultipartUpload({ Bucket: B, Key: 'big', UploadId, MultipartUpload: { Parts: [{ ETag: part.CopyPartResult!.ETag, PartNumber: 1 }] } }, ctx());
    expect(String((await s3.GetObject({ Bucket: B, Key: 'big' }, ctx())).Body)).toBe('2345');
    const { UploadId: u2 } = await s3.CreateMultipartUpload({ Bucket: B, Key: 'x' }, ctx());
    expect((await awsError(s3.UploadPartCopy({ Bucket: B, Key: 'x', UploadId: u2, PartNumber: 1, CopySource: `${B}/source`, CopySourceRange: 'bytes=5-10' }, ctx()))).code).toBe('InvalidArgument');
    expect((await awsError(s3.UploadPartCopy({ Bucket: B, Key: 'x', UploadId: u2, PartNumber: 1, CopySource: `${B}/missing` }, ctx()))).code).toBe('NoSuchKey');
  });

  test('COMPOSITE checksum upload: part checksums required, object checksum is checksum-of-checksums -N', async () => {
    const { s3, UploadId } = await withUpload({ ChecksumAlgorithm: 'SHA256' });
    const a = await s3.UploadPart({ Bucket: B, Key: 'big', UploadId, PartNumber: 1, Body: p1 }, ctx());
    const b = await s3.UploadPart({ Bucket: B, Key: 'big', UploadId, PartNumber: 2, Body: p3 }, ctx());
    expect(a.ChecksumSHA256).toBe(await checksumOf('SHA256', p1));
    const done = await s3.CompleteMultipartUpload(
      { Bucket: B, Key: 'big', UploadId, MultipartUpload: { Parts: [{ ETag: a.ETag, PartNumber: 1, ChecksumSHA256: a.ChecksumSHA256 }, { ETag: b.ETag, PartNumber: 2 }] } },
      ctx(),
    );
    expect(done.ChecksumSHA256).toMatch(/-2$/);
    expect(done.ChecksumType).toBe('COMPOSITE');
    const head = await s3.HeadObject({ Bucket: B, Key: 'big', ChecksumMode: 'ENABLED' }, ctx());
    expect(head.ChecksumSHA256).toBe(done.ChecksumSHA256);
  });

  test('FULL_OBJECT CRC64NVME upload: object checksum computed over the whole object', async () => {
    const { s3, UploadId } = await withUpload({ ChecksumAlgorithm: 'CRC64NVME' });
    const a = await s3.UploadPart({ Bucket: B, Key: 'big', UploadId, PartNumber: 1, Body: p1 }, ctx());
    const b = await s3.UploadPart({ Bucket: B, Key: 'big', UploadId, PartNumber: 2, Body: p3 }, ctx());
    const whole = await checksumOf('CRC64NVME', Buffer.concat([p1, p3]));
    const wrong = await awsError(
      s3.CompleteMultipartUpload({ Bucket: B, Key: 'big', UploadId, ChecksumCRC64NVME: 'AAAAAAAAAAA=', MultipartUpload: { Parts: [{ ETag: a.ETag, PartNumber: 1 }, { ETag: b.ETag, PartNumber: 2 }] } }, ctx()),
    );
    expect(wrong.code).toBe('BadDigest');
    const done = await s3.CompleteMultipartUpload(
      { Bucket: B, Key: 'big', UploadId, ChecksumCRC64NVME: whole, MultipartUpload: { Parts: [{ ETag: a.ETag, PartNumber: 1 }, { ETag: b.ETag, PartNumber: 2 }] } },
      ctx(),
    );
    expect([done.ChecksumCRC64NVME, done.ChecksumType]).toEqual([whole, 'FULL_OBJECT']);
  });
});
