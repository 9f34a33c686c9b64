import { AwsError } from '../core/errors';

/** The answer to an operation the SDK knows but this emulator does not implement yet. */
export const notImplemented = (operation: string, service: string): AwsError =>
  new AwsError('NotImplemented', `The operation ${operation} is not implemented by the s3-event-harness ${service} emulator.`, 501);

export const unknownOperation = (operation: string): AwsError =>
  new AwsError('InvalidAction', `The action or operation requested is invalid: ${operation}`, 400);

export const errorCodeFor = (err: AwsError): string => err.code;

/** Anything thrown that is not an AwsError becomes AWS's InternalError (logged by the server). */
export const internalError = (): AwsError =>
  new AwsError('InternalError', 'We encountered an internal error. Please try again.', 500);
