import { GetFunctionConfigurationCommand, GetFunctionEventInvokeConfigCommand, type LambdaClient } from '@aws-sdk/client-lambda';

/** Whether an asynchronously invoked function keeps what fails: a DLQ on the function or an on-failure destination. */
export async function keepsFailedAsyncEvents(lambda: LambdaClient, functionArn: string): Promise<boolean> {
  const fn = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionArn })).catch(() => undefined);
  if (!fn || fn.DeadLetterConfig?.TargetArn) return true; // a missing function is the permission rule's finding
  const invokeConfig = await lambda.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: functionArn })).catch(() => undefined);
  return Boolean(invokeConfig?.DestinationConfig?.OnFailure?.Destination);
}
