import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as S3 from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startEmulator } from '../../emulator';
import { waitFor } from '../../harness/wait';
import { awsCli, CLIENTS, hasCommand, skipBecause } from '../helpers/cli';
import { mib } from './helpers';
import { useS3 } from './sdk-helpers';

/** SSE-C: objects written and read with a customer-provided key (nothing is encrypted; the protocol is S3's). */

const { emu, s3 } = useS3();

const KEY_A = Buffer.alloc(32, 0xa1);
const KEY_B = Buffer.alloc(32, 0xb2);
const md5b64 = (b: Buffer): string => createHash('md5').update(b).digest('base64');
const md5Hex = (b: Buffer | string): string => createHash('md5').update(b).digest('hex');
const withKey = (key: Buffer) => ({ SSECustomerAlgorithm: 'AES256', SSECustomerKey: key as unknown as string });
const withSourceKey = (key: Buffer) => ({ CopySourceSSECustomerAlgorithm: 'AES256', CopySourceSSECustomerKey: key as unknown as string });

const NO_KEY = {
  name: 'InvalidRequest',
  status: 400,
  message: 'The object was stored using a form of Server Side Encryption. The correct parameters must be provided to retrieve the object.',
};
const WRONG_KEY = { name: 'AccessDenied', status: 403, message: 'Requests specifying Server Side Encryption with Customer provided keys must provide the correct secret key.' };
const NOT_APPLICABLE = { name: 'InvalidRequest', status: 400, message: 'The encryption parameters are not applicable to this object.' };
const PART_WITHOUT_KEY = {
  name: 'InvalidRequest',
  status: 400,
  message: 'The multipart upload initiate requested encryption. Subsequent part requests must include the appropriate encryption parameters.',
};

interface Failure {
  name: string;
  status?: number;
  message: string;
  fields: Record<string, unknown>;
}

async function failure(p: Promise<unknown>): Promise<Failure> {
  try {
    await p;
  } catch (e) {
    const err = e as S3.S3ServiceException & Record<string, unknown>;
    const { ArgumentName, ArgumentValue } = err;
    return { name: err.name, status: err.$metadata?.httpStatusCode, message: err.message, fields: { ArgumentName, ArgumentValue } };
  }
  throw new Error('expected the call to fail');
}

const failed = async (p: Promise<unknown>) => {
  const { fields: _fields, ...rest } = await failure(p);
  return rest;
};

/** Edits the headers a command sends after the SDK's own SSE-C middleware has set them (it always computes the MD5). */
function rewriteHeaders<C extends { middlewareStack: { add: (...args: any[]) => void } }>(command: C, edit: (headers: Record<string, string>) => void): C {
  command.middlewareStack.add(
    (next: (args: any) => Promise<unknown>) => async (args: any) => {
      edit(args.request.headers);
      return next(args);
    },
    { step: 'build' },
  );
  return command;
}
const setHeader = (headers: Record<string, string>, name: string, value: string | undefined) => {
  for (const k of Object.keys(headers)) if (k.toLowerCase() === name.toLowerCase()) delete headers[k];
  if (value !== undefined) headers[name] = value;
};

