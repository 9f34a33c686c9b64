import { createClients } from '../../deploy-scripts/clients';
import { deployWithReport } from '../../deploy-scripts/deploy';
import { TOPOLOGIES, checkPrefix, type Topology } from '../../deploy-scripts/pipeline';
import { teardown } from '../../deploy-scripts/teardown';
import { buildPipeline } from '../../deploy-scripts/topologies';
import { endpointBackend, isAwsTarget } from '../backends/endpoint';
import { UsageError, parseCommand, type CommandSpec } from './args';
import type { Io } from './io';
import { formatFindings, lintDeployment } from '../lint';

export const SANDBOX_PREFIX = 'seh-sandbox';
export { connectionOptions, connectionHelp };

const connectionOptions = {
  endpoint: { type: 'string' },
  prefix: { type: 'string' },
  region: { type: 'string' },
  'allow-aws': { type: 'boolean' },
} as const;
const connectionHelp: [string, string][] = [
  ['--endpoint URL', 'the services\' endpoint, e.g. http://127.0.0.1:4566 (env HARNESS_ENDPOINT); "aws" = real AWS'],
  ['--prefix P', `resource name prefix (default ${SANDBOX_PREFIX}; required on real AWS)`],
  ['--region R', 'region (default env AWS_REGION, else us-east-1)'],
  ['--allow-aws', 'permit real AWS; never the default'],
];

const deploySpec = {
  name: 'deploy',
  summary: 'Provisions a pipeline through the AWS SDK (idempotent: re-running converges) and prints its resources as JSON on stdout.',
  usage: 's3-event-harness deploy --endpoint URL [--topology direct|queue|fanout|eventbridge] [--prefix P] [--versioning]',
  options: { ...connectionOptions, topology: { type: 'string' }, versioning: { type: 'boolean' }, quiet: { type: 'boolean', short: 'q' } },
  help: [
    ...connectionHelp,
    ['--topology T', `${TOPOLOGIES.join(' | ')} (default fanout)`],
    ['--versioning', 'turn versioning on for the source bucket'],
    ['--quiet, -q', 'no progress lines on stderr'],
  ],
} as const satisfies CommandSpec;

const teardownSpec = {
  name: 'teardown',
  summary:
    'Deletes what deploy created under "<prefix>-": resources with that name prefix that carry the tag s3-event-harness:stack for it (functions with their mappings and log groups, buckets with their objects, topics with their subscriptions, queues, roles, log groups). Untagged lookalikes are left alone and listed as skipped.',
  usage: 's3-event-harness teardown --endpoint URL [--prefix P]',
  options: { ...connectionOptions },
  help: connectionHelp,
} as const satisfies CommandSpec;

export async function connect(values: Record<string, unknown>) {
  const url = (values.endpoint as string | undefined) ?? process.env.HARNESS_ENDPOINT;
  const aws = isAwsTarget(url);
  const prefix = (values.prefix as string | undefined) ?? (aws ? undefined : SANDBOX_PREFIX);
  const backend = endpointBackend({
    ...(url !== undefined ? { url } : {}),
    allowAws: Boolean(values['allow-aws']),
    ...(prefix ? { prefix } : {}),
    ...(values.region ? { region: values.region as string } : {}),
  });
  const connection = await backend.start();
  return { connection, prefix: checkPrefix(prefix!) };
}

export async function deployCommand(argv: string[], io: Io): Promise<number> {
  const args = parseCommand(argv, deploySpec, io.out);
  if (!args) return 0;
  const topology = ((args.values.topology as string | undefined) ?? 'fanout') as Topology;
  if (!TOPOLOGIES.includes(topology)) throw new UsageError(`deploy: unknown topology "${topology}" (one of ${TOPOLOGIES.join(', ')})`);
  const { connection, prefix } = await connect(args.values);
  if (!args.values.quiet) io.err(`deploying ${topology} pipeline "${prefix}" to ${connection.description}`);
  const clients = createClients(connection);
  try {
    const pipeline = buildPipeline(topology, {
      prefix,
      versioning: Boolean(args.values.versioning),
      // The queues' visibility timeout is left to the topology's default, the one AWS recommends (the lint
      // below checks it); the scenario runner sets shorter ones on purpose, so that retries come sooner.
      functionTimeoutSeconds: connection.timing.functionTimeoutSeconds,
    });
    const { resources, actions } = await deployWithReport(clients, pipeline, { log: args.values.quiet ? undefined : (line) => io.err(`  ${line}`) });
    if (!args.values.quiet) io.err(actions.length ? `${actions.length} changes` : 'already up to date');
    // Deploy runs the lint too: what it finds is printed, and does not undo the deploy.
    // About this deployment only: mappings and rules are read account-wide, and a sandbox may hold other pipelines.
    const findings = await lintDeployment(clients, { buckets: Object.values(resources.buckets).map((b) => b.name), prefix });
    if (!args.values.quiet || findings.length) io.err(formatFindings(findings));
    io.out(JSON.stringify(resources, null, 2));
    return 0;
  } finally {
    clients.destroy();
  }
}

export async function teardownCommand(argv: string[], io: Io): Promise<number> {
  const args = parseCommand(argv, teardownSpec, io.out);
  if (!args) return 0;
  const { connection, prefix } = await connect(args.values);
  io.err(`tearing down "${prefix}-*" tagged s3-event-harness:stack=${prefix}[-…] on ${connection.description}`);
  const clients = createClients(connection);
  try {
    const report = await teardown(clients, prefix, { log: (line) => io.err(`  ${line}`) });
    io.err(`${report.deleted.length} deleted, ${report.skipped.length} skipped (not the harness's), ${report.errors.length} errors`);
    io.out(JSON.stringify(report, null, 2));
    return report.errors.length ? 1 : 0;
  } finally {
    clients.destroy();
  }
}

export { deploySpec, teardownSpec };
