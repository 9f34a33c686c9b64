import type { LoggingConfig } from '@aws-sdk/client-lambda';
import { AwsError } from '../core/errors';
import { validation } from './names';
import type { LogSettings } from './runtime';

/**
 * Advanced logging controls (LoggingConfig): the log format, the application and system log levels, and the log
 * group. Stored as given (absent = Lambda's default: Text into `/aws/lambda/<function>`), checked with AWS's
 * constraints and messages.
 */

const LOG_FORMATS = ['JSON', 'Text'];
const APPLICATION_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'];
const SYSTEM_LEVELS = ['DEBUG', 'INFO', 'WARN'];
const LOG_GROUP = /^[.\-_/#A-Za-z0-9]+$/;
/** What Lambda reports for the levels of a JSON function that named none. */
const DEFAULT_LEVEL = 'INFO';

export const defaultLogGroup = (functionName: string): string => `/aws/lambda/${functionName}`;

function checkEnum(field: string, value: string | undefined, allowed: string[]): void {
  if (value !== undefined && !allowed.includes(value)) {
    throw validation(`loggingConfig.${field}`, value, `Member must satisfy enum value set: [${allowed.join(', ')}]`);
  }
}

/** The service model's constraints (ValidationException), before any rule between the fields. */
function checkShape(input: LoggingConfig): void {
  checkEnum('logFormat', input.LogFormat, LOG_FORMATS);
  checkEnum('applicationLogLevel', input.ApplicationLogLevel, APPLICATION_LEVELS);
  checkEnum('systemLogLevel', input.SystemLogLevel, SYSTEM_LEVELS);
  const group = input.LogGroup;
  if (group === undefined) return;
  if (group.length < 1) throw validation('loggingConfig.logGroup', group, 'Member must have length greater than or equal to 1');
  if (group.length > 512) throw validation('loggingConfig.logGroup', group, 'Member must have length less than or equal to 512');
  if (!LOG_GROUP.test(group)) throw validation('loggingConfig.logGroup', group, 'Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+');
}

/**
 * The settings after CreateFunction (no `current`) or UpdateFunctionConfiguration: the fields given replace
 * those stored, the others stay. Log levels only exist with JSON: given with Text they are refused; left over
 * from JSON when switching to Text they go; missing with JSON they are INFO, as Lambda reports them.
 */
export function resolveLogging(current: LogSettings | undefined, input: LoggingConfig | undefined): LogSettings | undefined {
  if (input === undefined) return current;
  checkShape(input);
  const format = (input.LogFormat ?? current?.format ?? 'Text') as LogSettings['format'];
  const logGroup = input.LogGroup ?? current?.logGroup;
  if (format === 'Text') {
    if (input.ApplicationLogLevel !== undefined || input.SystemLogLevel !== undefined) {
      throw new AwsError(
        'InvalidParameterValueException',
        'LogLevel is not supported when LogFormat is set to "Text". Remove LogLevel from your request or change the LogFormat to "Json" and try again.',
        400,
        { Type: 'User' },
      );
    }
    return { format, ...(logGroup !== undefined ? { logGroup } : {}) };
  }
  return {
    format,
    applicationLogLevel: input.ApplicationLogLevel ?? current?.applicationLogLevel ?? DEFAULT_LEVEL,
    systemLogLevel: input.SystemLogLevel ?? current?.systemLogLevel ?? DEFAULT_LEVEL,
    ...(logGroup !== undefined ? { logGroup } : {}),
  };
}

/** LoggingConfig as GetFunction and the others show it: the levels only with JSON, the group always. */
export function loggingOutput(settings: LogSettings | undefined, functionName: string): LoggingConfig {
  const logGroup = settings?.logGroup ?? defaultLogGroup(functionName);
  if (settings?.format !== 'JSON') return { LogFormat: 'Text', LogGroup: logGroup };
  return {
    LogFormat: 'JSON',
    ApplicationLogLevel: settings.applicationLogLevel as LoggingConfig['ApplicationLogLevel'],
    SystemLogLevel: settings.systemLogLevel as LoggingConfig['SystemLogLevel'],
    LogGroup: logGroup,
  };
}
