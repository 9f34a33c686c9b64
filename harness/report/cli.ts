import { parseArgs } from 'node:util';
import { writeReport } from './write-report';
import { renderMermaid } from './mermaid';
import { readTrace } from './trace-file';

export const REPORT_USAGE = `usage: s3-event-harness report <trace.jsonl> [--out file.html] [--mermaid KEY]

Turns a trace (JSON Lines written by a run) into a self-contained HTML timeline: a lane per object version,
a mark per hop, faults, retries, duplicates and DLQ arrivals highlighted.

  --out, -o FILE     where to write the HTML (default: the trace path with .html)
  --mermaid, -m KEY  print a Mermaid sequence diagram of object KEY to stdout (for a bug report);
                     the HTML is then written only when --out is given
  --help, -h         this text`;

/** Where the command writes, line by line (the same shape as the CLI's Io in harness/cli/io.ts). */
export interface ReportIo {
  out(line: string): void;
  err(line: string): void;
}

const processIo: ReportIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/** `s3-event-harness report …`: argv is what follows the command name. Resolves to the exit code. */
export async function reportCommand(argv: string[], io: ReportIo = processIo): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        out: { type: 'string', short: 'o' },
        mermaid: { type: 'string', short: 'm' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    io.err(`report: ${(err as Error).message}\n\n${REPORT_USAGE}`);
    return 2;
  }
  const { values, positionals } = args;
  if (values.help) {
    io.out(REPORT_USAGE);
    return 0;
  }
  if (positionals.length !== 1) {
    io.err(`report: ${positionals.length === 0 ? 'name the trace file' : `one trace file at a time (got ${positionals.length})`}\n\n${REPORT_USAGE}`);
    return 2;
  }
  const [tracePath] = positionals as [string];
  try {
    if (values.mermaid !== undefined) {
      io.out(renderMermaid(readTrace(tracePath), values.mermaid).trimEnd());
      if (values.out === undefined) return 0;
    }
    const outPath = values.out ?? defaultHtmlPath(tracePath);
    const written = await writeReport(tracePath, outPath);
    // With --mermaid, stdout carries the diagram only.
    (values.mermaid !== undefined ? io.err : io.out)(`wrote ${written.outPath} (${written.lanes} object lanes, ${written.hops} hops)`);
    return 0;
  } catch (err) {
    io.err(`report: ${(err as Error).message}`);
    return 1;
  }
}

export function defaultHtmlPath(tracePath: string): string {
  return /\.jsonl?$/i.test(tracePath) ? tracePath.replace(/\.jsonl?$/i, '.html') : `${tracePath}.html`;
}
