import { NormalizedSchema } from '@smithy/core/schema';
import { XmlShapeDeserializer, XmlShapeSerializer } from '@aws-sdk/core/protocols';
import { XMLValidator } from 'fast-xml-parser';
import { AwsError } from '../core/errors';
import type { RequestContext } from '../core/context';
import type { ServiceModel } from './model';
import type { Codec, WireRequest, WireResponse } from './types';
import { hasDocumentMembers, pathSegments, rawBody, readBoundInput, readRawPayload, RestRouter, writeBoundOutput, type BoundInputOptions } from './rest-binding';
import { escapeXml, escapeXmlText } from './xml';
import { RESPONSE_META, type ResponseMeta } from '../core/service';

const S3_NS = 'http://s3.amazonaws.com/doc/2006-03-01/';
const POST_OBJECT = 'PostObject';
/**
 * S3 names a parameter of the wrong type InvalidArgument, with the argument; and, as HTTP asks, it ignores a
 * conditional request date it cannot parse rather than refusing the request.
 */
const S3_BINDING: BoundInputOptions = {
  invalid: (message, where, text) => new AwsError('InvalidArgument', message, 400, { ArgumentName: where, ArgumentValue: text }),
  lenientDateHeaders: new Set(['if-modified-since', 'if-unmodified-since', 'x-amz-copy-source-if-modified-since', 'x-amz-copy-source-if-unmodified-since']),
};
const malformedXml = () =>
  new AwsError('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema', 400);

interface PostObjectOutput {
  Bucket?: string;
  Key: string;
  ETag?: string;
  VersionId?: string;
  Location: string;
  Status: number;
  ServerSideEncryption?: string;
  SSEKMSKeyId?: string;
  BucketKeyEnabled?: boolean;
  SSECustomerAlgorithm?: string;
  SSECustomerKeyMD5?: string;
}

/** POST Object answers with the same encryption headers as PutObject. */
const POST_ENCRYPTION_HEADERS = [
  ['ServerSideEncryption', 'x-amz-server-side-encryption'],
  ['SSEKMSKeyId', 'x-amz-server-side-encryption-aws-kms-key-id'],
  ['BucketKeyEnabled', 'x-amz-server-side-encryption-bucket-key-enabled'],
  ['SSECustomerAlgorithm', 'x-amz-server-side-encryption-customer-algorithm'],
  ['SSECustomerKeyMD5', 'x-amz-server-side-encryption-customer-key-md5'],
] as const;

/** 204 by default; 200 or 201 when the form's success_action_status asks (201 with a PostResponse document). */
function postObjectResponse(out: PostObjectOutput): WireResponse {
  const headers: Record<string, string> = { location: out.Location };
  if (out.ETag) headers.etag = out.ETag;
  if (out.VersionId) headers['x-amz-version-id'] = out.VersionId;
  for (const [member, header] of POST_ENCRYPTION_HEADERS) if (out[member] !== undefined) headers[header] = String(out[member]);
  if (out.Status !== 201) return { status: out.Status, headers };
  const body =
    `<?xml version="1.0" encoding="UTF-8"?>\n<PostResponse><Location>${escapeXml(out.Location)}</Location>` +
    `<Bucket>${escapeXml(out.Bucket ?? '')}</Bucket><Key>${escapeXml(out.Key)}</Key><ETag>${escapeXml(out.ETag ?? '')}</ETag></PostResponse>`;
  return { status: 201, headers: { ...headers, 'content-type': 'application/xml' }, body };
}

/**
 * S3 writes the timestamps in its XML documents with milliseconds (`<LastModified>2009-10-12T17:50:30.000Z`),
 * which the AWS CLI v1 shows as they arrive. The SDK's serializer, written for requests, drops a `.000`; this
 * one puts it back. The hook is the SDK serializer's own (private) per-value writer: if a later SDK renames it,
 * documents go back to the SDK's form and test/s3/xml-timestamps.test.ts fails.
 */
class S3XmlSerializer extends XmlShapeSerializer {}
const sdkWriteSimple = (XmlShapeSerializer.prototype as unknown as { writeSimple?: (schema: unknown, value: unknown) => string }).writeSimple;
if (typeof sdkWriteSimple === 'function') {
  Object.defineProperty(S3XmlSerializer.prototype, 'writeSimple', {
    value(this: XmlShapeSerializer, schema: unknown, value: unknown): string {
      const text = sdkWriteSimple.call(this, schema, value);
      return value instanceof Date && /T\d\d:\d\d:\d\dZ$/.test(text) ? `${text.slice(0, -1)}.000Z` : text;
    },
  });
}

/**
 * S3's REST-XML: path-style (`/bucket/key`) or virtual-hosted (`bucket.host/key`) requests, members bound to
 * labels, query, headers and an XML or streaming payload; errors as `<Error>` (no body for HEAD).
 */