/** New buckets block SSE-C writes (S3's default since April 2026); a test that needs it unblocks it, as an application must. */
const ALLOW_SSE_C = { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' as const }, BlockedEncryptionTypes: { EncryptionType: ['NONE' as const] } }] };
const allowSseC = (Bucket: string, client = s3()) =>
  client.send(new S3.PutBucketEncryptionCommand({ Bucket, ServerSideEncryptionConfiguration: ALLOW_SSE_C }));

let n = 0;
async function newBucket(): Promise<string> {
  const Bucket = `sse-c-${++n}`;
  await s3().send(new S3.CreateBucketCommand({ Bucket }));
  await allowSseC(Bucket);
  return Bucket;
}

async function putWithKey(Bucket: string, Key: string, body: string, key = KEY_A) {
  return s3().send(new S3.PutObjectCommand({ Bucket, Key, Body: body, ...withKey(key) }));
}

const read = async (Bucket: string, Key: string, extra: Partial<S3.GetObjectCommandInput> = {}) => {
  const out = await s3().send(new S3.GetObjectCommand({ Bucket, Key, ...extra }));
  return { out, body: await out.Body!.transformToString() };
};

describe('PutObject and reads with a customer key', () => {
  it('answers the algorithm and key MD5, and an ETag that is not the MD5 of the body', async () => {
    const Bucket = await newBucket();
    const put = await putWithKey(Bucket, 'k', 'secret text');
    expect(put).toMatchObject({ SSECustomerAlgorithm: 'AES256', SSECustomerKeyMD5: md5b64(KEY_A) });
    expect(put.ServerSideEncryption).toBeUndefined();
    expect(put.ETag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(put.ETag).not.toBe(`"${md5Hex('secret text')}"`);
    // The same bytes under the same key again: another ETag, as on S3.
    const again = await putWithKey(Bucket, 'k2', 'secret text');
    expect(again.ETag).not.toBe(put.ETag);

    const { out, body } = await read(Bucket, 'k', withKey(KEY_A));
    expect(body).toBe('secret text');
    expect(out).toMatchObject({ ETag: put.ETag, SSECustomerAlgorithm: 'AES256', SSECustomerKeyMD5: md5b64(KEY_A), ContentLength: 11 });
    expect(out.ServerSideEncryption).toBeUndefined();
    const head = await s3().send(new S3.HeadObjectCommand({ Bucket, Key: 'k', ...withKey(KEY_A) }));
    expect(head).toMatchObject({ ETag: put.ETag, SSECustomerAlgorithm: 'AES256', SSECustomerKeyMD5: md5b64(KEY_A) });
    const ranged = await read(Bucket, 'k', { ...withKey(KEY_A), Range: 'bytes=0-5' });
    expect(ranged.body).toBe('secret');
  });

  it('refuses reads without the key (400), with another key (403), and key headers on an object without SSE-C', async () => {
    const Bucket = await newBucket();
    const put = await putWithKey(Bucket, 'k', 'secret');
    expect(await failed(s3().send(new S3.GetObjectCommand({ Bucket, Key: 'k' })))).toEqual(NO_KEY);
    expect(await failed(s3().send(new S3.GetObjectCommand({ Bucket, Key: 'k', ...withKey(KEY_B) })))).toEqual(WRONG_KEY);
    expect(await failed(s3().send(new S3.GetObjectCommand({ Bucket, Key: 'k', SSECustomerAlgorithm: 'AES256' })))).toEqual(NO_KEY);
    // HEAD answers without a body: the status tells.
    expect((await failure(s3().send(new S3.HeadObjectCommand({ Bucket, Key: 'k' })))).status).toBe(400);
    expect((await failure(s3().send(new S3.HeadObjectCommand({ Bucket, Key: 'k', ...withKey(KEY_B) })))).status).toBe(403);
    // The stored MD5 is compared first: a key of the wrong length is a wrong key here.
    expect(await failed(s3().send(new S3.GetObjectCommand({ Bucket, Key: 'k', ...withKey(Buffer.alloc(16, 1)) })))).toEqual(WRONG_KEY);

    const attrs = { Bucket, Key: 'k', ObjectAttributes: ['ETag', 'ObjectSize'] as S3.ObjectAttributes[] };
    expect(await failed(s3().send(new S3.GetObjectAttributesCommand(attrs)))).toEqual(NO_KEY);
    expect(await s3().send(new S3.GetObjectAttributesCommand({ ...attrs, ...withKey(KEY_A) }))).toMatchObject({ ETag: put.ETag!.replace(/"/g, ''), ObjectSize: 6 });

    await s3().send(new S3.PutObjectCommand({ Bucket, Key: 'plain', Body: 'x' }));
    expect(await failed(s3().send(new S3.GetObjectCommand({ Bucket, Key: 'plain', ...withKey(KEY_A) })))).toEqual(NOT_APPLICABLE);
    expect((await failure(s3().send(new S3.HeadObjectCommand({ Bucket, Key: 'plain', ...withKey(KEY_A) })))).status).toBe(400);
    // Deleting needs no key.
    await s3().send(new S3.DeleteObjectCommand({ Bucket, Key: 'k' }));
    expect((await failure(s3().send(new S3.HeadObjectCommand({ Bucket, Key: 'k', ...withKey(KEY_A) })))).status).toBe(404);
  });

  it('keeps a key per version', async () => {
    const Bucket = await newBucket();
    await s3().send(new S3.PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }));
    const v1 = await putWithKey(Bucket, 'k', 'one', KEY_A);
    await putWithKey(Bucket, 'k', 'two', KEY_B);
    expect((await read(Bucket, 'k', withKey(KEY_B))).body).toBe('two');
    expect((await read(Bucket, 'k', { ...withKey(KEY_A), VersionId: v1.VersionId })).body).toBe('one');
    expect(await failed(s3().send(new S3.GetObjectCommand({ Bucket, Key: 'k', VersionId: v1.VersionId, ...withKey(KEY_B) })))).toEqual(WRONG_KEY);
  });
});

describe('the key headers, checked as S3 checks them', () => {
  const argument = (message: string, value = 'null') => ({
    name: 'InvalidArgument',
    status: 400,
    message,
    fields: { ArgumentName: 'x-amz-server-side-encryption', ArgumentValue: value },
  });

  it('refuses a wrong algorithm, a short key, a wrong MD5, a partial set and SSE-C with x-amz-server-side-encryption', async () => {
    const Bucket = await newBucket();
    const put = (extra: Partial<S3.PutObjectCommandInput>) => new S3.PutObjectCommand({ Bucket, Key: 'k', Body: 'x', ...extra });

    expect(await failure(s3().send(put({ ...withKey(KEY_A), SSECustomerAlgorithm: 'AES128' })))).toEqual({
      name: 'InvalidEncryptionAlgorithmError',
      status: 400,
      message: 'The Encryption request you specified is not valid. Supported value: AES256.',
      fields: { ArgumentName: 'x-amz-server-side-encryption', ArgumentValue: 'AES128' },
    });
    // 16 bytes with their own (correct) MD5.
    expect(await failure(s3().send(put(withKey(Buffer.alloc(16, 7)))))).toEqual(argument('The secret key was invalid for the specified algorithm.'));
    const wrongMd5 = rewriteHeaders(put(withKey(KEY_A)), (h) => setHeader(h, 'x-amz-server-side-encryption-customer-key-MD5', md5b64(KEY_B)));
    expect(await failure(s3().send(wrongMd5))).toEqual(argument('The calculated MD5 hash of the key did not match the hash that was provided.'));
    // The MD5 is checked before the length: a short key with a wrong MD5 is an MD5 mismatch.
    const shortAndWrong = rewriteHeaders(put(withKey(Buffer.alloc(24, 7))), (h) => setHeader(h, 'x-amz-server-side-encryption-customer-key-MD5', md5b64(KEY_A)));
    expect((await failure(s3().send(shortAndWrong))).message).toBe('The calculated MD5 hash of the key did not match the hash that was provided.');
    const noMd5 = rewriteHeaders(put(withKey(KEY_A)), (h) => setHeader(h, 'x-amz-server-side-encryption-customer-key-MD5', undefined));
    expect((await failure(s3().send(noMd5))).message).toBe('The calculated MD5 hash of the key did not match the hash that was provided.');

    expect(await failure(s3().send(put({ SSECustomerAlgorithm: 'AES256' })))).toEqual(
      argument('Requests specifying Server Side Encryption with Customer provided keys must provide an appropriate secret key.'),
    );
    expect(await failure(s3().send(put({ SSECustomerKey: KEY_A as unknown as string })))).toEqual(
      argument('Requests specifying Server Side Encryption with Customer provided keys must provide a valid encryption algorithm.'),
    );
    const onlyMd5 = rewriteHeaders(put({}), (h) => setHeader(h, 'x-amz-server-side-encryption-customer-key-MD5', md5b64(KEY_A)));
    expect((await failure(s3().send(onlyMd5))).message).toBe('Requests specifying Server Side Encryption with Customer provided keys must provide a valid encryption algorithm.');

    expect(await failure(s3().send(put({ ...withKey(KEY_A), ServerSideEncryption: 'AES256' })))).toEqual(
      argument('Server Side Encryption with Customer provided key is incompatible with the encryption method specified', 'AES256'),
    );
    // Nothing was stored by any of them.
    expect((await failure(s3().send(new S3.HeadObjectCommand({ Bucket, Key: 'k' })))).status).toBe(404);
  });

  it('checks the headers of a read once the key matches', async () => {
    const Bucket = await newBucket();
    await putWithKey(Bucket, 'k', 'x');
    const get = new S3.GetObjectCommand({ Bucket, Key: 'k', ...withKey(KEY_A), SSECustomerAlgorithm: 'AES128' });
    expect((await failure(s3().send(get))).name).toBe('InvalidEncryptionAlgorithmError');
  });
});

describe('bucket default encryption and SSE-C', () => {
  it('blocks SSE-C writes in a new bucket until PutBucketEncryption unblocks them', async () => {
    const Bucket = `sse-c-default-${++n}`;
    await s3().send(new S3.CreateBucketCommand({ Bucket }));
    expect((await s3().send(new S3.GetBucketEncryptionCommand({ Bucket }))).ServerSideEncryptionConfiguration?.Rules?.[0]?.BlockedEncryptionTypes).toEqual({
      EncryptionType: ['SSE-C'],
    });
    expect((await failure(putWithKey(Bucket, 'k', 'x'))).status).toBe(403);
    expect((await failure(s3().send(new S3.CreateMultipartUploadCommand({ Bucket, Key: 'k', ...withKey(KEY_A) })))).status).toBe(403);
    expect((await s3().send(new S3.PutObjectCommand({ Bucket, Key: 'plain', Body: 'y' }))).ServerSideEncryption).toBe('AES256');

    await allowSseC(Bucket);
    expect((await putWithKey(Bucket, 'k', 'x')).SSECustomerKeyMD5).toBe(md5b64(KEY_A));
  });

  it('does not apply the default to an SSE-C object, and a bucket that blocks SSE-C refuses it with 403', async () => {
    const Bucket = await newBucket();
    await s3().send(
      new S3.PutBucketEncryptionCommand({
        Bucket,
        ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: 'k-1' } }] },
      }),
    );
    const put = await putWithKey(Bucket, 'k', 'x');
    expect(put.ServerSideEncryption).toBeUndefined();
    expect(put.SSEKMSKeyId).toBeUndefined();
    const head = await s3().send(new S3.HeadObjectCommand({ Bucket, Key: 'k', ...withKey(KEY_A) }));
    expect([head.ServerSideEncryption, head.SSECustomerKeyMD5]).toEqual([undefined, md5b64(KEY_A)]);

    await s3().send(
      new S3.PutBucketEncryptionCommand({
        Bucket,
        ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BlockedEncryptionTypes: { EncryptionType: ['SSE-C'] } }] },
      }),
    );
    expect(await failed(putWithKey(Bucket, 'blocked', 'x'))).toEqual({
      name: 'AccessDenied',
      status: 403,
      message:
        `User: arn:aws:iam::000000000000:root is not authorized to perform: s3:PutObject on resource: "arn:aws:s3:::${Bucket}/blocked" because this bucket ` +
        'has blocked upload requests that specify Server Side Encryption with Customer provided keys (SSE-C). Please specify a different server-side encryption type',
    });
    expect((await failure(s3().send(new S3.CreateMultipartUploadCommand({ Bucket, Key: 'blocked', ...withKey(KEY_A) })))).status).toBe(403);
    // Existing SSE-C objects stay readable; other writes go through.
    expect((await read(Bucket, 'k', withKey(KEY_A))).body).toBe('x');
    expect((await s3().send(new S3.PutObjectCommand({ Bucket, Key: 'plain', Body: 'y' }))).ServerSideEncryption).toBe('AES256');
  });
});

