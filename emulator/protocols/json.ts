import { JsonShapeDeserializer, JsonShapeSerializer } from '@aws-sdk/core/protocols';
import { NormalizedSchema } from '@smithy/core/schema';
import { AwsError } from '../core/errors';
import type { RequestContext } from '../core/context';
import type { ServiceModel } from './model';
import type { Codec, WireRequest, WireResponse } from './types';
import { errorCodeFor, notImplemented, unknownOperation } from './errors';
import { checkShape } from './shape-check';
import { requiredMemberError } from './required';
import { encodeJsonEventStream, EVENT_STREAM_CONTENT_TYPE } from './event-stream';

/**
 * AWS JSON 1.0 / 1.1 (SQS on current SDKs, CloudWatch Logs, EventBridge): `POST /` with
 * `X-Amz-Target: <Prefix>.<Operation>` and a JSON body.
 */
export function awsJsonCodec(model: ServiceModel, version: '1.0' | '1.1'): Codec {
  const settings = { timestampFormat: { useTrait: true, default: 7 as const }, jsonName: false };
  const contentType = `application/x-amz-json-${version}`;

  /** Each operation's event-stream output member ('' for none), worked out once. */
  const streamMembers = new Map<string, string>();
  const eventStreamMemberOf = (operation: string, output: Parameters<typeof NormalizedSchema.of>[0]): string => {
    let member = streamMembers.get(operation);
    if (member === undefined) {
      const schema = NormalizedSchema.of(output);
      member = schema.isStructSchema() ? schema.getEventStreamMember() : '';
      streamMembers.set(operation, member);
    }
    return member;
  };

  return {
    async decode(req: WireRequest) {
      const target = String(req.headers['x-amz-target'] ?? '');
      const operation = target.slice(target.lastIndexOf('.') + 1);
      const op = model.operations.get(operation);
      if (!op) throw unknownOperation(operation || '(no X-Amz-Target)');
      const text = (await req.body()).toString('utf8');
      if (text.trim() === '') return { operation, input: {}, invalid: requiredMemberError(model.namespace, op.input, {}) };
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        throw new AwsError('SerializationException', 'Start of structure or map found where not expected.', 400);
      }
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
        throw new AwsError('SerializationException', 'Expected a JSON object as the request body.', 400);
      }
      let input: unknown;
      try {
        input = checkShape(op.input, (await new JsonShapeDeserializer(settings).read(op.input, text)) ?? {});
      } catch (e) {
        // A value of the wrong type, or one the deserializer cannot convert (a blob that is not base64…).
        throw new AwsError('SerializationException', (e as Error).message, 400);
      }
      return { operation, input: input as Record<string, unknown>, invalid: requiredMemberError(model.namespace, op.input, input) };
    },

    encode(operation: string, output: unknown): WireResponse | Promise<WireResponse> {
      const op = model.operations.get(operation)!;
      // An event stream output (Logs' StartLiveTail): the whole body is the stream of the member's events.
      const streamMember = eventStreamMemberOf(operation, op.output);
      if (streamMember) {
        const outputSchema = NormalizedSchema.of(op.output);
        const events = (output as Record<string, unknown> | undefined)?.[streamMember] as AsyncIterable<Record<string, unknown>> | undefined;
        const response = { status: 200, headers: { 'content-type': EVENT_STREAM_CONTENT_TYPE } };
        return events ? encodeJsonEventStream(settings, outputSchema, events).then((body) => ({ ...response, body })) : response;
      }
      const ser = new JsonShapeSerializer(settings);
      ser.write(op.output, output ?? {});
      return { status: 200, headers: { 'content-type': contentType }, body: ser.flush() || '{}' };
    },

    encodeError(err: AwsError, ctx: RequestContext): WireResponse {
      const known = model.errors.get(err.code);
      const headers: Record<string, string> = { 'content-type': contentType, 'x-amzn-requestid': ctx.requestId };
      // SDKs read the legacy Query error code from this header (awsQueryCompatible services such as SQS).
      const queryCode = known?.queryCode ?? (model.namespace === 'com.amazonaws.sqs' ? err.code : undefined);
      if (queryCode) headers['x-amzn-query-error'] = `${queryCode};${err.fault}`;
      const body = { __type: `${model.namespace}#${errorCodeFor(err)}`, message: err.message, ...err.fields };
      return { status: err.status, headers, body: JSON.stringify(body) };
    },
  };
}

export { notImplemented };
