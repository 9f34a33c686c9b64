import { NormalizedSchema } from '@smithy/core/schema';
import { JsonShapeDeserializer, JsonShapeSerializer } from '@aws-sdk/core/protocols';
import { AwsError } from '../core/errors';
import type { RequestContext } from '../core/context';
import type { ServiceModel } from './model';
import type { Codec, WireRequest, WireResponse } from './types';
import { pathSegments, rawBody, readBoundInput, readRawPayload, RestRouter, writeBoundOutput, type BoundInputOptions } from './rest-binding';
import { checkShape } from './shape-check';
import { requiredMemberError } from './required';
import { encodeJsonEventStream, EVENT_STREAM_CONTENT_TYPE, isEventStream } from './event-stream';

/** Lambda names a parameter of the wrong type InvalidParameterValueException. */
const BINDING: BoundInputOptions = { invalid: (message) => new AwsError('InvalidParameterValueException', message, 400) };

/** REST-JSON (Lambda): members bound to path labels, query and headers; the rest is a JSON document. */
export function restJsonCodec(model: ServiceModel): Codec {
  const router = new RestRouter(model);
  const settings = { timestampFormat: { useTrait: true, default: 7 as const }, jsonName: true };

  /** A value of the wrong type, or one the SDK's deserializer cannot convert (a blob that is not base64…), is the client's fault. */
  async function readDocument(schema: Parameters<JsonShapeDeserializer['read']>[0], text: string): Promise<unknown> {
    const json = parseJson(text);
    try {
      return checkShape(schema, await new JsonShapeDeserializer(settings).read(schema, json));
    } catch (e) {
      throw new AwsError('InvalidRequestContentException', `Could not parse request body into json: ${(e as Error).message}`, 400);
    }
  }

  return {
    async decode(req: WireRequest) {
      let segments: string[];
      try {
        segments = pathSegments(req.rawPath).filter((s, i, all) => s !== '' || i < all.length - 1);
      } catch {
        throw new AwsError('InvalidParameterValueException', 'The request path is not valid.', 400);
      }
      const match = router.match(req, segments, undefined);
      if (!match) {
        throw new AwsError('UnknownOperationException', `No operation matches ${req.method} ${req.rawPath}`, 404);
      }
      const { op, labels } = match;
      const { input, payloadMember, hasUnbound } = await readBoundInput(op, req, labels, BINDING);
      if (payloadMember) {
        const [name, member] = payloadMember;
        const raw = await readRawPayload(member, req);
        if (raw !== undefined) input[name] = raw;
        else {
          const text = (await req.body()).toString('utf8');
          if (text.trim()) input[name] = await readDocument(member, text);
        }
      } else if (hasUnbound) {
        const text = (await req.body()).toString('utf8');
        if (text.trim()) {
          const doc = (await readDocument(op.input, text)) as Record<string, unknown>;
          for (const [k, v] of Object.entries(doc ?? {})) if (input[k] === undefined) input[k] = v;
        }
      }
      return { operation: op.name, input, invalid: requiredMemberError(model.namespace, op.input, input) };
    },

    encode(operation: string, output: unknown, ctx: RequestContext): WireResponse | Promise<WireResponse> {
      const op = model.operations.get(operation)!;
      const bound = writeBoundOutput(op, output);
      const headers = { 'x-amzn-requestid': ctx.requestId, ...bound.headers };
      if (bound.payload) {
        const { schema, value } = bound.payload;
        // An event stream (InvokeWithResponseStream): the provider hands over the events as an async iterable.
        if (isEventStream(schema)) {
          const response = { status: bound.status, headers: { 'content-type': EVENT_STREAM_CONTENT_TYPE, ...headers } };
          if (!value) return response;
          return encodeJsonEventStream(settings, NormalizedSchema.of(op.output), value as AsyncIterable<Record<string, unknown>>).then((body) => ({ ...response, body }));
        }
        if (schema.isStructSchema() || schema.isDocumentSchema()) {
          const ser = new JsonShapeSerializer(settings);
          ser.write(schema, value ?? {});
          return { status: bound.status, headers: { 'content-type': 'application/json', ...headers }, body: ser.flush() };
        }
        return { status: bound.status, headers, body: rawBody(value) };
      }
      const ser = new JsonShapeSerializer(settings);
      ser.write(NormalizedSchema.of(op.output), bound.document);
      return { status: bound.status, headers: { 'content-type': 'application/json', ...headers }, body: ser.flush() || '{}' };
    },

    encodeError(err: AwsError, ctx: RequestContext): WireResponse {
      const headers = { 'content-type': 'application/json', 'x-amzn-requestid': ctx.requestId, 'x-amzn-errortype': err.code };
      const body = { Type: err.fault === 'Sender' ? 'User' : 'Service', message: err.message, ...err.fields };
      return { status: err.status, headers, body: JSON.stringify(body) };
    },
  };
}

function parseJson(text: string): string {
  try {
    JSON.parse(text);
  } catch {
    throw new AwsError('InvalidRequestContentException', 'Could not parse request body into json: unexpected character.', 400);
  }
  return text;
}
