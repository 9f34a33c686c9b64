import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A command's flags, parsed with node:util parseArgs; `--help` on every command. */
export interface CommandSpec {
  name: string;
  summary: string;
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  /** Help lines, one per option: [flag text, description]. */
  help: [string, string][];
  positionals?: boolean;
}

export class UsageError extends Error {
  override name = 'UsageError';
}

export interface Parsed {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/** Parses argv, or returns undefined after printing help (when --help was given). Bad flags throw UsageError. */
export function parseCommand(argv: string[], spec: CommandSpec, out: (text: string) => void): Parsed | undefined {
  if (argv.includes('--help') || argv.includes('-h')) {
    out(helpText(spec));
    return undefined;
  }
  try {
    const parsed = parseArgs({ args: argv, options: spec.options, allowPositionals: true, strict: true });
    if (!spec.positionals && parsed.positionals.length) throw new Error(`unexpected argument "${parsed.positionals[0]}"`);
    return { values: parsed.values as Parsed['values'], positionals: parsed.positionals };
  } catch (e) {
    throw new UsageError(`${spec.name}: ${(e as Error).message}\nusage: ${spec.usage} (see s3-event-harness ${spec.name} --help)`);
  }
}

export function helpText(spec: CommandSpec): string {
  const width = Math.max(...spec.help.map(([flag]) => flag.length), 10);
  return [
    `usage: ${spec.usage}`,
    '',
    spec.summary,
    '',
    'options:',
    ...spec.help.map(([flag, text]) => `  ${flag.padEnd(width)}  ${text}`),
    `  ${'--help'.padEnd(width)}  show this help`,
    '',
  ].join('\n');
}

/** A numeric flag, checked. */
export function numberFlag(value: string | undefined, name: string, check: (n: number) => boolean = Number.isFinite): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !check(n)) throw new UsageError(`--${name}: not a valid value: ${JSON.stringify(value)}`);
  return n;
}
