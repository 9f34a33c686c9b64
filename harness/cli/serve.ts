import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DataDirInUseError, startEmulator, type RunningEmulator } from '../../emulator';
import { createClients } from '../../deploy-scripts/clients';
import { deploy } from '../../deploy-scripts/deploy';
import { TOPOLOGIES, checkPrefix, type Resources, type Topology } from '../../deploy-scripts/pipeline';
import { buildPipeline } from '../../deploy-scripts/topologies';
import { UsageError, numberFlag, parseCommand, type CommandSpec } from './args';
import { SANDBOX_PREFIX } from './deploy';
import type { Io } from './io';

const spec = {
  name: 'serve',
  summary:
    'Runs the embedded emulator (S3, SQS, SNS, Lambda, Logs… on one port) until SIGINT/SIGTERM. Prints "ready <endpoint-url>" on stdout once it accepts requests.',
  usage: 's3-event-harness serve [--host H] [--port P] [--deploy [direct|queue|fanout|eventbridge]] [--time-scale X] [--data-dir D]',
  options: {
    host: { type: 'string' },
    port: { type: 'string' },
    deploy: { type: 'string' },
    prefix: { type: 'string' },
    versioning: { type: 'boolean' },
    'time-scale': { type: 'string' },
    'virtual-time': { type: 'boolean' },
    faults: { type: 'string' },
    seed: { type: 'string' },
    'data-dir': { type: 'string' },
    region: { type: 'string' },
    strict: { type: 'boolean' },
    'verify-signatures': { type: 'boolean' },
    credentials: { type: 'string' },
    'sqs-max-message-size': { type: 'string' },
    'sqs-delay-recently-deleted': { type: 'boolean' },
    python: { type: 'string' },
  },
  help: [
    ['--host H', 'address to bind (default 127.0.0.1; 0.0.0.0 exposes it to the network — warned about)'],
    ['--port P', 'port (default 4566; 0 picks a free one)'],
    ['--deploy [T]', `provision a sandbox pipeline (${TOPOLOGIES.join(' | ')}; default fanout) and print how to use it`],
    ['--prefix P', `sandbox resource prefix (default ${SANDBOX_PREFIX})`],
    ['--versioning', 'sandbox source bucket with versioning on'],
    ['--time-scale X', 'emulated durations × X in real time (default 1; 0.1 = retries 10× sooner)'],
    ['--virtual-time', 'time jumps ahead whenever nothing is happening'],
    ['--faults SPEC', 'emulator fault injection, e.g. duplicate=0.1,delay=0..5s (see emulator/core/faults.ts)'],
    ['--seed N', 'seed for fault injection and generated ids'],
    ['--data-dir D', 'keep emulator state in D across restarts (survives kill -9); also writes the endpoint and resources.json there'],
    ['--region R', 'default region for requests that do not name one (default us-east-1)'],
    ['--strict', 'refuse what AWS refuses for missing resource policies (e.g. S3 → SQS without a queue policy)'],
    ['--verify-signatures', 'check SigV4 signatures (keys from --credentials, default test:test)'],
    ['--credentials K:S,…', 'access key id:secret pairs accepted with --verify-signatures'],
    ['--sqs-max-message-size N', 'largest SQS message in bytes (default 1048576)'],
    ['--sqs-delay-recently-deleted', 'refuse a deleted queue\'s name for 60 s (QueueDeletedRecently), as AWS does'],
    ['--python PATH', 'python interpreter for python3.x functions (default python3 on PATH)'],
  ],
} as const satisfies CommandSpec;

/** `--deploy` may stand alone (default topology) or take one: parseArgs has no optional values. */
export function normalizeDeployFlag(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--deploy') {
      const next = argv[i + 1];
      if (next !== undefined && (TOPOLOGIES as readonly string[]).includes(next)) {
        out.push(`--deploy=${next}`);
        i++;
      } else {
        out.push('--deploy=fanout');
      }
    } else out.push(a);
  }
  return out;
}

/** `AKID:secret,AKID2:secret2` → { AKID: 'secret', … }. */
function parseCredentials(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of text.split(',').filter(Boolean)) {
    const i = pair.indexOf(':');
    if (i <= 0) throw new UsageError(`serve: --credentials takes ACCESS_KEY_ID:SECRET pairs, got ${JSON.stringify(pair)}`);
    out[pair.slice(0, i)] = pair.slice(i + 1);
  }
  return out;
}

export interface ServeHandle {
  emulator: RunningEmulator;
  resources?: Resources;
  /** Resolves when a signal stopped the server. */
  stopped: Promise<void>;
}

