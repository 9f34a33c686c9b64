#!/usr/bin/env bash
# Provisions the CSV pipeline with the AWS CLI, in the region and account of the caller's credentials:
#
#   s3://<name>-data/data/*.csv ──(S3 notification)──▶ <name>-processor ──▶ s3://<name>-data/reports/*.json
#                                                           │ fails 3 times (1 try + 2 async retries)
#                                                           ▼
#                                          <name>-dlq (SQS) ──(event source mapping)──▶ <name>-error-handler
#                                                                                              │ Publish
#   CloudWatch alarms (processor Errors, DLQ depth, processor Duration) ──▶ <name>-alerts (SNS) ◀─┘
#                                                                                │ email
#                                                                                ▼ $ALERT_EMAIL
#
# Usage: ./provision.sh > pipeline.json    (progress goes to stderr, the resource names to stdout as JSON)
# Env:   HANDLER_RUNTIME  python (python3.12, default) or node (nodejs20.x, TypeScript bundled with esbuild)
#        PIPELINE_NAME    name prefix (default csv-pipeline); a random suffix is added
#        ALERT_EMAIL      where alerts go (default pipeline-alerts@example.com; AWS sends a confirmation mail)
#        DURATION_ALARM_MS  average processor duration that raises an alarm (default 10000)
#        AWS_ENDPOINT_URL   optional: another endpoint than AWS's (e.g. a local emulator)
# Needs: aws (CLI v1 or v2), python3; for HANDLER_RUNTIME=node also npx with esbuild installed.
set -euo pipefail
# shellcheck source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

PIPELINE_NAME="${PIPELINE_NAME:-csv-pipeline}"
ALERT_EMAIL="${ALERT_EMAIL:-pipeline-alerts@example.com}"
DURATION_ALARM_MS="${DURATION_ALARM_MS:-10000}"
FUNCTION_TIMEOUT=30
# How long to wait for IAM (role propagation), functions and the event source mapping on AWS.
SETUP_TIMEOUT="${SETUP_TIMEOUT:-180}"

build="$(mktemp -d)"
trap 'rm -rf "$build"' EXIT

region="$(aws_region)"
account="$("${AWS[@]}" sts get-caller-identity --query Account --output text)"
suffix="$("${AWS[@]}" secretsmanager get-random-password --password-length 6 \
  --exclude-punctuation --exclude-uppercase --query RandomPassword --output text)"
name="$PIPELINE_NAME-$suffix"
bucket="$name-data"
topic_name="$name-alerts"
dlq_name="$name-dlq"
role_name="$name-lambda"
processor="$name-processor"
error_handler="$name-error-handler"
log "provisioning $name in $region (account $account, $HANDLER_RUNTIME handlers)"

# ── Storage ─────────────────────────────────────────────────────────────────────────────────────────────
if [ "$region" = "us-east-1" ]; then
  "${AWS[@]}" s3api create-bucket --bucket "$bucket" >/dev/null
else
  "${AWS[@]}" s3api create-bucket --bucket "$bucket" \
    --create-bucket-configuration "LocationConstraint=$region" >/dev/null
fi
"${AWS[@]}" s3api put-bucket-versioning --bucket "$bucket" --versioning-configuration Status=Enabled
log "bucket s3://$bucket (versioned)"

# ── Alerts ──────────────────────────────────────────────────────────────────────────────────────────────
topic_arn="$("${AWS[@]}" sns create-topic --name "$topic_name" --query TopicArn --output text)"
subscription_arn="$("${AWS[@]}" sns subscribe --topic-arn "$topic_arn" --protocol email \
  --notification-endpoint "$ALERT_EMAIL" --query SubscriptionArn --output text)"
log "topic $topic_arn → $ALERT_EMAIL ($subscription_arn)"

# ── Dead-letter queue ───────────────────────────────────────────────────────────────────────────────────
# Visibility timeout 6× the error handler's timeout, as AWS recommends for a queue a function polls.
dlq_url="$("${AWS[@]}" sqs create-queue --queue-name "$dlq_name" \
  --attributes "VisibilityTimeout=$((FUNCTION_TIMEOUT * 6)),MessageRetentionPeriod=1209600" \
  --query QueueUrl --output text)"
dlq_arn="$("${AWS[@]}" sqs get-queue-attributes --queue-url "$dlq_url" --attribute-names QueueArn \
  --query Attributes.QueueArn --output text)"
log "dead-letter queue $dlq_arn"

