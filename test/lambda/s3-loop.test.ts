import { AddPermissionCommand } from '@aws-sdk/client-lambda';
import { CreateBucketCommand, PutBucketNotificationConfigurationCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { waitFor } from '../../harness/wait';
import { clientConfig, useEmulator } from '../helpers/emulator';
import { deployNode, lambdaClient, recordHops, uniqueName } from './helpers';

const emulator = useEmulator({ timeScale: 0.001 });

describe('recursive loop detection through S3', () => {
  it('stops a function that writes back into the bucket that triggers it after 16 invocations', async () => {
    const lambda = lambdaClient(emulator());
    const s3 = new S3Client({ ...clientConfig(emulator()), forcePathStyle: true });
    const bucket = uniqueName('loop-bucket');
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const name = uniqueName('s3-looper');
    // The classic mistake: no prefix filter, and the function writes into the same bucket.
    const arn = await deployNode(
      lambda,
      name,
      `const { S3Client, PutObjectCommand } = require('@aws-sdk/client-s3');
const s3 = new S3Client({ forcePathStyle: true });
exports.handler = async (event) => {
  const key = event.Records[0].s3.object.key;
  await s3.send(new PutObjectCommand({ Bucket: process.env.BUCKET, Key: key + '.x', Body: 'again' }));
};`,
      { Environment: { Variables: { BUCKET: bucket } }, Timeout: 10 },
    );
    await lambda.send(new AddPermissionCommand({ FunctionName: name, StatementId: 's3', Action: 'lambda:InvokeFunction', Principal: 's3.amazonaws.com', SourceArn: `arn:aws:s3:::${bucket}` }));
    await s3.send(new PutBucketNotificationConfigurationCommand({ Bucket: bucket, NotificationConfiguration: { LambdaFunctionConfigurations: [{ LambdaFunctionArn: arn, Events: ['s3:ObjectCreated:*'] }] } }));
    const hops = recordHops(emulator());
    try {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'start', Body: 'go' }));
      const stop = await waitFor(() => hops.of('lambda.recursion', name)[0], { what: 'the loop through S3 to be detected', timeoutMs: 30_000 });
      expect(stop.count).toBe(17);
      expect(hops.of('lambda.invoke.start', name).length).toBe(16);
    } finally {
      hops.stop();
    }
  });
});