describe('CopyObject', () => {
  it('reads an SSE-C source with the copy-source key and writes the destination as asked', async () => {
    const Bucket = await newBucket();
    await putWithKey(Bucket, 'src', 'copied bytes');
    const copy = (extra: Partial<S3.CopyObjectCommandInput>, Key = 'dst') => new S3.CopyObjectCommand({ Bucket, Key, CopySource: `${Bucket}/src`, ...extra });

    expect(await failed(s3().send(copy({})))).toEqual(NO_KEY);
    expect(await failed(s3().send(copy(withSourceKey(KEY_B))))).toEqual(WRONG_KEY);

    // To a plain object: SSE-S3, and the ETag is the MD5 of the bytes again.
    const plain = await s3().send(copy(withSourceKey(KEY_A)));
    expect(plain.CopyObjectResult!.ETag).toBe(`"${md5Hex('copied bytes')}"`);
    expect([plain.ServerSideEncryption, plain.SSECustomerAlgorithm]).toEqual(['AES256', undefined]);
    expect((await read(Bucket, 'dst')).body).toBe('copied bytes');

    // To another key.
    const rekeyed = await s3().send(copy({ ...withSourceKey(KEY_A), ...withKey(KEY_B) }, 'dst-b'));
    expect(rekeyed).toMatchObject({ SSECustomerAlgorithm: 'AES256', SSECustomerKeyMD5: md5b64(KEY_B) });
    expect(rekeyed.CopyObjectResult!.ETag).not.toBe(`"${md5Hex('copied bytes')}"`);
    expect((await read(Bucket, 'dst-b', withKey(KEY_B))).body).toBe('copied bytes');
    expect(await failed(s3().send(new S3.GetObjectCommand({ Bucket, Key: 'dst-b', ...withKey(KEY_A) })))).toEqual(WRONG_KEY);

    // In place, changing the key, is a change of encryption and allowed.
    const inPlace = await s3().send(copy({ ...withSourceKey(KEY_A), ...withKey(KEY_B) }, 'src'));
    expect(inPlace.SSECustomerKeyMD5).toBe(md5b64(KEY_B));
    expect((await read(Bucket, 'src', withKey(KEY_B))).body).toBe('copied bytes');

    // A plain source refuses copy-source key headers; a plain source to an SSE-C destination needs none.
    await s3().send(new S3.PutObjectCommand({ Bucket, Key: 'plain', Body: 'p' }));
    expect(await failed(s3().send(new S3.CopyObjectCommand({ Bucket, Key: 'x', CopySource: `${Bucket}/plain`, ...withSourceKey(KEY_A) })))).toEqual(NOT_APPLICABLE);
    const toSseC = await s3().send(new S3.CopyObjectCommand({ Bucket, Key: 'x', CopySource: `${Bucket}/plain`, ...withKey(KEY_A) }));
    expect(toSseC.SSECustomerKeyMD5).toBe(md5b64(KEY_A));
    expect(await failed(s3().send(new S3.GetObjectCommand({ Bucket, Key: 'x' })))).toEqual(NO_KEY);
  });
});

