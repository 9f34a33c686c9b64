"""Processor: for each new CSV under data/, count its rows and columns and write a JSON report under reports/.

An invalid CSV (no header, or a row whose column count differs from the header's) raises, so the
asynchronous invocation fails: Lambda retries it twice, then sends the event to the dead-letter queue.

Env: REPORT_PREFIX (default "reports/"). The SDK reads AWS_REGION; AWS_ENDPOINT_URL, if set, is passed on.
"""
import csv
import io
import json
import os
import urllib.parse

import boto3

# boto3 ≥ 1.28 reads AWS_ENDPOINT_URL itself; passing it keeps older ones (Debian's 1.26) off AWS when
# the function runs in an emulator. On Lambda the variable is unset and this is the default endpoint.
s3 = boto3.client("s3", endpoint_url=os.environ.get("AWS_ENDPOINT_URL") or None)
REPORT_PREFIX = os.environ.get("REPORT_PREFIX", "reports/")


class InvalidCsv(Exception):
    pass


def summarize(text):
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise InvalidCsv("the file has no header row")
    header = rows[0]
    for line, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise InvalidCsv(f"line {line} has {len(row)} columns, the header has {len(header)}")
    return {"columns": header, "rows": len(rows) - 1}


def process(record):
    bucket = record["s3"]["bucket"]["name"]
    # Keys arrive URL-encoded, with spaces as '+'.
    key = urllib.parse.unquote_plus(record["s3"]["object"]["key"])
    version_id = record["s3"]["object"].get("versionId")
    if key.startswith(REPORT_PREFIX):
        return None  # our own output: never process it, or we would loop
    get = {"Bucket": bucket, "Key": key, **({"VersionId": version_id} if version_id else {})}
    obj = s3.get_object(**get)
    text = obj["Body"].read().decode("utf-8")
    try:
        summary = summarize(text)
    except InvalidCsv as e:
        raise InvalidCsv(f"s3://{bucket}/{key}: {e}") from None
    report = {
        "bucket": bucket,
        "key": key,
        "versionId": version_id,
        "size": obj["ContentLength"],
        **summary,
        "runtime": "python",
        "status": "ok",
    }
    report_key = f"{REPORT_PREFIX}{key}.json"
    s3.put_object(Bucket=bucket, Key=report_key, Body=json.dumps(report).encode(), ContentType="application/json")
    print(json.dumps({"level": "info", "msg": "processed", "object": f"s3://{bucket}/{key}", "report": report_key, "rows": summary["rows"]}))
    return report_key


def handler(event, context):
    reports = [r for r in (process(rec) for rec in event.get("Records", []) if rec.get("eventSource") == "aws:s3") if r]
    return {"reports": reports}
