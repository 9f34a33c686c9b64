#!/usr/bin/env bash
# Deletes everything provision.sh created, in the reverse order, including every object version in the
# bucket. A resource that is already gone is skipped, so it can be run again after a partial failure.
#
# Usage: ./teardown.sh pipeline.json        (the JSON provision.sh printed)
set -euo pipefail
# shellcheck source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

state="${1:-}"
[ -f "$state" ] || die "usage: $0 PIPELINE_JSON (the output of provision.sh)"
get() { json_get "$state" "$1"; }
bucket="$(get bucket)"
processor="$(get processor)"
error_handler="$(get errorHandler)"
role_name="$(get roleName)"
failed=0

# delete WHAT AWS-ARGS…: runs one deletion; "not found" counts as done, any other error is reported and
# remembered (the remaining steps still run).
delete() {
  local what="$1" err
  shift
  if err="$("${AWS[@]}" "$@" 2>&1 >/dev/null)"; then
    log "deleted $what"
  elif grep -qE 'NotFound|NoSuch|NonExistent|does not exist|cannot be found' <<<"$err"; then
    log "already gone: $what"
  else
    log "failed to delete $what: $err"
    failed=1
  fi
}

# Stop new work first: no more S3 events, no more DLQ polling.
delete "notifications of s3://$bucket" s3api put-bucket-notification-configuration --bucket "$bucket" \
  --notification-configuration '{}'
delete "event source mapping $(get eventSourceMapping)" lambda delete-event-source-mapping --uuid "$(get eventSourceMapping)"
for fn in "$processor" "$error_handler"; do
  delete "function $fn" lambda delete-function --function-name "$fn"
  delete "log group /aws/lambda/$fn" logs delete-log-group --log-group-name "/aws/lambda/$fn"
done

mapfile -t alarms < <(python3 -c 'import json,sys; print("\n".join(json.load(open(sys.argv[1]))["alarms"]))' "$state")
delete "alarms ${alarms[*]}" cloudwatch delete-alarms --alarm-names "${alarms[@]}"

# Deleting the topic deletes its subscriptions.
delete "topic $(get topicArn)" sns delete-topic --topic-arn "$(get topicArn)"
delete "queue $(get dlqUrl)" sqs delete-queue --queue-url "$(get dlqUrl)"

delete "policy pipeline of role $role_name" iam delete-role-policy --role-name "$role_name" --policy-name pipeline
delete "role $role_name" iam delete-role --role-name "$role_name"

# A versioned bucket is empty only when every version and delete marker is gone: 1000 per round.
empty_bucket() {
  local page errors
  while :; do
    page="$("${AWS[@]}" s3api list-object-versions --bucket "$bucket" --max-keys 1000 --no-paginate \
      --query '{Objects: [Versions, DeleteMarkers][][].{Key: Key, VersionId: VersionId}, Quiet: `true`}' \
      --output json)"
    grep -q '"Key"' <<<"$page" || return 0
    errors="$("${AWS[@]}" s3api delete-objects --bucket "$bucket" --delete "$page" \
      --query 'length(Errors || `[]`)' --output text)"
    [ "$errors" = 0 ] || return 1
  done
}
if "${AWS[@]}" s3api head-bucket --bucket "$bucket" >/dev/null 2>&1; then
  if empty_bucket; then
    delete "bucket s3://$bucket" s3api delete-bucket --bucket "$bucket"
  else
    log "failed to empty s3://$bucket"
    failed=1
  fi
else
  log "already gone: bucket s3://$bucket"
fi

exit "$failed"