describe('multipart uploads', () => {
  it('needs the upload’s key on every part, echoes it, and completes without it', async () => {
    const Bucket = await newBucket();
    const Key = 'big';
    const created = await s3().send(new S3.CreateMultipartUploadCommand({ Bucket, Key, ...withKey(KEY_A) }));
    expect(created).toMatchObject({ SSECustomerAlgorithm: 'AES256', SSECustomerKeyMD5: md5b64(KEY_A) });
    const UploadId = created.UploadId!;
    const part1 = Buffer.alloc(mib(5), 'a');
    const part = (PartNumber: number, Body: Buffer | string, extra: Partial<S3.UploadPartCommandInput>) =>
      new S3.UploadPartCommand({ Bucket, Key, UploadId, PartNumber, Body, ...extra });

    expect(await failed(s3().send(part(1, part1, {})))).toEqual(PART_WITHOUT_KEY);
    expect(await failed(s3().send(part(1, part1, withKey(KEY_B))))).toEqual({
      name: 'InvalidRequest',
      status: 400,
      message: 'The provided encryption parameters did not match the ones used originally.',
    });
    const wrongMd5 = rewriteHeaders(part(1, part1, withKey(KEY_A)), (h) => setHeader(h, 'x-amz-server-side-encryption-customer-key-MD5', md5b64(KEY_B)));
    expect((await failure(s3().send(wrongMd5))).name).toBe('InvalidArgument');

    const p1 = await s3().send(part(1, part1, withKey(KEY_A)));
    expect(p1).toMatchObject({ SSECustomerAlgorithm: 'AES256', SSECustomerKeyMD5: md5b64(KEY_A) });
    expect(p1.ETag).not.toBe(`"${md5Hex(part1)}"`);

    // The second part copied from an SSE-C object: the source's key and the upload's key.
    await putWithKey(Bucket, 'tail-src', 'the tail', KEY_B);
    const copyPart = (extra: Partial<S3.UploadPartCopyCommandInput>) =>
      new S3.UploadPartCopyCommand({ Bucket, Key, UploadId, PartNumber: 2, CopySource: `${Bucket}/tail-src`, ...extra });
    expect(await failed(s3().send(copyPart(withSourceKey(KEY_B))))).toEqual(PART_WITHOUT_KEY);
    expect(await failed(s3().send(copyPart(withKey(KEY_A))))).toEqual(NO_KEY);
    const p2 = await s3().send(copyPart({ ...withKey(KEY_A), ...withSourceKey(KEY_B) }));
    expect(p2).toMatchObject({ SSECustomerAlgorithm: 'AES256', SSECustomerKeyMD5: md5b64(KEY_A) });

    const parts = [
      { PartNumber: 1, ETag: p1.ETag },
      { PartNumber: 2, ETag: p2.CopyPartResult!.ETag },
    ];
    const completeWithOtherKey = new S3.CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts: parts }, ...withKey(KEY_B) });
    expect((await failure(s3().send(completeWithOtherKey))).message).toBe('The provided encryption parameters did not match the ones used originally.');
    const done = await s3().send(new S3.CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts: parts } }));
    expect(done.ETag).toMatch(/^"[0-9a-f]{32}-2"$/);
    expect(done.ServerSideEncryption).toBeUndefined();

    expect(await failed(s3().send(new S3.GetObjectCommand({ Bucket, Key })))).toEqual(NO_KEY);
    const { out, body } = await read(Bucket, Key, withKey(KEY_A));
    expect(body).toBe(part1.toString() + 'the tail');
    expect(out).toMatchObject({ ETag: done.ETag, SSECustomerKeyMD5: md5b64(KEY_A) });
  });

  it('refuses a key on the parts of an upload created without one', async () => {
    const Bucket = await newBucket();
    const { UploadId } = await s3().send(new S3.CreateMultipartUploadCommand({ Bucket, Key: 'k' }));
    const send = s3().send(new S3.UploadPartCommand({ Bucket, Key: 'k', UploadId, PartNumber: 1, Body: 'x', ...withKey(KEY_A) }));
    expect(await failed(send)).toEqual(PART_WITHOUT_KEY);
  });
});