export async function serveCommand(argv: string[], io: Io, signals: NodeJS.EventEmitter = process): Promise<number> {
  const args = parseCommand(normalizeDeployFlag(argv), spec, io.out);
  if (!args) return 0;
  const v = args.values;
  const host = (v.host as string | undefined) ?? '127.0.0.1';
  const port = numberFlag(v.port as string | undefined, 'port', (n) => Number.isInteger(n) && n >= 0 && n <= 65535) ?? 4566;
  const timeScale = numberFlag(v['time-scale'] as string | undefined, 'time-scale', (n) => n > 0);
  const seed = numberFlag(v.seed as string | undefined, 'seed', (n) => Number.isInteger(n) && n >= 0);
  const topology = v.deploy as Topology | undefined;
  if (topology !== undefined && !TOPOLOGIES.includes(topology)) throw new UsageError(`serve: unknown topology "${topology}" (one of ${TOPOLOGIES.join(', ')})`);
  if (host === '0.0.0.0' || host === '::') {
    io.err(`warning: binding ${host} exposes the emulator to every network this machine is on; it has no authentication and runs code it is given`);
  }

  let emulator: RunningEmulator;
  try {
    emulator = await startEmulator({
      host,
      port,
      ...(timeScale !== undefined ? { timeScale } : {}),
      ...(v['virtual-time'] ? { virtualTime: true } : {}),
      ...(v.faults ? { faults: v.faults as string } : {}),
      ...(seed !== undefined ? { seed } : {}),
      ...(v.region ? { region: v.region as string } : {}),
      ...(v.strict ? { strict: true } : {}),
      ...(v['verify-signatures'] ? { verifySignatures: true } : {}),
      ...(v.credentials ? { credentials: parseCredentials(v.credentials as string) } : {}),
      ...(v['sqs-max-message-size'] ? { sqsMaxMessageSize: numberFlag(v['sqs-max-message-size'] as string, 'sqs-max-message-size', (n) => Number.isInteger(n) && n >= 1024) } : {}),
      ...(v['sqs-delay-recently-deleted'] ? { sqsDelayRecentlyDeleted: true } : {}),
      ...(v.python ? { pythonPath: v.python as string } : {}),
      ...(v['data-dir'] ? { dataDir: path.resolve(v['data-dir'] as string) } : {}),
      log: io.err,
    });
  } catch (e) {
    if (e instanceof DataDirInUseError) {
      io.err(`serve: ${e.message}`);
      return 1;
    }
    throw e;
  }
  const stopped = new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      io.err(`${signal}: stopping`);
      emulator.stop().then(resolve, (e) => {
        io.err(`error while stopping: ${(e as Error).message}`);
        resolve();
      });
    };
    signals.once('SIGINT', () => stop('SIGINT'));
    signals.once('SIGTERM', () => stop('SIGTERM'));
  });

  let resources: Resources | undefined;
  if (topology) {
    const prefix = checkPrefix((v.prefix as string | undefined) ?? SANDBOX_PREFIX);
    const clients = createClients({ endpoint: emulator.endpoint, region: emulator.region, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    try {
      io.err(`deploying ${topology} sandbox "${prefix}"…`);
      resources = await deploy(clients, buildPipeline(topology, { prefix, versioning: Boolean(v.versioning) }));
    } catch (e) {
      io.err(`deploy failed: ${(e as Error).message}`);
      await emulator.stop();
      return 1;
    } finally {
      clients.destroy();
    }
    io.out(sandboxInstructions(emulator.endpoint, resources));
  }
  if (v['data-dir']) {
    const dir = path.resolve(v['data-dir'] as string);
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'endpoint'), `${emulator.endpoint}\n`);
    if (resources) await writeFile(path.join(dir, 'resources.json'), `${JSON.stringify(resources, null, 2)}\n`);
    io.err(`state is kept in ${dir} across restarts; wrote ${path.join(dir, 'endpoint')}${resources ? ' and resources.json' : ''}`);
  }
  io.out(`ready ${emulator.endpoint}`);
  await stopped;
  return 0;
}

export function sandboxInstructions(endpoint: string, r: Resources): string {
  const aws = `aws --endpoint-url ${endpoint}`;
  const alertsProbe = r.alertTopic ? r.queues[r.probes[r.alertTopic]!] : undefined;
  const logGroups = Object.values(r.functions).map((f) => f.logGroup);
  return [
    `sandbox "${r.prefix}" (${r.topology}) is deployed. Any credentials work, e.g.`,
    `  export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=${r.region}`,
    `upload a file (only data/*.csv and data/*.json are processed):`,
    `  ${aws} s3 cp file.csv s3://${r.sourceBucket}/data/`,
    `reports appear under reports/:`,
    ...Object.entries(r.buckets).map(([id, b]) => `  ${aws} s3 ls s3://${b.name}/reports/ --recursive${id === 'data' ? '' : `   (${id} copy)`}`),
    // What the notification path carried, where a probe listens to it (fan-out's topic, eventbridge's rule).
    ...Object.entries(r.probes)
      .filter(([source]) => source !== r.alertTopic)
      .flatMap(([source, queue]) => [
        `what ${r.rules?.[source] ? `rule ${r.rules[source]!.name} matched` : `topic ${r.topics[source]?.name ?? source} delivered`} (a copy, in its probe queue):`,
        `  ${aws} sqs receive-message --queue-url ${r.queues[queue]!.url} --max-number-of-messages 10`,
      ]),
    ...(alertsProbe
      ? [`alerts (failures that reached a DLQ) are delivered to SNS ${r.topics[r.alertTopic!]!.arn}; read them from its probe queue:`, `  ${aws} sqs receive-message --queue-url ${alertsProbe.url} --max-number-of-messages 10`]
      : []),
    `function logs (AWS CLI v2 also has \`logs tail\`):`,
    ...logGroups.map((group) => `  ${aws} logs filter-log-events --log-group-name ${group} --query 'events[].message' --output text`),
  ].join('\n');
}
