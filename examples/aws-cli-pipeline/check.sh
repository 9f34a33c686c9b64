#!/usr/bin/env bash
# Exercises a provisioned pipeline end to end and prints what it saw as JSON:
#   1. a valid CSV under data/ → the processor writes reports/<key>.json (for this very object version);
#   2. the processor's log lines (START … REPORT) from CloudWatch Logs;
#   3. its Invocations metric from CloudWatch;
#   4. an invalid CSV → the processor fails, is retried twice, the event goes to the dead-letter queue, the
#      error handler publishes an alert to SNS (seen in its logs, with the 3 failed attempts in the
#      processor's), and the alert is emailed. On AWS the mail goes to the
#      subscribed address; against an emulator with an outbox (AWS_ENDPOINT_URL set), the outbox is read.
#
# Usage: ./check.sh pipeline.json        (the JSON provision.sh printed)
# Env:   CHECK_TIMEOUT  seconds to wait for the report, logs and metrics (default 300: CloudWatch lags on AWS)
#        ALERT_TIMEOUT  seconds to wait for the alert (default 900: Lambda retries after 1 and 2 minutes)
set -euo pipefail
# shellcheck source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

state="${1:-}"
[ -f "$state" ] || die "usage: $0 PIPELINE_JSON (the output of provision.sh)"
CHECK_TIMEOUT="${CHECK_TIMEOUT:-300}"
ALERT_TIMEOUT="${ALERT_TIMEOUT:-900}"
bucket="$(json_get "$state" bucket)"
processor="$(json_get "$state" processor)"
error_handler="$(json_get "$state" errorHandler)"
topic_arn="$(json_get "$state" topicArn)"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# wait_for SECONDS WHAT COMMAND…: runs COMMAND until it succeeds; fails the script after SECONDS.
wait_for() {
  local seconds="$1" what="$2"
  shift 2
  local deadline=$(($(date +%s) + seconds))
  until "$@"; do
    (($(date +%s) < deadline)) || die "timed out after ${seconds}s waiting for $what"
    sleep 0.2
  done
}

# S3 timestamps (LastModified) as epoch seconds: the metric query's time range comes from them, so it
# follows the service's clock rather than this machine's.
last_modified() {
  date -u -d "$("${AWS[@]}" s3api head-object --bucket "$bucket" --key "$1" ${2:+--version-id "$2"} \
    --query LastModified --output text)" +%s
}
iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }

# ── 1. A valid CSV → a report ───────────────────────────────────────────────────────────────────────────
key="data/x.csv"
report_key="reports/$key.json"
printf 'id,name,amount\n1,alpha,10\n2,beta,20\n3,"gamma, inc",30\n' >"$work/x.csv"
version="$("${AWS[@]}" s3api put-object --bucket "$bucket" --key "$key" --body "$work/x.csv" \
  --content-type text/csv --query VersionId --output text)"
uploaded_at="$(last_modified "$key" "$version")"
log "uploaded s3://$bucket/$key (version $version); waiting for $report_key"

# The report of this upload, not one left by an earlier run: its versionId names our version.
report_ready() {
  "${AWS[@]}" s3api get-object --bucket "$bucket" --key "$report_key" "$work/report.json" >/dev/null 2>&1 &&
    python3 -c 'import json,sys; sys.exit(json.load(open(sys.argv[1])).get("versionId") != sys.argv[2])' \
      "$work/report.json" "$version"
}
wait_for "$CHECK_TIMEOUT" "s3://$bucket/$report_key" report_ready
reported_at="$(last_modified "$report_key")"
log "report written: $(cat "$work/report.json")"

# ── 2. The processor's log lines ────────────────────────────────────────────────────────────────────────
# START and REPORT are written by Lambda around every invocation; REPORT comes last.
processor_logs() {
  "${AWS[@]}" logs filter-log-events --log-group-name "/aws/lambda/$processor" \
    --start-time "$(((uploaded_at - 60) * 1000))" --query 'events[].message' --output json \
    >"$work/processor-logs.json" 2>/dev/null &&
    grep -q 'REPORT RequestId' "$work/processor-logs.json"
}
wait_for "$CHECK_TIMEOUT" "a REPORT line in /aws/lambda/$processor" processor_logs
log "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$work/processor-logs.json") log lines in /aws/lambda/$processor"

# ── 3. The Invocations metric ───────────────────────────────────────────────────────────────────────────
invocations() {
  "${AWS[@]}" cloudwatch get-metric-statistics --namespace AWS/Lambda --metric-name Invocations \
    --dimensions "Name=FunctionName,Value=$processor" \
    --start-time "$(iso $((uploaded_at - 300)))" --end-time "$(iso $((reported_at + 300)))" \
    --period 60 --statistics Sum --query 'sum(Datapoints[].Sum)' --output text >"$work/invocations" 2>/dev/null &&
    python3 -c 'import sys; sys.exit(float(open(sys.argv[1]).read()) < 1)' "$work/invocations"
}
wait_for "$CHECK_TIMEOUT" "AWS/Lambda Invocations of $processor" invocations
log "AWS/Lambda Invocations of $processor: $(cat "$work/invocations")"