describe('POST Object', () => {
  it('takes the key as form fields', async () => {
    const Bucket = await newBucket();
    const form = new FormData();
    form.append('key', 'posted');
    form.append('x-amz-server-side-encryption-customer-algorithm', 'AES256');
    form.append('x-amz-server-side-encryption-customer-key', KEY_A.toString('base64'));
    form.append('x-amz-server-side-encryption-customer-key-MD5', md5b64(KEY_A));
    form.append('file', new Blob(['form body']), 'f.txt');
    const res = await fetch(`${emu().endpoint}/${Bucket}`, { method: 'POST', body: form });
    expect(res.status).toBe(204);
    expect(res.headers.get('etag')).not.toBe(`"${md5Hex('form body')}"`);
    expect([res.headers.get('x-amz-server-side-encryption-customer-algorithm'), res.headers.get('x-amz-server-side-encryption-customer-key-md5')]).toEqual([
      'AES256',
      md5b64(KEY_A),
    ]);
    expect(res.headers.get('x-amz-server-side-encryption')).toBeNull();
    expect(await failed(s3().send(new S3.GetObjectCommand({ Bucket, Key: 'posted' })))).toEqual(NO_KEY);
    expect((await read(Bucket, 'posted', withKey(KEY_A))).body).toBe('form body');
  });
});

