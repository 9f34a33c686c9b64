import { CreateEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutBucketNotificationConfigurationCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { waitFor } from '../../harness/wait';
import { clientConfig, useEmulator } from '../helpers/emulator';
import { deployNode, lambdaClient } from '../lambda/helpers';

const emulator = useEmulator({ timeScale: 0.01 });

/**
 * S3 → EventBridge → a rule filtering on object size and key suffix → SQS → Lambda. The function writes a
 * marker for each event it gets, so what the rule let through is visible in the bucket.
 */
describe('S3 → EventBridge → rule → SQS → Lambda', () => {
  it('delivers only the objects the rule matches, in the EventBridge event shape', async () => {
    const s3 = new S3Client({ ...clientConfig(emulator()), forcePathStyle: true });
    const sqs = new SQSClient(clientConfig(emulator()));
    const events = new EventBridgeClient(clientConfig(emulator()));
    const lambda = lambdaClient(emulator());
    await s3.send(new CreateBucketCommand({ Bucket: 'eb-pipeline' }));
    await s3.send(new PutBucketNotificationConfigurationCommand({ Bucket: 'eb-pipeline', NotificationConfiguration: { EventBridgeConfiguration: {} } }));
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'eb-pipeline-q', Attributes: { VisibilityTimeout: '60' } }));
    const queueArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    await events.send(
      new PutRuleCommand({
        Name: 'big-csv',
        EventPattern: JSON.stringify({
          source: ['aws.s3'],
          'detail-type': ['Object Created'],
          detail: { bucket: { name: ['eb-pipeline'] }, object: { size: [{ numeric: ['>', 10] }], key: [{ suffix: '.csv' }] } },
        }),
      }),
    );
    await events.send(new PutTargetsCommand({ Rule: 'big-csv', Targets: [{ Id: 'q', Arn: queueArn }] }));
    await deployNode(
      lambda,
      'eb-marker',
      `const { S3Client, PutObjectCommand } = require('@aws-sdk/client-s3');
const s3 = new S3Client({ forcePathStyle: true });
exports.handler = async (event) => {
  for (const r of event.Records) {
    const e = JSON.parse(r.body);
    await s3.send(new PutObjectCommand({ Bucket: 'eb-pipeline', Key: 'seen/' + e.detail.object.key + '.json', Body: JSON.stringify({ type: e['detail-type'], reason: e.detail.reason, size: e.detail.object.size }) }));
  }
};`,
      { Timeout: 10 },
    );
    await lambda.send(new CreateEventSourceMappingCommand({ FunctionName: 'eb-marker', EventSourceArn: queueArn, BatchSize: 10 }));

    // The two the rule must drop go first: by the time the third one's marker exists, they have been routed.
    await s3.send(new PutObjectCommand({ Bucket: 'eb-pipeline', Key: 'data/small.csv', Body: 'a\n' }));
    await s3.send(new PutObjectCommand({ Bucket: 'eb-pipeline', Key: 'data/big.json', Body: '{"rows":[1,2,3,4]}' }));
    await s3.send(new PutObjectCommand({ Bucket: 'eb-pipeline', Key: 'data/big.csv', Body: 'a,b\n1,2\n3,4\n' }));

    const seen = async () => ((await s3.send(new ListObjectsV2Command({ Bucket: 'eb-pipeline', Prefix: 'seen/' }))).Contents ?? []).map((o) => o.Key);
    await waitFor(async () => (await seen()).includes('seen/data/big.csv.json'), { what: 'the matching object to reach the function', describe: async () => JSON.stringify(await seen()) });
    // The markers (seen/….json) are Object Created events too; the rule's suffix filter keeps them out.
    expect(await seen()).toEqual(['seen/data/big.csv.json']);
    const marker = await s3.send(new GetObjectCommand({ Bucket: 'eb-pipeline', Key: 'seen/data/big.csv.json' }));
    expect(JSON.parse(await marker.Body!.transformToString())).toEqual({ type: 'Object Created', reason: 'PutObject', size: 12 });
  });
});
