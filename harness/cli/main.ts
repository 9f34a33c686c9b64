import { UsageError } from './args';
import { deployCommand, teardownCommand } from './deploy';
import { processIo, type Io } from './io';
import { runCommand } from './run';
import { serveCommand } from './serve';
import { replayCommand } from './replay';
import { lintCommand } from './lint';
import { parityCommand } from './parity';
import { reportCommand } from '../report';

export const COMMANDS: Record<string, { summary: string; run: (argv: string[], io: Io) => Promise<number> }> = {
  run: { summary: 'run scenario files and print a results table (the default job: npm start)', run: runCommand },
  serve: { summary: 'run the embedded emulator (optionally with a deployed sandbox pipeline)', run: serveCommand },
  deploy: { summary: 'provision a pipeline on an endpoint and print its resources as JSON', run: deployCommand },
  teardown: { summary: 'delete what a deploy created (name prefix + s3-event-harness tag)', run: teardownCommand },
  replay: { summary: 'run a traced run again (same seed and faults) and check it takes the same course', run: replayCommand },
  report: { summary: 'write a trace as an HTML timeline (or a Mermaid diagram for one key)', run: (argv, io) => reportCommand(argv, io) },
  lint: { summary: 'check a deployed pipeline for what AWS would refuse or what invites delivery bugs', run: lintCommand },
  parity: { summary: 'run scenarios on two or more backends and compare what each did, hop by hop', run: parityCommand },
};

export function mainHelp(): string {
  return [
    'usage: s3-event-harness <command> [options]',
    '',
    'Local emulation and integration tests for S3 → SNS/SQS → Lambda → DLQ → alert pipelines.',
    '',
    'commands:',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(9)} ${c.summary}`),
    '',
    'Run `s3-event-harness <command> --help` for a command\'s options.',
    '',
  ].join('\n');
}

/** The CLI: sets process.exitCode (0 ok, 1 failure, 2 usage error) and never throws. */
export async function main(argv: string[], io: Io = processIo): Promise<void> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(mainHelp());
    process.exitCode = name === undefined ? 2 : 0;
    return;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.err(`unknown command "${name}"\n\n${mainHelp()}`);
    process.exitCode = 2;
    return;
  }
  try {
    process.exitCode = await command.run(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(e.message);
      process.exitCode = 2;
    } else {
      io.err(`${name} failed: ${(e as Error)?.stack ?? String(e)}`);
      process.exitCode = 1;
    }
  }
  // Stray handles (keep-alive sockets, a function runtime slow to die) must not keep a finished CLI alive.
  // Only for the real CLI: a caller that passes its own Io (tests) keeps its process.
  if (io === processIo) setTimeout(() => process.exit(), 5_000).unref();
}