# ── Execution role ──────────────────────────────────────────────────────────────────────────────────────
role_arn="$("${AWS[@]}" iam create-role --role-name "$role_name" \
  --assume-role-policy-document "file://$HERE/policies/lambda-trust.json" \
  --description "Execution role of the $name functions" --query Role.Arn --output text)"
cat >"$build/role-policy.json" <<EOF
{
  "Version": "2012-10-17",
  "Statement": [
    { "Sid": "Logs", "Effect": "Allow",
      "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
      "Resource": "arn:aws:logs:$region:$account:log-group:/aws/lambda/$name-*" },
    { "Sid": "ReadDataWriteReports", "Effect": "Allow",
      "Action": ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"],
      "Resource": "arn:aws:s3:::$bucket/*" },
    { "Sid": "DeadLetterQueue", "Effect": "Allow",
      "Action": ["sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
      "Resource": "$dlq_arn" },
    { "Sid": "Alerts", "Effect": "Allow", "Action": "sns:Publish", "Resource": "$topic_arn" }
  ]
}
EOF
"${AWS[@]}" iam put-role-policy --role-name "$role_name" --policy-name pipeline \
  --policy-document "file://$build/role-policy.json"
log "role $role_arn"

# ── Function code ───────────────────────────────────────────────────────────────────────────────────────
# package SOURCE_NAME: builds $build/SOURCE_NAME.zip and prints the handler to configure.
package() {
  local source="$1"
  case "$HANDLER_RUNTIME" in
    python)
      python3 -m zipfile -c "$build/$source.zip" "$HERE/python/$source.py"
      printf '%s.handler' "$source"
      ;;
    node)
      # The nodejs20.x runtime provides the AWS SDK v3, so it stays out of the bundle.
      (cd "$HERE" && npx --no-install esbuild "node/$source.ts" --bundle --platform=node --target=node20 \
        --format=cjs '--external:@aws-sdk/*' --log-level=warning --outfile="$build/$source/index.js")
      python3 -m zipfile -c "$build/$source.zip" "$build/$source/index.js"
      printf 'index.handler'
      ;;
  esac
}
case "$HANDLER_RUNTIME" in
  python) runtime=python3.12 processor_source=processor error_handler_source=error_handler ;;
  node) runtime=nodejs20.x processor_source=processor error_handler_source=error-handler ;;
esac

# The log groups Lambda would create, made here to give them a retention.
for fn in "$processor" "$error_handler"; do
  "${AWS[@]}" logs create-log-group --log-group-name "/aws/lambda/$fn"
  "${AWS[@]}" logs put-retention-policy --log-group-name "/aws/lambda/$fn" --retention-in-days 14
done

# create_function NAME HANDLER ZIP ENVIRONMENT_JSON [more create-function options…]: prints the function ARN.
# A role that was just created takes a few seconds to be usable by Lambda; until then AWS answers
# InvalidParameterValueException "The role defined for the function cannot be assumed by Lambda".
create_function() {
  local fn="$1" handler="$2" zip="$3" environment="$4"
  shift 4
  local deadline=$(($(date +%s) + SETUP_TIMEOUT)) arn
  until arn="$("${AWS[@]}" lambda create-function --function-name "$fn" --runtime "$runtime" \
    --role "$role_arn" --handler "$handler" --zip-file "fileb://$zip" \
    --timeout "$FUNCTION_TIMEOUT" --memory-size 256 --environment "$environment" "$@" \
    --query FunctionArn --output text 2>"$build/create-function.err")"; do
    if grep -q 'cannot be assumed by Lambda' "$build/create-function.err" && (($(date +%s) < deadline)); then
      sleep 2
      continue
    fi
    cat "$build/create-function.err" >&2
    return 1
  done
  printf '%s' "$arn"
}

handler="$(package "$processor_source")"
processor_arn="$(create_function "$processor" "$handler" "$build/$processor_source.zip" \
  '{"Variables":{"REPORT_PREFIX":"reports/"}}' \
  --dead-letter-config "TargetArn=$dlq_arn" --description "Writes a report for each CSV under data/")"
handler="$(package "$error_handler_source")"
error_handler_arn="$(create_function "$error_handler" "$handler" "$build/$error_handler_source.zip" \
  "{\"Variables\":{\"ALERT_TOPIC_ARN\":\"$topic_arn\",\"FAILED_FUNCTION\":\"$processor\"}}" \
  --description "Publishes an alert for each event on $dlq_name")"
"${AWS[@]}" lambda wait function-active-v2 --function-name "$processor"
"${AWS[@]}" lambda wait function-active-v2 --function-name "$error_handler"
log "functions $processor and $error_handler ($runtime) are active"

