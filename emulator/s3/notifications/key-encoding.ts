/**
 * The `s3.object.key` of an event record is form-URL-encoded (S3 "Event message structure": "red
 * flower.jpg" arrives as "red+flower.jpg"). Encoding as Java's URLEncoder / application/x-www-form-
 * urlencoded does it: UTF-8 bytes, `A-Z a-z 0-9 - _ . *` kept, space → `+`, everything else `%XX`
 * (upper-case hex) — except `/`, which S3 leaves as is.
 *
 * Why `/` stays: records captured from real buckets show raw slashes, e.g. CloudTrail / VPC flow-log
 * deliveries `"key":"AWSLogs/451031991406/vpcflowlogs/us-west-2/2020/09/17/…log.gz"` (sequencers and
 * times consistent with live traffic), while other separators are escaped: `=` → `%3D`
 * (aws/aws-sam-cli#379, "year%3D2025/red+flower.jpg" in grafana/lambda-promtail#26) and `:` → `%3A`
 * (aws/aws-sdk-js-v3#6556). One 2015 report (aws/aws-sdk-js#837) showed `%2F`; that is treated as
 * old behaviour.
 */
const KEEP = /[A-Za-z0-9\-_.*/]/;

export function encodeEventKey(key: string): string {
  let out = '';
  for (const byte of Buffer.from(key, 'utf8')) {
    const ch = String.fromCharCode(byte);
    if (byte < 0x80 && KEEP.test(ch)) out += ch;
    else if (byte === 0x20) out += '+';
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** The inverse, as consumers do it (`unquote_plus`, `decodeURIComponent(k.replace(/\+/g, ' '))`). */
export const decodeEventKey = (encoded: string): string => decodeURIComponent(encoded.replace(/\+/g, ' '));
