import { createClients } from '../../deploy-scripts/clients';
import { formatFindings, lintDeployment } from '../lint';
import { parseCommand, type CommandSpec } from './args';
import { connect, connectionHelp, connectionOptions } from './deploy';
import type { Io } from './io';

const spec = {
  name: 'lint',
  summary: 'Reads a deployed pipeline through the SDK and reports what AWS would refuse or what invites delivery bugs; exits 1 on an error finding.',
  usage: 's3-event-harness lint --endpoint URL [--bucket NAME…]',
  positionals: true,
  options: { ...connectionOptions, bucket: { type: 'string', multiple: true } },
  help: [
    ...connectionHelp.filter(([flag]) => !flag.startsWith('--prefix')),
    ['--prefix P', 'only findings about resources named P-… (one deployment; default: everything)'],
    ['--bucket NAME', 'only this bucket (repeatable; default: every bucket)'],
  ],
} as const satisfies CommandSpec;

export async function lintCommand(argv: string[], io: Io): Promise<number> {
  const args = parseCommand(argv, spec, io.out);
  if (!args) return 0;
  const { connection } = await connect(args.values);
  const clients = createClients(connection);
  try {
    const buckets = args.values.bucket as unknown as string[] | undefined;
    // --prefix given: that deployment's findings (connect's own default prefix is for deploying, not for this).
    const prefix = args.values.prefix as string | undefined;
    const findings = await lintDeployment(clients, { ...(buckets?.length ? { buckets } : {}), ...(prefix !== undefined ? { prefix } : {}) });
    io.out(formatFindings(findings));
    return findings.some((f) => f.severity === 'error') ? 1 : 0;
  } finally {
    clients.destroy();
  }
}
