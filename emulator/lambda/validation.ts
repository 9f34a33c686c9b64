import { Runtime, type DestinationConfig } from '@aws-sdk/client-lambda';
import { AwsError } from '../core/errors';
import { parseArn } from '../core/ids';
import { validation } from './names';

/** Checks of CreateFunction / UpdateFunctionConfiguration / PutFunctionEventInvokeConfig input, with AWS's messages. */

const invalid = (message: string) => new AwsError('InvalidParameterValueException', message, 400, { Type: 'User' });

const FUNCTION_NAME = /^[a-zA-Z0-9-_]+$/;
const ROLE = /^arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role\/?[a-zA-Z_0-9+=,.@\-_/]+$/;
const ENV_KEY = /^[a-zA-Z]([a-zA-Z0-9_])+$/;
export const KNOWN_RUNTIMES = new Set<string>(Object.values(Runtime));
export const ARCHITECTURES = new Set(['x86_64', 'arm64']);

/** Variables Lambda sets itself; a function may not set them (AWS refuses the configuration). */
const RESERVED_ENV = new Set([
  '_HANDLER', '_X_AMZN_TRACE_ID', 'AWS_DEFAULT_REGION', 'AWS_REGION', 'AWS_EXECUTION_ENV', 'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE', 'AWS_LAMBDA_FUNCTION_VERSION', 'AWS_LAMBDA_INITIALIZATION_TYPE',
  'AWS_LAMBDA_LOG_GROUP_NAME', 'AWS_LAMBDA_LOG_STREAM_NAME', 'AWS_ACCESS_KEY', 'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_LAMBDA_RUNTIME_API', 'LAMBDA_TASK_ROOT', 'LAMBDA_RUNTIME_DIR',
]);

export const LIMITS = {
  timeout: [1, 900] as const,
  memory: [128, 10_240] as const,
  envBytes: 4096,
  zippedBytes: 52_428_800,
  ephemeralStorage: [512, 10_240] as const,
  retries: [0, 2] as const,
  eventAge: [60, 21_600] as const,
};

export function checkRange(field: string, value: number | undefined, [min, max]: readonly [number, number]): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < min) throw validation(field, value, `Member must have value greater than or equal to ${min}`);
  if (value > max) throw validation(field, value, `Member must have value less than or equal to ${max}`);
}

export function checkFunctionName(name: string | undefined): string {
  if (!name) throw validation('functionName', name, 'Member must not be null');
  if (name.length > 64) throw validation('functionName', name, 'Member must have length less than or equal to 64');
  if (!FUNCTION_NAME.test(name)) {
    throw validation('functionName', name, 'Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?');
  }
  return name;
}

export function checkRole(role: string | undefined): void {
  if (!role) throw validation('role', role, 'Member must not be null');
  if (!ROLE.test(role)) throw validation('role', role, 'Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+');
}

export function checkRuntime(runtime: string | undefined): void {
  if (runtime === undefined) throw invalid('Runtime and Handler are mandatory parameters for functions created with deployment packages.');
  if (!KNOWN_RUNTIMES.has(runtime)) {
    throw invalid(`Value ${runtime} at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: [${[...KNOWN_RUNTIMES].join(', ')}] or be a valid ARN`);
  }
}

/** One architecture per function, x86_64 or arm64. */
export function checkArchitectures(architectures: string[] | undefined): void {
  if (architectures === undefined) return;
  const shown = `[${architectures.join(', ')}]`;
  if (architectures.length !== 1) {
    throw validation('architectures', shown, `Member must have length ${architectures.length ? 'less than or equal to 1' : 'greater than or equal to 1'}`);
  }
  if (!ARCHITECTURES.has(architectures[0]!)) {
    throw validation('architectures', shown, 'Member must satisfy constraint: [Member must satisfy enum value set: [x86_64, arm64]]');
  }
}

export function checkHandler(handler: string | undefined): void {
  if (!handler) throw invalid('Runtime and Handler are mandatory parameters for functions created with deployment packages.');
  if (handler.length > 128) throw validation('handler', handler, 'Member must have length less than or equal to 128');
  if (!/^[^\s]+$/.test(handler)) throw validation('handler', handler, 'Member must satisfy regular expression pattern: [^\\s]+');
}

export function checkEnvironment(vars: Record<string, string> | undefined): void {
  if (!vars) return;
  const reserved = Object.keys(vars).filter((k) => RESERVED_ENV.has(k));
  if (reserved.length) {
    throw invalid(
      'Lambda was unable to configure your environment variables because the environment variables you have provided ' +
        `contains reserved keys that are currently not supported for modification. Reserved keys used in this request: ${reserved.join(', ')}`,
    );
  }
  for (const k of Object.keys(vars)) {
    if (!ENV_KEY.test(k)) throw validation('environment.variables', k, 'Map keys must satisfy constraint: [Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+]');
  }
  const measured = JSON.stringify(vars);
  if (Buffer.byteLength(measured) > LIMITS.envBytes) {
    throw invalid(
      'Lambda was unable to configure your environment variables because the environment variables you have provided ' +
        `exceeded the 4KB limit. String measured: ${measured}`,
    );
  }
}

export function checkDeadLetterTarget(arn: string | undefined): void {
  if (arn === undefined || arn === '') return;
  const service = parseArn(arn)?.service;
  if (service !== 'sqs' && service !== 'sns') {
    throw invalid(`The provided target ARN ${arn} is not a valid SQS queue or SNS topic ARN. DeadLetterConfig supports SQS and SNS.`);
  }
}

const DESTINATION_SERVICES = new Set(['sqs', 'sns', 'lambda', 'events', 's3']);

export function checkDestinations(config: DestinationConfig | undefined, functionArn: string): void {
  for (const [kind, d] of [['OnSuccess', config?.OnSuccess], ['OnFailure', config?.OnFailure]] as const) {
    const arn = d?.Destination;
    if (!arn) continue;
    const parsed = parseArn(arn);
    if (!parsed || !DESTINATION_SERVICES.has(parsed.service)) throw invalid(`The destination ARN ${arn} is invalid.`);
    if (parsed.service === 's3' && kind === 'OnSuccess') throw invalid('S3 buckets are supported only for on-failure destinations.');
    if (parsed.service === 'lambda' && arn.split(':').slice(0, 7).join(':') === functionArn) {
      throw invalid('You can\'t specify the function itself as a destination.');
    }
  }
}
