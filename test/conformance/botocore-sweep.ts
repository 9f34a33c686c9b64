/**
 * The botocore sweep: every operation every service implements, a few well-typed inputs each (the well-typed
 * fuzzer's generators, mostly plausible values naming seeded resources), sent through boto3 by
 * botocore-sweep.py. It reports the answers botocore cannot read: any exception other than a modeled error
 * (ClientError) or a refused input (ParamValidationError) once the request went out, and successful answers of
 * which botocore lost a text value its model names ('lossy').
 *
 * Run alone: node bin/run-ts.js test/conformance/botocore-sweep.ts [casesPerOperation] [python...]
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import fc from 'fast-check';
import * as s3 from '@aws-sdk/client-s3';
import * as sqs from '@aws-sdk/client-sqs';
import * as sns from '@aws-sdk/client-sns';
import * as lambda from '@aws-sdk/client-lambda';
import * as events from '@aws-sdk/client-eventbridge';
import * as cw from '@aws-sdk/client-cloudwatch';
import * as logs from '@aws-sdk/client-cloudwatch-logs';
import * as iam from '@aws-sdk/client-iam';
import * as sts from '@aws-sdk/client-sts';
import * as secrets from '@aws-sdk/client-secrets-manager';
import * as ssm from '@aws-sdk/client-ssm';
import * as scheduler from '@aws-sdk/client-scheduler';
import * as pipes from '@aws-sdk/client-pipes';
import { startEmulator, type RunningEmulator } from '../../emulator';
import { loadServiceModel } from '../../emulator/protocols/model';
import { enumIndex, operationInputs } from '../fuzz/well-typed-inputs';
import { seedWellTyped } from '../fuzz/well-typed-setup';

export const SWEPT_SERVICES: [string, Record<string, any>][] = [
  ['s3', s3], ['sqs', sqs], ['sns', sns], ['lambda', lambda], ['events', events], ['monitoring', cw],
  ['logs', logs], ['iam', iam], ['sts', sts], ['secretsmanager', secrets], ['ssm', ssm], ['scheduler', scheduler], ['pipes', pipes],
];

export interface SweepResult {
  service: string;
  operation: string;
  outcome: 'ok' | 'lossy' | 'client-error' | 'invalid' | 'unknown-operation' | 'connection' | 'finding' | 'not-sent' | 'skipped';
  detail?: string;
  params?: unknown;
}
export interface SweepReport {
  python: string;
  boto3: string;
  botocore: string;
  results: SweepResult[];
}

const hash = (s: string) => [...s].reduce((h, c) => (Math.imul(h, 31) + c.charCodeAt(0)) | 0, 7);

/** JSON for Python: timestamps and blobs tagged, so the script hands botocore datetimes and bytes. */
function encode(v: unknown): unknown {
  if (v instanceof Date) return { $ts: Number.isNaN(v.getTime()) ? 'NaN' : v.toISOString() };
  if (v instanceof Uint8Array) return { $b64: Buffer.from(v).toString('base64') };
  if (Array.isArray(v)) return v.map(encode);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined).map(([k, x]) => [k, encode(x)]));
  return v;
}

/** The cases for one emulator (whose seeded resources they name): deletions last, as the fuzzer orders them. */
export async function sweepCases(emu: RunningEmulator, casesPerOperation: number, seed = 2026) {
  const { targets } = await seedWellTyped(emu);
  const cases: { service: string; operation: string; params: unknown }[] = [];
  for (const [service, sdk] of SWEPT_SERVICES) {
    const model = loadServiceModel(sdk);
    const provider = (emu.providers as Record<string, any>)[service] ?? {};
    const ctx = { enums: enumIndex(sdk), resources: targets };
    const order = (name: string) => `${/^(Delete|Purge|Remove|Deregister|Disable)/.test(name) ? 1 : 0}${name}`;
    const ops = [...model.operations.values()].filter((op) => typeof provider[op.name] === 'function').sort((a, b) => order(a.name).localeCompare(order(b.name)));
    for (const op of ops) {
      // The empty input first: the simplest answer (a listing, a describe) is the likeliest to succeed.
      const inputs = [{}, ...fc.sample(operationInputs(op.input, ctx), { seed: seed ^ hash(`${service}.${op.name}`), numRuns: casesPerOperation })];
      for (const input of inputs) cases.push({ service, operation: op.name, params: encode(input) });
    }
  }
  return cases;
}

export function runPython(python: string, endpoint: string, cases: unknown[], timeoutMs = 300_000): Promise<SweepReport> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      python,
      [path.join(__dirname, 'botocore-sweep.py')],
      { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, env: { PATH: process.env.PATH, HOME: process.env.HOME, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_EC2_METADATA_DISABLED: 'true' } },
      (err, stdout, stderr) => {
        if (err) return reject(new Error(`${python} botocore-sweep.py: ${err.message}\n${stderr}`));
        resolve({ python, ...JSON.parse(stdout) });
      },
    );
    child.stdin!.end(JSON.stringify({ endpoint, cases }));
  });
}

/** Per service: operations swept, and how the cases ended. */
export function summarize(report: SweepReport): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  const ops: Record<string, Set<string>> = {};
  for (const r of report.results) {
    const s = (out[r.service] ??= {});
    s[r.outcome] = (s[r.outcome] ?? 0) + 1;
    if (r.outcome !== 'unknown-operation' && r.outcome !== 'skipped') (ops[r.service] ??= new Set()).add(r.operation);
  }
  for (const [svc, s] of Object.entries(out)) s.operations = ops[svc]?.size ?? 0;
  return out;
}

/** Findings grouped by operation and exception (one example input each). */
export function findings(report: SweepReport) {
  const seen = new Map<string, SweepResult & { count: number }>();
  for (const r of report.results.filter((x) => x.outcome === 'finding' || x.outcome === 'lossy')) {
    const key = `${r.service}.${r.operation} ${r.outcome} ${r.detail?.split(":")[0]}`;
    const f = seen.get(key);
    if (f) f.count++;
    else seen.set(key, { ...r, count: 1 });
  }
  return [...seen.values()];
}

if (/botocore-sweep\.ts$/.test(process.argv[1] ?? "")) {
  (async () => {
    const n = Number(process.argv[2] ?? 3);
    const pythons = process.argv.slice(3).length ? process.argv.slice(3) : ['python3', '/usr/bin/python3'];
    for (const python of pythons) {
      const emu = await startEmulator({ port: 0, log: () => {} } as any);
      try {
        const started = Date.now();
        const report = await runPython(python, emu.endpoint, await sweepCases(emu, n));
        console.log(`== ${python}: boto3 ${report.boto3} botocore ${report.botocore}, ${report.results.length} cases in ${Date.now() - started} ms`);
        console.log(JSON.stringify(summarize(report)));
        for (const f of findings(report)) console.log(`FINDING ${f.service}.${f.operation} x${f.count}: ${f.detail}\n  params: ${JSON.stringify(f.params).slice(0, 400)}`);
        for (const c of report.results.filter((r) => r.outcome === 'connection' || r.outcome === 'not-sent')) console.log(`${c.outcome} ${c.service}.${c.operation}: ${c.detail}${c.params ? ` longest value ${Math.max(...JSON.stringify(c.params).split(/[",]/).map((x) => x.length))} chars` : ''}`);
      } finally {
        await emu.stop();
      }
    }
  })().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