describe('event notifications', () => {
  it('announces an SSE-C object like any other, with its ETag', async () => {
    const Bucket = await newBucket();
    const sqs = new SQSClient({ endpoint: emu().emulatorEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    try {
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'sse-c-events' }));
      const QueueArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
      await s3().send(new S3.PutBucketNotificationConfigurationCommand({ Bucket, NotificationConfiguration: { QueueConfigurations: [{ QueueArn, Events: ['s3:ObjectCreated:*'] }] } }));
      const put = await putWithKey(Bucket, 'evented', 'twelve bytes');
      const records: any[] = [];
      await waitFor(async () => {
        const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }));
        for (const m of r.Messages ?? []) records.push(...(JSON.parse(m.Body!).Records ?? []));
        return records.length > 0;
      });
      expect(records[0]).toMatchObject({ eventName: 'ObjectCreated:Put', s3: { object: { key: 'evented', size: 12, eTag: put.ETag!.replace(/"/g, '') } } });
    } finally {
      sqs.destroy();
    }
  });
});

describe('persistence', () => {
  it('keeps the key’s MD5 and never the key, and still asks for the key after a restart', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sse-c-'));
    const KEY = Buffer.from('persisted-key-material-32-bytes!');
    const clientOf = (endpoint: string) =>
      new S3.S3Client({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, forcePathStyle: true, maxAttempts: 1 });
    let running = await startEmulator({ port: 0, log: () => {}, dataDir: dir });
    try {
      let c = clientOf(running.endpoint);
      await c.send(new S3.CreateBucketCommand({ Bucket: 'kept' }));
      await allowSseC('kept', c);
      await c.send(new S3.PutObjectCommand({ Bucket: 'kept', Key: 'k', Body: 'kept body', ...withKey(KEY) }));
      await c.send(new S3.CreateMultipartUploadCommand({ Bucket: 'kept', Key: 'upload', ...withKey(KEY) }));
      c.destroy();
      await running.stop();

      const files: string[] = [];
      const walk = (d: string) => fs.readdirSync(d, { withFileTypes: true }).forEach((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : files.push(path.join(d, e.name))));
      walk(dir);
      const stored = Buffer.concat(files.map((f) => fs.readFileSync(f)));
      expect(stored.includes(Buffer.from(md5b64(KEY)))).toBe(true);
      for (const form of [KEY, Buffer.from(KEY.toString('base64')), Buffer.from(KEY.toString('hex'))]) expect(stored.includes(form)).toBe(false);

      running = await startEmulator({ port: 0, log: () => {}, dataDir: dir });
      c = clientOf(running.endpoint);
      expect(await failed(c.send(new S3.GetObjectCommand({ Bucket: 'kept', Key: 'k' })))).toEqual(NO_KEY);
      expect(await (await c.send(new S3.GetObjectCommand({ Bucket: 'kept', Key: 'k', ...withKey(KEY) }))).Body!.transformToString()).toBe('kept body');
      c.destroy();
    } finally {
      await running.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('through the AWS CLI v1', () => {
  it('puts with --sse-customer-key and reads back only with it', async () => {
    if (!(await hasCommand(CLIENTS.awsCliV1))) return skipBecause('the AWS CLI v1 (aws) is not on PATH');
    const Bucket = await newBucket();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sse-c-cli-'));
    try {
      const bodyFile = path.join(dir, 'body.txt');
      fs.writeFileSync(bodyFile, 'from the cli');
      // botocore base64-encodes the key it is given and computes its MD5.
      const rawKey = 'c'.repeat(32);
      const cli = (...args: string[]) => awsCli(CLIENTS.awsCliV1, emu().endpoint, ['s3api', ...args, '--bucket', Bucket, '--key', 'cli']);
      const put = JSON.parse(await cli('put-object', '--body', bodyFile, '--sse-customer-algorithm', 'AES256', '--sse-customer-key', rawKey));
      expect(put).toMatchObject({ SSECustomerAlgorithm: 'AES256', SSECustomerKeyMD5: md5b64(Buffer.from(rawKey)) });
      const head = JSON.parse(await cli('head-object', '--sse-customer-algorithm', 'AES256', '--sse-customer-key', rawKey));
      expect(head).toMatchObject({ ETag: put.ETag, ContentLength: 12, SSECustomerKeyMD5: md5b64(Buffer.from(rawKey)) });
      await expect(cli('get-object', path.join(dir, 'out.txt'))).rejects.toThrow(/InvalidRequest.*The object was stored using a form of Server Side Encryption/);
      expect((await read(Bucket, 'cli', withKey(Buffer.from(rawKey)))).body).toBe('from the cli');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
