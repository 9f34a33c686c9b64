/** The text Lambda itself writes around an invocation (not the function's own output). */

export const startLine = (requestId: string, version = '$LATEST'): string => `START RequestId: ${requestId} Version: ${version}`;

export const endLine = (requestId: string): string => `END RequestId: ${requestId}`;

export interface ReportFields {
  requestId: string;
  durationMs: number;
  billedDurationMs: number;
  memorySizeMb: number;
  maxMemoryUsedMb: number;
  initDurationMs?: number;
  /** Set when the invocation did not end normally (`timeout`, `error`). */
  status?: 'timeout' | 'error';
  errorType?: string;
}

export function reportLine(r: ReportFields): string {
  let line =
    `REPORT RequestId: ${r.requestId}\tDuration: ${r.durationMs.toFixed(2)} ms\t` +
    `Billed Duration: ${r.billedDurationMs} ms\tMemory Size: ${r.memorySizeMb} MB\t` +
    `Max Memory Used: ${r.maxMemoryUsedMb} MB\t`;
  if (r.initDurationMs !== undefined) line += `Init Duration: ${r.initDurationMs.toFixed(2)} ms\t`;
  if (r.status) line += `Status: ${r.status}\t`;
  if (r.errorType) line += `Error Type: ${r.errorType}\t`;
  return line;
}

/** AWS's timeout message, used both as the log line and as the payload's errorMessage. */
export const timeoutMessage = (nowMs: number, requestId: string, timeoutSeconds: number): string =>
  `${new Date(nowMs).toISOString()} ${requestId} Task timed out after ${timeoutSeconds.toFixed(2)} seconds`;

/** Signal names the way Lambda (Go's os.ProcessState) prints them. */
const SIGNAL_TEXT: Record<string, string> = {
  SIGKILL: 'killed',
  SIGTERM: 'terminated',
  SIGSEGV: 'segmentation fault',
  SIGABRT: 'aborted',
  SIGBUS: 'bus error',
  SIGILL: 'illegal instruction',
  SIGFPE: 'floating point exception',
  SIGINT: 'interrupt',
  SIGHUP: 'hangup',
  SIGPIPE: 'broken pipe',
};

export const exitDescription = (code: number | null, signal: NodeJS.Signals | null): string =>
  signal ? `signal: ${SIGNAL_TEXT[signal] ?? signal.toLowerCase()}` : `exit status ${code ?? 0}`;

export const exitErrorMessage = (requestId: string, code: number | null, signal: NodeJS.Signals | null): string =>
  `RequestId: ${requestId} Error: Runtime exited with error: ${exitDescription(code, signal)}`;
