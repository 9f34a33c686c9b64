/**
 * Resource and role policies, as AWS documents them for S3 → SQS, S3 → SNS, SNS → SQS and Lambda.
 * `aws:SourceArn` (and `aws:SourceAccount` for S3, whose bucket ARNs carry no account) pin each grant
 * to the one resource that may use it.
 */
type Statement = Record<string, unknown>;

const document = (statements: Statement[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });

export interface QueueSenders {
  buckets: string[]; // bucket ARNs
  topics: string[]; // topic ARNs
  rules?: string[]; // EventBridge rule ARNs (a target, or a target's DLQ)
}

export function queuePolicy(queueArn: string, accountId: string, senders: QueueSenders): string | undefined {
  const sends = (Sid: string, service: string, Condition: Statement) => ({ Sid, Effect: 'Allow', Principal: { Service: service }, Action: 'SQS:SendMessage', Resource: queueArn, Condition });
  const statements: Statement[] = [];
  if (senders.buckets.length) {
    statements.push(sends('AllowS3Notifications', 's3.amazonaws.com', { ArnLike: { 'aws:SourceArn': senders.buckets }, StringEquals: { 'aws:SourceAccount': accountId } }));
  }
  if (senders.topics.length) statements.push(sends('AllowSnsSubscriptions', 'sns.amazonaws.com', { ArnEquals: { 'aws:SourceArn': senders.topics } }));
  if (senders.rules?.length) statements.push(sends('AllowEventBridgeRules', 'events.amazonaws.com', { ArnEquals: { 'aws:SourceArn': senders.rules } }));
  return statements.length ? document(statements) : undefined;
}

/** The topic's policy: the account keeps managing it; S3 may publish from the named buckets. */
export function topicPolicy(topicArn: string, accountId: string, bucketArns: string[]): string {
  return document([
    {
      Sid: 'OwnerManages',
      Effect: 'Allow',
      Principal: { AWS: '*' },
      Action: [
        'SNS:GetTopicAttributes',
        'SNS:SetTopicAttributes',
        'SNS:AddPermission',
        'SNS:RemovePermission',
        'SNS:DeleteTopic',
        'SNS:Subscribe',
        'SNS:ListSubscriptionsByTopic',
        'SNS:Publish',
      ],
      Resource: topicArn,
      Condition: { StringEquals: { 'AWS:SourceOwner': accountId } },
    },
    ...(bucketArns.length
      ? [
          {
            Sid: 'AllowS3Notifications',
            Effect: 'Allow',
            Principal: { Service: 's3.amazonaws.com' },
            Action: 'SNS:Publish',
            Resource: topicArn,
            Condition: { ArnLike: { 'aws:SourceArn': bucketArns }, StringEquals: { 'aws:SourceAccount': accountId } },
          },
        ]
      : []),
  ]);
}

export const LAMBDA_TRUST_POLICY = document([
  { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
]);

/** What the pipeline's functions do, limited to resources carrying the prefix. */
export function functionRolePolicy(prefix: string, partition: string): string {
  return document([
    {
      Sid: 'Logs',
      Effect: 'Allow',
      Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: `arn:${partition}:logs:*:*:log-group:/aws/lambda/${prefix}-*`,
    },
    {
      Sid: 'Objects',
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject'],
      Resource: `arn:${partition}:s3:::${prefix}-*/*`,
    },
    {
      Sid: 'Queues',
      Effect: 'Allow',
      Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueAttributes', 'sqs:SendMessage'],
      Resource: `arn:${partition}:sqs:*:*:${prefix}-*`,
    },
    { Sid: 'Alerts', Effect: 'Allow', Action: 'sns:Publish', Resource: `arn:${partition}:sns:*:*:${prefix}-*` },
  ]);
}
