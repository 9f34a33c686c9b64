import type { Clock } from '../../core/clock';

/** Everything the execution engine needs to know about one function (its $LATEST configuration). */
export interface FunctionSpec {
  functionName: string;
  /** The unqualified function ARN (invocations may name a qualified one: InvokeOptions.invokedFunctionArn). */
  functionArn: string;
  /** `$LATEST` (the default) or a published version number; each version has its own environments. */
  version?: string;
  /** nodejs18.x | nodejs20.x | nodejs22.x | python3.8 … python3.13 */
  runtime: string;
  /** Node: "index.handler", "src/app.handler"; Python: "module.func", "pkg.module.func", "dir/module.func". */
  handler: string;
  /** Changes when the code changes; environments built from another sha are retired. */
  codeSha256: string;
  /** The already-extracted task root (LAMBDA_TASK_ROOT, the process's working directory). */
  codeDir: string;
  timeoutSeconds: number;
  memorySizeMb: number;
  environment: Record<string, string>;
  region: string;
  accountId: string;
  /** The function's layers in order: extracted into its /opt (a later one's files replace an earlier one's). */
  layers?: LayerContent[];
  /** LoggingConfig; absent means Lambda's default: Text, into `/aws/lambda/<functionName>`. */
  logging?: LogSettings;
}

/** A function's LoggingConfig as the runtime applies it. */
export interface LogSettings {
  format: 'Text' | 'JSON';
  /** JSON only: TRACE … FATAL, filters the function's own lines (AWS_LAMBDA_LOG_LEVEL). */
  applicationLogLevel?: string;
  /** JSON only: DEBUG | INFO | WARN, filters the platform's records (platform.start, platform.report, …). */
  systemLogLevel?: string;
  /** The log group, when not `/aws/lambda/<functionName>`. */
  logGroup?: string;
}

/** One layer version as an environment mounts it. */
export interface LayerContent {
  /** The layer version ARN (`…:layer:name:3`). */
  arn: string;
  /** Changes with the content; part of what an environment is matched on. */
  sha256: string;
  zip: Buffer;
}

export interface InvokeOptions {
  requestId?: string;
  /** X-Ray header value (`Root=1-…;Parent=…;Sampled=0`); one is made up when absent, as Lambda does. */
  traceId?: string;
  /** The Invoke API's ClientContext: base64 of a JSON object (plain JSON is accepted too). */
  clientContext?: string;
  /** The function's reserved concurrency; undefined = none reserved. */
  maxConcurrency?: number;
  /** The ARN as invoked (`…:function:name:alias`), given to the function as context.invokedFunctionArn. */
  invokedFunctionArn?: string;
  /**
   * Takes a streamed response chunk by chunk as the function writes it (the result's payload is then empty);
   * a returned promise holds the function's stream back until it settles (the client is behind). `contentType`:
   * the stream's own (setContentType), which tells a function URL whether a prelude comes first.
   */
  onChunk?: (chunk: Buffer, contentType: string) => void | Promise<void>;
}

export interface InvokeResult {
  /** What the function returned (JSON), or the error document when functionError is set. */
  payload: Buffer;
  functionError?: 'Unhandled' | 'Handled';
  /** All log text of this invocation (init output, START … END, REPORT), newline-terminated lines. */
  logTail: string;
  durationMs: number;
  billedDurationMs: number;
  /** Set on cold starts: spawn until the runtime first asked for work. */
  initDurationMs?: number;
  timedOut: boolean;
  requestId: string;
}

export interface LogLine {
  timestamp: number;
  message: string;
}

export interface RuntimePoolOptions {
  /** The emulator's URL, given to functions as AWS_ENDPOINT_URL so their SDK calls come back to it. */
  endpointUrl: string;
  /** Python interpreter for python3.x functions (default `python3` from PATH). */
  pythonPath?: string;
  /** Account-wide concurrent executions (default 1000). */
  accountConcurrencyLimit?: number;
  /** Receives each invocation's log lines, once the invocation is over, with the log group they belong in. */
  onLog?: (functionName: string, logStreamName: string, lines: LogLine[], logGroupName: string, scope: { region: string; accountId: string }) => void;
  /** Address the Runtime API servers bind to (default 127.0.0.1). */
  host?: string;
  /**
   * Clock for timestamps and timers (timeouts, idle reaping). Defaults to real time. Function code runs in
   * real time, so a scaled clock also scales how long functions may run.
   */
  clock?: Clock;
  /** Idle environments are stopped after this long (default 10 minutes); 0 keeps them until retire/close. */
  idleTimeoutMs?: number;
}