export function restXmlCodec(model: ServiceModel): Codec {
  const router = new RestRouter(model, true);
  const settings = { serviceNamespace: model.namespace, xmlNamespace: S3_NS, timestampFormat: { useTrait: true, default: 5 as const } };

  return {
    async decode(req: WireRequest) {
      let segments: string[];
      try {
        segments = pathSegments(req.rawPath);
      } catch {
        throw new AwsError('InvalidURI', "Couldn't parse the specified URI.", 400);
      }
      let bucket = req.virtualBucket;
      if (bucket === undefined && segments[0]) bucket = segments.shift();
      else if (bucket === undefined) segments.shift();
      if (segments.length === 1 && segments[0] === '') segments = [];
      // POST Object (browser form uploads) has no operation in the SDK's model: a multipart/form-data POST to a bucket.
      const contentType = String(req.headers['content-type'] ?? '');
      if (req.method === 'POST' && bucket !== undefined && segments.length === 0 && contentType.startsWith('multipart/form-data') && [...req.query.keys()].length === 0) {
        return { operation: POST_OBJECT, input: { Bucket: bucket, Body: req.stream, ContentType: contentType } };
      }
      // uploadId and partNumber address an object's multipart upload: with no key (UploadPart with Key ''), the
      // request must not fall through to a bucket operation such as CreateBucket.
      const keyless = bucket !== undefined && segments.length === 0 && (req.query.has('uploadId') || req.query.has('partNumber'));
      const match = keyless ? undefined : router.match(req, segments, bucket);
      if (!match) throw new AwsError('MethodNotAllowed', 'The specified method is not allowed against this resource.', 405);
      const { op, labels } = match;
      const { input, payloadMember } = await readBoundInput(op, req, labels, S3_BINDING);
      if (payloadMember) {
        const [name, member] = payloadMember;
        const raw = await readRawPayload(member, req);
        if (raw !== undefined) input[name] = raw;
        else {
          const text = (await req.body()).toString('utf8');
          if (text.trim()) {
            if (XMLValidator.validate(text) !== true) {
              throw malformedXml();
            }
            try {
              input[name] = new XmlShapeDeserializer(settings).read(member, text);
            } catch {
              // Well-formed, but a value the deserializer cannot convert (a timestamp that is not one…).
              throw malformedXml();
            }
          }
        }
      }
      return { operation: op.name, input };
    },

    encode(operation: string, output: unknown): WireResponse {
      if (operation === POST_OBJECT) return postObjectResponse(output as PostObjectOutput);
      if (operation === 'GetBucketLocation') return bucketLocationResponse(output as { LocationConstraint?: string });
      const op = model.operations.get(operation)!;
      const bound = writeBoundOutput(op, output);
      const headers = bound.headers;
      if (bound.payload) {
        const { schema, value } = bound.payload;
        if (schema.isStructSchema()) {
          if (value === undefined) return { status: bound.status, headers };
          return { status: bound.status, headers: { 'content-type': 'application/xml', ...headers }, body: xmlDocument(schema, value) };
        }
        return { status: bound.status, headers, body: rawBody(value) };
      }
      if (Object.keys(bound.document).length === 0 && !hasDocumentMembers(op)) {
        return { status: bound.status, headers };
      }
      return { status: bound.status, headers: { 'content-type': 'application/xml', ...headers }, body: xmlDocument(NormalizedSchema.of(op.output), bound.document) };
    },

    encodeError(err: AwsError, ctx: RequestContext, req: WireRequest): WireResponse {
      // Some errors carry headers of their own (x-amz-delete-marker on NoSuchKey, ETag on 304).
      const meta: ResponseMeta | undefined = (err as any)[RESPONSE_META];
      const headers = { ...(meta?.headers ?? {}), 'x-amz-request-id': ctx.requestId, 'x-amz-id-2': ctx.hostId };
      if (req.method === 'HEAD' || err.status === 304) return { status: err.status, headers };
      const fields = Object.entries(err.fields).map(([k, v]) => `<${k}>${escapeXmlText(v)}</${k}>`).join('');
      const body =
        `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${escapeXmlText(err.code)}</Code><Message>${escapeXmlText(err.message)}</Message>` +
        `${fields}<RequestId>${ctx.requestId}</RequestId><HostId>${escapeXml(ctx.hostId)}</HostId></Error>`;
      return { status: err.status, headers: { ...headers, 'content-type': 'application/xml' }, body };
    },
  };

  /**
   * GetBucketLocation's body is one element whose text is the Region (empty for us-east-1), not the structure the
   * model describes: S3 answers `<LocationConstraint xmlns="…">eu-west-1</LocationConstraint>`, and botocore (the
   * AWS CLI, boto3) reads the root's text, so the nested form read as no Region at all.
   */
  function bucketLocationResponse(output: { LocationConstraint?: string }): WireResponse {
    const region = output.LocationConstraint;
    const element = region ? `<LocationConstraint xmlns="${S3_NS}">${escapeXmlText(region)}</LocationConstraint>` : `<LocationConstraint xmlns="${S3_NS}"/>`;
    return { status: 200, headers: { 'content-type': 'application/xml' }, body: `<?xml version="1.0" encoding="UTF-8"?>\n${element}` };
  }

  function xmlDocument(schema: NormalizedSchema, value: unknown): string {
    const ser = new S3XmlSerializer({ ...settings, xmlNamespace: S3_NS });
    ser.write(schema, value);
    return `<?xml version="1.0" encoding="UTF-8"?>\n${String(ser.flush())}`;
  }
}