# ── Wiring ──────────────────────────────────────────────────────────────────────────────────────────────
mapping_uuid="$("${AWS[@]}" lambda create-event-source-mapping --function-name "$error_handler" \
  --event-source-arn "$dlq_arn" --batch-size 10 --maximum-batching-window-in-seconds 5 \
  --function-response-types ReportBatchItemFailures --query UUID --output text)"
deadline=$(($(date +%s) + SETUP_TIMEOUT))
until [ "$("${AWS[@]}" lambda get-event-source-mapping --uuid "$mapping_uuid" --query State --output text)" = Enabled ]; do
  (($(date +%s) < deadline)) || die "event source mapping $mapping_uuid did not become Enabled"
  sleep 1
done
log "event source mapping $mapping_uuid: $dlq_name → $error_handler"

# S3 checks that it may invoke the function when the notification is configured: permission first.
"${AWS[@]}" lambda add-permission --function-name "$processor" --statement-id s3-invoke-processor \
  --action lambda:InvokeFunction --principal s3.amazonaws.com \
  --source-arn "arn:aws:s3:::$bucket" --source-account "$account" >/dev/null
cat >"$build/notification.json" <<EOF
{
  "LambdaFunctionConfigurations": [
    {
      "Id": "process-csv",
      "LambdaFunctionArn": "$processor_arn",
      "Events": ["s3:ObjectCreated:*"],
      "Filter": { "Key": { "FilterRules": [{ "Name": "prefix", "Value": "data/" }] } }
    }
  ]
}
EOF
"${AWS[@]}" s3api put-bucket-notification-configuration --bucket "$bucket" \
  --notification-configuration "file://$build/notification.json"
log "s3://$bucket/data/ → $processor"

# ── Alarms ──────────────────────────────────────────────────────────────────────────────────────────────
errors_alarm="$processor-errors"
dlq_alarm="$dlq_name-depth"
duration_alarm="$processor-duration"
"${AWS[@]}" cloudwatch put-metric-alarm --alarm-name "$errors_alarm" \
  --alarm-description "$processor failed at least once" \
  --namespace AWS/Lambda --metric-name Errors --dimensions "Name=FunctionName,Value=$processor" \
  --statistic Sum --period 60 --evaluation-periods 1 --threshold 1 \
  --comparison-operator GreaterThanOrEqualToThreshold --treat-missing-data notBreaching \
  --alarm-actions "$topic_arn"
"${AWS[@]}" cloudwatch put-metric-alarm --alarm-name "$dlq_alarm" \
  --alarm-description "More than 5 failed events wait on $dlq_name" \
  --namespace AWS/SQS --metric-name ApproximateNumberOfMessagesVisible --dimensions "Name=QueueName,Value=$dlq_name" \
  --statistic Maximum --period 300 --evaluation-periods 1 --threshold 5 \
  --comparison-operator GreaterThanThreshold --treat-missing-data notBreaching \
  --alarm-actions "$topic_arn"
"${AWS[@]}" cloudwatch put-metric-alarm --alarm-name "$duration_alarm" \
  --alarm-description "$processor takes more than $DURATION_ALARM_MS ms on average" \
  --namespace AWS/Lambda --metric-name Duration --dimensions "Name=FunctionName,Value=$processor" \
  --statistic Average --period 300 --evaluation-periods 1 --threshold "$DURATION_ALARM_MS" \
  --comparison-operator GreaterThanThreshold --treat-missing-data notBreaching \
  --alarm-actions "$topic_arn"
log "alarms $errors_alarm, $dlq_alarm, $duration_alarm → $topic_name"

cat <<EOF
{
  "name": "$name",
  "region": "$region",
  "account": "$account",
  "handlerRuntime": "$HANDLER_RUNTIME",
  "runtime": "$runtime",
  "bucket": "$bucket",
  "topicArn": "$topic_arn",
  "alertEmail": "$ALERT_EMAIL",
  "subscriptionArn": "$subscription_arn",
  "dlqName": "$dlq_name",
  "dlqUrl": "$dlq_url",
  "dlqArn": "$dlq_arn",
  "roleName": "$role_name",
  "roleArn": "$role_arn",
  "processor": "$processor",
  "processorArn": "$processor_arn",
  "errorHandler": "$error_handler",
  "errorHandlerArn": "$error_handler_arn",
  "eventSourceMapping": "$mapping_uuid",
  "alarms": ["$errors_alarm", "$dlq_alarm", "$duration_alarm"]
}
EOF
