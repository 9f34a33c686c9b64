import * as sqsSdk from '@aws-sdk/client-sqs';
import * as logsSdk from '@aws-sdk/client-cloudwatch-logs';
import * as secretsSdk from '@aws-sdk/client-secrets-manager';
import * as eventsSdk from '@aws-sdk/client-eventbridge';
import * as cloudwatchSdk from '@aws-sdk/client-cloudwatch';
import * as iamSdk from '@aws-sdk/client-iam';
import * as stsSdk from '@aws-sdk/client-sts';
import * as snsSdk from '@aws-sdk/client-sns';
import { CborShapeSerializer } from '@smithy/core/cbor';
import { startEmulator, type RunningEmulator } from '../../emulator';
import { loadServiceModel, memberEntries } from '../../emulator/protocols/model';
import { send } from './fuzz';
import { seedFuzzResources } from './setup';

// Every operation of every JSON and Query service, given members of the wrong type (all at once, and one at a
// time): the answer is a 4xx in the protocol's shape, never a 5xx, and nothing stored is left unreadable.
// The SDK's deserializers pass wrong JSON types straight through, so this is the codecs' job (shape-check.ts).

const auth = (service: string) => `AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=00`;
const WRONG_JSON: unknown[] = [123, -1, 1e300, 'x', '', true, [], [1, 'a'], {}, { a: 1 }, null];
const WRONG_FORM = ['123', '-1', '1e300', 'x', '', 'true', 'not-a-date', '😀'];

type Sdk = Record<string, unknown>;
const JSON_SERVICES: [string, Sdk, '1.0' | '1.1'][] = [
  ['sqs', sqsSdk, '1.0'],
  ['logs', logsSdk, '1.1'],
  ['secretsmanager', secretsSdk, '1.1'],
  ['events', eventsSdk, '1.1'],
  ['monitoring', cloudwatchSdk, '1.0'],
];
const QUERY_SERVICES: [string, Sdk][] = [
  ['iam', iamSdk],
  ['sts', stsSdk],
  ['sns', snsSdk],
  ['sqs', sqsSdk],
  ['monitoring', cloudwatchSdk],
];

/** All members set to `w`, then each member alone set to `w`. */
function confused<T>(members: string[], w: T): Record<string, T>[] {
  return [Object.fromEntries(members.map((m) => [m, w])), ...members.map((m) => ({ [m]: w }))];
}

let emu: RunningEmulator;
beforeAll(async () => {
  emu = await startEmulator({ port: 0, log: () => undefined });
  await seedFuzzResources(emu);
});
afterAll(() => emu.stop());

async function serverErrors(requests: { label: string; headers: Record<string, string>; body: Buffer; path?: string }[]): Promise<string[]> {
  const failures: string[] = [];
  for (const r of requests) {
    const res = await send(emu.endpoint, { method: 'POST', path: r.path ?? '/', headers: r.headers, body: r.body });
    if (res.status >= 500 && res.status !== 501) failures.push(`${r.label} → ${res.status} ${res.body.slice(0, 120)}`);
  }
  return failures;
}

describe.each(JSON_SERVICES)('AWS JSON %s: members of the wrong type', (service, sdk, version) => {
  it('are refused with a 4xx, never a 5xx', async () => {
    const requests = [...loadServiceModel(sdk).operations].flatMap(([name, op]) => {
      const members = memberEntries(op.input).map(([m]) => m);
      return WRONG_JSON.flatMap((w) =>
        confused(members, w).map((body) => ({
          label: `${name} ${JSON.stringify(body).slice(0, 80)}`,
          headers: { 'x-amz-target': `Target.${name}`, 'content-type': `application/x-amz-json-${version}`, authorization: auth(service) },
          body: Buffer.from(JSON.stringify(body)),
        })),
      );
    });
    expect(requests.length).toBeGreaterThan(100);
    expect(await serverErrors(requests)).toEqual([]);
  });
});

describe.each(QUERY_SERVICES)('Query %s: odd values in every parameter', (service, sdk) => {
  it('are refused with a 4xx, never a 5xx', async () => {
    const requests = [...loadServiceModel(sdk).operations].flatMap(([name, op]) => {
      const members = memberEntries(op.input).map(([m]) => m);
      return WRONG_FORM.flatMap((w) =>
        [...confused(members, w), Object.fromEntries(members.flatMap((m) => [[`${m}.member.1`, w], [`${m}.entry.1.key`, w]]))].map((params) => {
          const form = new URLSearchParams({ Action: name, Version: 'x', ...params }).toString();
          return { label: form.slice(0, 100), headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: auth(service) }, body: Buffer.from(form) };
        }),
      );
    });
    expect(await serverErrors(requests)).toEqual([]);
  });
});

describe('RPC v2 CBOR (CloudWatch): members of the wrong type', () => {
  it('are refused with a 4xx, never a 5xx', async () => {
    const requests = [...loadServiceModel(cloudwatchSdk).operations].flatMap(([name, op]) => {
      const members = memberEntries(op.input).map(([m]) => m);
      return WRONG_JSON.flatMap((w) =>
        confused(members, w).map((body) => {
          const ser = new CborShapeSerializer();
          ser.write(15, body);
          return {
            label: `${name} ${JSON.stringify(body).slice(0, 80)}`,
            path: `/service/GraniteServiceVersion20100801/operation/${name}`,
            headers: { 'smithy-protocol': 'rpc-v2-cbor', 'content-type': 'application/cbor', authorization: auth('monitoring') },
            body: Buffer.from(ser.flush()),
          };
        }),
      );
    });
    expect(await serverErrors(requests)).toEqual([]);
  });
});

describe('after all of the above', () => {
  it('every list operation still answers 200: nothing of the wrong type was stored', async () => {
    const reads: [string, string, string][] = [
      ['logs', 'Logs_20140328.DescribeLogGroups', '1.1'],
      ['events', 'AWSEvents.ListRules', '1.1'],
      ['events', 'AWSEvents.ListArchives', '1.1'],
      ['events', 'AWSEvents.ListEventBuses', '1.1'],
      ['monitoring', 'GraniteServiceVersion20100801.ListMetrics', '1.0'],
      ['monitoring', 'GraniteServiceVersion20100801.DescribeAlarms', '1.0'],
      ['sqs', 'AmazonSQS.ListQueues', '1.0'],
    ];
    for (const [service, target, version] of reads) {
      const res = await send(emu.endpoint, {
        method: 'POST',
        path: '/',
        headers: { 'x-amz-target': target, 'content-type': `application/x-amz-json-${version}`, authorization: auth(service) },
        body: Buffer.from('{}'),
      });
      expect({ target, status: res.status }).toEqual({ target, status: 200 });
    }
  });
});
