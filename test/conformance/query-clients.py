"""Drives the emulator with Debian's boto3 1.26 (SQS over the Query protocol): S3 → SNS → SQS, then SQS redrive.

Usage: python3 query-clients.py ENDPOINT SUFFIX. Prints one JSON object with what it saw; the jest test asserts on it.
"""
import json
import sys
import time

import boto3
import botocore

endpoint, suffix = sys.argv[1], sys.argv[2]
kw = dict(endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")
s3 = boto3.client("s3", config=botocore.config.Config(s3={"addressing_style": "path"}), **kw)
sqs = boto3.client("sqs", **kw)
sns = boto3.client("sns", **kw)
out = {"boto3": boto3.__version__}

bucket, topic_name, queue_name = f"py-{suffix}", f"py-topic-{suffix}", f"py-queue-{suffix}"
s3.create_bucket(Bucket=bucket)
topic_arn = sns.create_topic(Name=topic_name)["TopicArn"]
queue_url = sqs.create_queue(QueueName=queue_name)["QueueUrl"]
queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
sns.set_topic_attributes(TopicArn=topic_arn, AttributeName="Policy", AttributeValue=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "SNS:Publish", "Resource": topic_arn,
                   "Condition": {"ArnLike": {"aws:SourceArn": f"arn:aws:s3:::{bucket}"}}}],
}))
sqs.set_queue_attributes(QueueUrl=queue_url, Attributes={"Policy": json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": "SQS:SendMessage", "Resource": queue_arn,
                   "Condition": {"ArnEquals": {"aws:SourceArn": topic_arn}}}],
})})
sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)
s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={
    "TopicConfigurations": [{"TopicArn": topic_arn, "Events": ["s3:ObjectCreated:*"],
                             "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "data/"}]}}}],
})
s3.put_object(Bucket=bucket, Key="data/red flower.csv", Body=b"a,b\n1,2\n")

bodies = []
deadline = time.time() + 20
while time.time() < deadline and not any("Records" in json.loads(json.loads(b)["Message"]) for b in bodies):
    r = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
    for m in r.get("Messages", []):
        bodies.append(m["Body"])
        sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=m["ReceiptHandle"])
out["envelopes"] = [json.loads(b) for b in bodies]

# Redrive: after maxReceiveCount receives without a delete, the next receive finds it in the DLQ.
dlq_url = sqs.create_queue(QueueName=f"py-dlq-{suffix}")["QueueUrl"]
dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
src_url = sqs.create_queue(QueueName=f"py-src-{suffix}", Attributes={
    "VisibilityTimeout": "0",
    "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2}),
})["QueueUrl"]
sqs.send_message(QueueUrl=src_url, MessageBody="poison", MessageAttributes={"kind": {"DataType": "String", "StringValue": "test"}})
counts = []
for _ in range(3):
    r = sqs.receive_message(QueueUrl=src_url, AttributeNames=["ApproximateReceiveCount"], MessageAttributeNames=["All"])
    counts.append([m["Attributes"]["ApproximateReceiveCount"] for m in r.get("Messages", [])])
dlq = sqs.receive_message(QueueUrl=dlq_url, AttributeNames=["All"], MessageAttributeNames=["All"]).get("Messages", [])
out["receiveCounts"] = counts
out["dlq"] = [{"Body": m["Body"], "Attributes": m.get("Attributes", {}), "MessageAttributes": m.get("MessageAttributes", {})} for m in dlq]
print(json.dumps(out))
