import type { Readable } from 'node:stream';

/** Longest line kept whole; CloudWatch Logs caps an event at 256 KB. */
const MAX_LINE_CHARS = 256 * 1024;

/**
 * Splits one output stream of a runtime process into lines and notices the end-of-invocation marker the
 * bootstraps write (`\x1f<token>:<requestId>\n`) before they post a result. Output and the HTTP post travel
 * on different pipes; the marker says "everything printed during this invocation has arrived".
 */
class StreamLines {
  private partial = '';
  private ended = false;
  private readonly seen = new Set<string>();
  private readonly waiters = new Set<() => void>();

  constructor(
    stream: Readable,
    private readonly markerPrefix: string,
    private readonly onLine: (line: string) => void,
  ) {
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => this.push(chunk));
    const finish = () => {
      if (this.ended) return;
      if (this.partial) this.emit(this.partial);
      this.partial = '';
      this.ended = true;
      this.notify();
    };
    stream.on('end', finish);
    stream.on('close', finish);
    stream.on('error', finish);
  }

  /** True once the marker for `requestId` arrived (it is consumed) or the stream is over. */
  take(requestId: string): boolean {
    if (this.seen.delete(requestId)) return true;
    return this.ended;
  }

  onChange(fn: () => void): () => void {
    this.waiters.add(fn);
    return () => this.waiters.delete(fn);
  }

  private push(chunk: string): void {
    let text = this.partial + chunk;
    for (;;) {
      const at = text.indexOf(this.markerPrefix);
      if (at < 0) break;
      const nl = text.indexOf('\n', at);
      if (nl < 0) break; // the marker is still arriving
      // Whatever precedes the marker belongs to the invocation, even an unterminated last line.
      this.emitAll(text.slice(0, at), true);
      this.seen.add(text.slice(at + this.markerPrefix.length, nl));
      text = text.slice(nl + 1);
      this.notify();
    }
    this.partial = this.emitAll(text, false);
    if (this.partial.length > MAX_LINE_CHARS && !this.partial.includes(this.markerPrefix)) {
      this.emit(this.partial);
      this.partial = '';
    }
  }

  /** Emits complete lines; returns the unterminated rest unless `flush`. */
  private emitAll(text: string, flush: boolean): string {
    const lines = text.split('\n');
    const rest = lines.pop() ?? '';
    for (const line of lines) this.emit(line);
    if (flush && rest) this.emit(rest);
    return flush ? '' : rest;
  }

  private emit(line: string): void {
    // The runtimes write a multi-line message as one line with \r for \n (one log event per message).
    this.onLine(line.replace(/\r$/, '').replace(/\r/g, '\n'));
  }

  private notify(): void {
    for (const fn of [...this.waiters]) fn();
  }
}

/** Both output streams of one runtime process. */
export class LogCapture {
  private readonly streams: StreamLines[];

  constructor(outputs: Readable[], markerToken: string, onLine: (line: string) => void) {
    const prefix = `\x1f${markerToken}:`;
    this.streams = outputs.map((s) => new StreamLines(s, prefix, onLine));
  }

  /** Resolves once every stream delivered the marker for `requestId` (or ended). */
  drained(requestId: string): Promise<void> {
    const pending = new Set(this.streams.filter((s) => !s.take(requestId)));
    if (pending.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const offs: (() => void)[] = [];
      for (const s of pending) {
        offs.push(
          s.onChange(() => {
            if (pending.has(s) && s.take(requestId)) pending.delete(s);
            if (pending.size === 0) {
              offs.forEach((off) => off());
              resolve();
            }
          }),
        );
      }
    });
  }
}
