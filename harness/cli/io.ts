/** Where commands write: stdout for results (`ready <url>`, JSON, tables), stderr for progress and warnings. */
export interface Io {
  out(line: string): void;
  err(line: string): void;
}

export const processIo: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};
