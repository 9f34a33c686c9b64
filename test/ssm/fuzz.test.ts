import * as ssmSdk from '@aws-sdk/client-ssm';
import fc from 'fast-check';
import { startEmulator, type RunningEmulator } from '../../emulator';
import { loadServiceModel, memberEntries } from '../../emulator/protocols/model';
import { send } from '../fuzz/fuzz';
import type { FuzzRequest } from '../fuzz/generators';

// Every SSM operation with members of the wrong type and with random or mangled bodies: a 4xx (or 501 for the
// operations outside Parameter Store), never a 5xx; and what was stored stays readable. (test/fuzz covers the
// services it lists; SSM is exercised here the same way.)

const auth = 'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/ssm/aws4_request, SignedHeaders=host, Signature=00';
const headers = (op: string) => ({ 'x-amz-target': `AmazonSSM.${op}`, 'content-type': 'application/x-amz-json-1.1', authorization: auth });
const WRONG: unknown[] = [123, -1, 1e300, 'x', '', true, [], [1, 'a'], {}, { a: 1 }, null, 'a'.repeat(9000), '/aws/x', '/a//b'];
const PARAMETER_OPS = [
  'PutParameter', 'GetParameter', 'GetParameters', 'GetParametersByPath', 'GetParameterHistory', 'DeleteParameter', 'DeleteParameters',
  'DescribeParameters', 'LabelParameterVersion', 'UnlabelParameterVersion', 'AddTagsToResource', 'RemoveTagsFromResource', 'ListTagsForResource',
];

let emu: RunningEmulator;
beforeAll(async () => {
  emu = await startEmulator({ port: 0, log: () => undefined });
  const seed = [
    { Name: '/fz/a', Value: 'v', Type: 'String', Tags: [{ Key: 'k', Value: 'v' }] },
    { Name: '/fz/b/c', Value: 's', Type: 'SecureString' },
  ];
  for (const body of seed) await send(emu.endpoint, { method: 'POST', path: '/', headers: headers('PutParameter'), body: Buffer.from(JSON.stringify(body)) });
});
afterAll(() => emu.stop());

it('every operation, members of the wrong type: 4xx or 501, never another 5xx', async () => {
  const failures: string[] = [];
  for (const [name, op] of loadServiceModel(ssmSdk).operations) {
    const members = memberEntries(op.input).map(([m]) => m);
    for (const w of WRONG) {
      for (const body of [Object.fromEntries(members.map((m) => [m, w])), ...members.map((m) => ({ [m]: w }))]) {
        const res = await send(emu.endpoint, { method: 'POST', path: '/', headers: headers(name), body: Buffer.from(JSON.stringify(body)) });
        if (res.status >= 500 && res.status !== 501) failures.push(`${name} ${JSON.stringify(body).slice(0, 80)} → ${res.status} ${res.body.slice(0, 120)}`);
      }
    }
  }
  expect(failures).toEqual([]);
  const read = await send(emu.endpoint, { method: 'POST', path: '/', headers: headers('DescribeParameters'), body: Buffer.from('{}') });
  expect(read.status).toBe(200);
  const byPath = await send(emu.endpoint, { method: 'POST', path: '/', headers: headers('GetParametersByPath'), body: Buffer.from('{"Path":"/","Recursive":true}') });
  expect(byPath.status).toBe(200);
});

const VALID = [
  '{"Name":"/fz/new","Value":"x","Type":"StringList","Overwrite":true,"AllowedPattern":"^x$","Tier":"Intelligent-Tiering","Policies":"[{\\"Type\\":\\"Expiration\\"}]"}',
  '{"Name":"/fz/a:1"}',
  '{"Names":["/fz/a","/fz/a:lbl","/fz/zz"]}',
  '{"Path":"/fz","Recursive":true,"MaxResults":2,"NextToken":"c3NtLXBhZ2U6L2Z6L2E","ParameterFilters":[{"Key":"Label","Values":["lbl"]}]}',
  '{"ParameterFilters":[{"Key":"tag:k","Option":"BeginsWith","Values":["v"]},{"Key":"Path","Option":"OneLevel","Values":["/fz/"]}]}',
  '{"Name":"/fz/a","ParameterVersion":1,"Labels":["lbl","aws","9"]}',
  '{"ResourceType":"Parameter","ResourceId":"/fz/a","Tags":[{"Key":"x","Value":"y"}],"TagKeys":["k"]}',
];
const fuzzed: fc.Arbitrary<FuzzRequest> = fc
  .record({
    op: fc.constantFrom(...PARAMETER_OPS),
    body: fc.oneof(
      fc.constantFrom(...VALID).chain((valid) =>
        fc.oneof(
          fc.constant(Buffer.from(valid)),
          fc.nat({ max: valid.length - 1 }).map((i) => Buffer.from(valid.slice(0, i))),
          fc.tuple(fc.nat({ max: valid.length - 1 }), fc.integer({ min: 0, max: 255 })).map(([i, byte]) => {
            const b = Buffer.from(valid);
            b[i] = byte;
            return b;
          }),
        ),
      ),
      fc.jsonValue({ maxDepth: 3 }).map((v) => Buffer.from(JSON.stringify(v))),
    ),
  })
  .map(({ op, body }) => ({ method: 'POST', path: '/', headers: headers(op), body }));

it('random and mangled Parameter Store requests never answer 5xx, and change nothing when they fail', async () => {
  const digest = () => String(emu.providers.ssm!.digest());
  const statuses: Record<number, number> = {};
  await fc.assert(
    fc.asyncProperty(fuzzed, async (req) => {
      const before = digest();
      const res = await send(emu.endpoint, req);
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      if (res.status >= 500) throw new Error(`${res.status} for ${req.headers['x-amz-target']} ${req.body}: ${res.body.slice(0, 300)}`);
      if (res.status >= 400 && digest() !== before) throw new Error(`a failed ${req.headers['x-amz-target']} changed stored state: ${req.body}\n${res.body.slice(0, 300)}`);
    }),
    { numRuns: 300, seed: 20261206, endOnFailure: true },
  );
  // Some requests must get through, or this proves little.
  expect(statuses[200]).toBeGreaterThan(10);
});
