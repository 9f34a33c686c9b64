import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startEmulator } from '../../emulator';
import { CLIENTS, skipBecause } from '../helpers/cli';
import { findings, runPython, summarize, sweepCases } from './botocore-sweep';

/*
 * Every operation every service implements, through boto3 (python3 on PATH: 1.43, SQS JSON and CloudWatch CBOR;
 * Debian's /usr/bin/python3: 1.26, SQS and CloudWatch over Query): the empty input and a few well-typed ones each.
 * botocore must read every answer: a modeled error or a refused input is fine, any other exception once the request
 * went out is a response shape it cannot parse (the sweep found XML error answers echoing characters XML 1.0
 * forbids; before it, SNS TagResource without <TagResourceResult/>). A successful answer must also lose nothing:
 * every text value of the raw XML/JSON body under a name the client's model knows is somewhere in what botocore
 * returned (a list read as empty, a member under the wrong element name, would not be). Each Python gets its own emulator, so the
 * deletions of one run leave the other's seeded resources alone.
 */
const run = promisify(execFile);
const CASES_PER_OPERATION = 3;

const pythons = [
  { label: 'python3 on PATH (boto3 1.43)', exe: 'python3' },
  { label: "Debian's python3 (boto3 1.26)", exe: CLIENTS.debianPython },
];

it.each(pythons)('botocore reads every answer: $label', async ({ exe }) => {
  try {
    await run(exe, ['-c', 'import boto3'], { timeout: 30_000 });
  } catch {
    return skipBecause(`${exe} has no boto3`);
  }
  const emu = await startEmulator({ port: 0, log: () => {} });
  try {
    const report = await runPython(exe, emu.endpoint, await sweepCases(emu, CASES_PER_OPERATION), 50_000);
    const summary = summarize(report);
    process.stdout.write(`[botocore sweep] ${exe}: boto3 ${report.boto3}, ${report.results.length} cases ${JSON.stringify(summary)}\n`);
    // Every service was reached, and most operations answered something botocore read (a result or a modeled error).
    for (const service of ['s3', 'sqs', 'sns', 'lambda', 'events', 'monitoring', 'logs', 'iam', 'sts', 'secretsmanager', 'ssm']) {
      expect(summary[service]?.operations).toBeGreaterThan(0);
      expect((summary[service]!.ok ?? 0) + (summary[service]!['client-error'] ?? 0)).toBeGreaterThan(0);
    }
    expect(findings(report).map((f) => `${f.service}.${f.operation}: ${f.detail} (params ${JSON.stringify(f.params).slice(0, 300)})`)).toEqual([]);
  } finally {
    await emu.stop();
  }
}, 90_000);
