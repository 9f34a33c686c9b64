"""Error handler: reads the processor's dead-letter queue and publishes one alert per failed event to SNS.

A message whose alert could not be published is reported in batchItemFailures (the mapping has
ReportBatchItemFailures on), so only that message stays on the queue and is tried again.

Env: ALERT_TOPIC_ARN, FAILED_FUNCTION (named in the alert). The SDK reads AWS_REGION; AWS_ENDPOINT_URL, if set, is passed on.
"""
import json
import os
import urllib.parse

import boto3

# boto3 ≥ 1.28 reads AWS_ENDPOINT_URL itself; passing it keeps older ones (Debian's 1.26) off AWS when
# the function runs in an emulator. On Lambda the variable is unset and this is the default endpoint.
sns = boto3.client("sns", endpoint_url=os.environ.get("AWS_ENDPOINT_URL") or None)


def objects_in(body):
    """The s3://bucket/key of each S3 record in the failed event (the DLQ message body is that event)."""
    try:
        event = json.loads(body)
    except ValueError:
        return []
    return [
        f"s3://{r['s3']['bucket']['name']}/{urllib.parse.unquote_plus(r['s3']['object']['key'])}"
        for r in event.get("Records", [])
        if isinstance(r, dict) and "s3" in r
    ]


def alert_for(record):
    attributes = record.get("messageAttributes", {})
    error = attributes.get("ErrorMessage", {}).get("stringValue", "unknown error")
    request_id = attributes.get("RequestID", {}).get("stringValue")
    function = os.environ.get("FAILED_FUNCTION", "the processor")
    objects = objects_in(record["body"])
    subject = f"Pipeline failure in {function}"[:100]
    lines = [
        f"{function} failed on {', '.join(objects) or 'an event'} after all retries.",
        f"Error: {error}",
        f"Request: {request_id}" if request_id else None,
        f"Dead-letter message: {record['messageId']}",
    ]
    return subject, "\n".join(line for line in lines if line), objects


def handler(event, context):
    topic_arn = os.environ["ALERT_TOPIC_ARN"]
    failures = []
    for record in event.get("Records", []):
        try:
            subject, message, objects = alert_for(record)
            sns.publish(TopicArn=topic_arn, Subject=subject, Message=message)
            print(json.dumps({"level": "info", "msg": "alert published", "messageId": record["messageId"], "objects": objects}))
        except Exception as e:  # noqa: BLE001 - one bad message must not fail the others
            print(json.dumps({"level": "error", "msg": "alert failed", "messageId": record.get("messageId"), "error": str(e)}))
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
