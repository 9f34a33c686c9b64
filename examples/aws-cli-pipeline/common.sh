# Shared by provision.sh, check.sh and teardown.sh (sourced, not run).
#
# Everything goes through "${AWS[@]}": plain `aws` on AWS, plus --endpoint-url when the caller sets
# AWS_ENDPOINT_URL. AWS CLI v1 ≥ 1.29 and v2 ≥ 2.13 read AWS_ENDPOINT_URL themselves; older v2 builds
# (Debian's 2.9) ignore it, and passing the flag as well is harmless for the newer ones.

shopt -s inherit_errexit # a failing command inside $(…) fails the script too

# shellcheck disable=SC2206
AWS=(aws ${AWS_ENDPOINT_URL:+--endpoint-url "$AWS_ENDPOINT_URL"})
export AWS_PAGER=""            # v2 would otherwise page long output through `less`
export AWS_DEFAULT_OUTPUT=json # a profile's `output = table` must not change what we parse

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
HANDLER_RUNTIME="${HANDLER_RUNTIME:-python}"
case "$HANDLER_RUNTIME" in
  python | node) ;;
  *) echo "HANDLER_RUNTIME must be python or node, not '$HANDLER_RUNTIME'" >&2; exit 2 ;;
esac

log() { printf '%s %s\n' "[$(basename "$0")]" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# The region the CLI will use: v1 reads AWS_DEFAULT_REGION, v2 also AWS_REGION, both the profile.
aws_region() {
  local r="${AWS_REGION:-${AWS_DEFAULT_REGION:-}}"
  [ -n "$r" ] || r="$("${AWS[@]}" configure get region 2>/dev/null || true)"
  [ -n "$r" ] || die "no region: set AWS_DEFAULT_REGION or configure a profile"
  printf '%s' "$r"
}

# json_get FILE KEY: one top-level string field of a JSON file (the state file provision.sh prints).
json_get() {
  python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"
}
