import { GetBucketNotificationConfigurationCommand, GetBucketVersioningCommand, PutBucketNotificationConfigurationCommand, PutBucketVersioningCommand, S3Client } from '@aws-sdk/client-s3';
import { clientConfig, rawRequest, sigv4, useEmulator } from '../helpers/emulator';

/*
 * PUT ?versioning and PUT ?notification with no body at all answered 200: versioning was left as it was, and the
 * notification configuration was cleared. S3 parses the body as XML and refuses what is not XML (MalformedXML), as
 * the emulator already did for tagging, lifecycle, CORS and the other bucket settings. An empty root element is
 * XML and stays valid: <NotificationConfiguration/> is how notifications are turned off.
 */
const emulator = useEmulator();
const bucket = 'empty-bodies';
let s3: S3Client;

beforeAll(async () => {
  s3 = new S3Client({ ...clientConfig(emulator()), forcePathStyle: true });
  await rawRequest(emulator(), `/${bucket}`, { method: 'PUT', headers: { authorization: sigv4('s3') } });
  await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
  await s3.send(
    new PutBucketNotificationConfigurationCommand({
      Bucket: bucket,
      NotificationConfiguration: { EventBridgeConfiguration: {} },
    }),
  );
});

describe.each(['versioning', 'notification'])('PUT ?%s', (subresource) => {
  it('without a body is MalformedXML (400), and the bucket keeps its setting', async () => {
    const res = await rawRequest(emulator(), `/${bucket}?${subresource}`, { method: 'PUT', headers: { authorization: sigv4('s3') } });
    expect(res.status).toBe(400);
    expect(res.text).toContain('<Code>MalformedXML</Code>');
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }))).Status).toBe('Enabled');
    expect((await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: bucket }))).EventBridgeConfiguration).toEqual({});
  });
});

it('an empty root element is accepted: versioning unchanged, notifications turned off', async () => {
  await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: {} }));
  expect((await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }))).Status).toBe('Enabled');
  await s3.send(new PutBucketNotificationConfigurationCommand({ Bucket: bucket, NotificationConfiguration: {} }));
  expect((await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: bucket }))).EventBridgeConfiguration).toBeUndefined();
});