# ── 4. An invalid CSV → retries → DLQ → error handler → SNS → email ─────────────────────────────────────
bad_key="data/bad.csv"
printf 'id,name\n1,alpha\n2,beta,unexpected\n' >"$work/bad.csv"
bad_version="$("${AWS[@]}" s3api put-object --bucket "$bucket" --key "$bad_key" --body "$work/bad.csv" \
  --content-type text/csv --query VersionId --output text)"
bad_uploaded_at="$(last_modified "$bad_key" "$bad_version")"
log "uploaded invalid s3://$bucket/$bad_key; waiting for the alert (after 2 retries and the DLQ)"

alert_published() {
  "${AWS[@]}" logs filter-log-events --log-group-name "/aws/lambda/$error_handler" \
    --start-time "$(((bad_uploaded_at - 60) * 1000))" --query 'events[].message' --output json \
    >"$work/error-handler-logs.json" 2>/dev/null &&
    grep -F 'alert published' "$work/error-handler-logs.json" >"$work/alert-lines" &&
    grep -qF "s3://$bucket/$bad_key" "$work/alert-lines"
}
wait_for "$ALERT_TIMEOUT" "the error handler to publish an alert for $bad_key" alert_published
log "error handler published the alert"

# The processor's failed attempts on the invalid file: the first try and Lambda's 2 retries, each logging
# its error with the object's name.
failed_attempts() {
  "${AWS[@]}" logs filter-log-events --log-group-name "/aws/lambda/$processor" \
    --start-time "$(((bad_uploaded_at - 60) * 1000))" --query 'events[].message' --output json \
    >"$work/processor-failure-logs.json" 2>/dev/null &&
    python3 - "$work/processor-failure-logs.json" "s3://$bucket/$bad_key" >"$work/failed-attempts" <<'PY'
import json, sys
lines, obj = json.load(open(sys.argv[1])), sys.argv[2]
count = sum(obj in line for line in lines)
print(count)
sys.exit(count < 3)
PY
}
wait_for "$CHECK_TIMEOUT" "3 failed attempts on $bad_key in /aws/lambda/$processor" failed_attempts
log "$(cat "$work/failed-attempts") failed attempts on $bad_key"

# The emails the subscription received, from the emulator's outbox (no such thing on AWS: see your inbox).
echo '[]' >"$work/emails.json"
if [ -n "${AWS_ENDPOINT_URL:-}" ]; then
  alert_emailed() {
    python3 - "${AWS_ENDPOINT_URL%/}/_harness/outbox" "$topic_arn" "s3://$bucket/$bad_key" "$work/emails.json" 2>/dev/null <<'PY'
import json, sys, urllib.request
outbox, topic, obj, out = sys.argv[1:5]
with urllib.request.urlopen(outbox, timeout=10) as res:
    deliveries = json.load(res)["deliveries"]
emails = [d for d in deliveries
          if d.get("topicArn") == topic and d.get("protocol") == "email" and d.get("type") == "Notification"]
json.dump(emails, open(out, "w"))
sys.exit(not any(obj in d.get("body", "") for d in emails))
PY
  }
  wait_for "$CHECK_TIMEOUT" "the alert email in the outbox" alert_emailed
  log "alert emailed (outbox)"
else
  log "alert sent to $(json_get "$state" alertEmail): check that inbox (the subscription must be confirmed)"
fi

python3 - "$work" "$bucket" "$key" "$version" "$bad_key" "$(cat "$work/invocations")" "$(cat "$work/failed-attempts")" <<'PY'
import json, os, sys
work, bucket, key, version, bad_key, invocations, failed_attempts = sys.argv[1:8]
load = lambda name: json.load(open(os.path.join(work, name)))
bad_object = f"s3://{bucket}/{bad_key}"
emails = load("emails.json")
print(json.dumps({
    "bucket": bucket,
    "key": key,
    "versionId": version,
    "report": load("report.json"),
    "processorLogLines": load("processor-logs.json"),
    "invocations": float(invocations),
    "badKey": bad_key,
    "failedAttempts": int(failed_attempts),
    "processorFailureLogLines": [line for line in load("processor-failure-logs.json") if bad_object in line],
    "errorHandlerLogLines": load("error-handler-logs.json"),
    "alert": next((e for e in emails if bad_object in e.get("body", "")), None),
    "emails": [{"subject": e.get("subject"), "body": e.get("body")} for e in emails],
}, indent=2))
PY
