import { CborShapeDeserializer, CborShapeSerializer } from '@smithy/core/cbor';
import { AwsError } from '../core/errors';
import type { RequestContext } from '../core/context';
import type { ServiceModel } from './model';
import type { Codec, WireRequest, WireResponse } from './types';
import { unknownOperation } from './errors';
import { checkShape } from './shape-check';
import { requiredMemberError } from './required';

/**
 * Smithy RPC v2 CBOR (CloudWatch on current boto3/botocore and AWS CLI v1):
 * `POST /service/<ServiceName>/operation/<Operation>`, `smithy-protocol: rpc-v2-cbor`, CBOR bodies.
 */
export function cborCodec(model: ServiceModel): Codec {
  const headers = { 'content-type': 'application/cbor', 'smithy-protocol': 'rpc-v2-cbor' };
  return {
    async decode(req: WireRequest) {
      const operation = /\/operation\/([^/?]+)$/.exec(req.rawPath)?.[1] ?? '';
      const op = model.operations.get(operation);
      if (!op) throw unknownOperation(operation || req.rawPath);
      const body = await req.body();
      if (body.length === 0) return { operation, input: {}, invalid: requiredMemberError(model.namespace, op.input, {}) };
      let input: unknown;
      try {
        input = new CborShapeDeserializer().read(op.input, body) ?? {};
      } catch {
        throw new AwsError('SerializationException', 'The request body is not valid CBOR.', 400);
      }
      try {
        input = checkShape(op.input, input);
      } catch (e) {
        throw new AwsError('SerializationException', (e as Error).message, 400);
      }
      return { operation, input: input as Record<string, unknown>, invalid: requiredMemberError(model.namespace, op.input, input) };
    },
    encode(operation: string, output: unknown, ctx: RequestContext): WireResponse {
      const ser = new CborShapeSerializer();
      ser.write(model.operations.get(operation)!.output, output ?? {});
      return { status: 200, headers: { ...headers, 'x-amzn-requestid': ctx.requestId }, body: Buffer.from(ser.flush()) };
    },
    encodeError(err: AwsError, ctx: RequestContext): WireResponse {
      const known = model.errors.get(err.code);
      const out: Record<string, string> = { ...headers, 'x-amzn-requestid': ctx.requestId };
      // CloudWatch is awsQueryCompatible: clients read the legacy code from this header.
      out['x-amzn-query-error'] = `${known?.queryCode ?? err.code};${err.fault}`;
      const ser = new CborShapeSerializer();
      ser.write(15, { __type: `${model.namespace}#${err.code}`, message: err.message, ...err.fields });
      return { status: err.status, headers: out, body: Buffer.from(ser.flush()) };
    },
  };
}
