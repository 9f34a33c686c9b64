import * as snsSdk from '@aws-sdk/client-sns';
import * as sqsSdk from '@aws-sdk/client-sqs';
import * as iamSdk from '@aws-sdk/client-iam';
import * as stsSdk from '@aws-sdk/client-sts';
import * as cloudwatchSdk from '@aws-sdk/client-cloudwatch';
import { XmlShapeSerializer } from '@aws-sdk/core/protocols';
import { NormalizedSchema } from '@smithy/core/schema';
import { loadServiceModel } from '../../emulator/protocols/model';
import { flatStringPlan, writeFlatStrings } from '../../emulator/protocols/flat-xml';
import { unwrapRoot } from '../../emulator/protocols/xml';

/** What the SDK's serializer writes inside the root, as the Query codec used it before the fast path. */
function sdkInner(namespace: string, schema: unknown, value: Record<string, unknown>): string {
  const ser = new XmlShapeSerializer({ serviceNamespace: namespace, xmlNamespace: 'https://example.com/doc/', timestampFormat: { useTrait: true, default: 5 } });
  ser.write(schema as any, value);
  return unwrapRoot(String(ser.flush()));
}

const TRICKY = 'a&b<c>d"e\'f\r\ng\u0085h\u2028i é ✓ ]]>';

describe('flat string outputs (Query fast path)', () => {
  const models = [snsSdk, sqsSdk, iamSdk, stsSdk, cloudwatchSdk].map((sdk) => loadServiceModel(sdk as Record<string, unknown>));

  test('is used for the common small answers', () => {
    const sns = models[0]!;
    const sqs = models[1]!;
    for (const name of ['Publish', 'CreateTopic', 'Subscribe']) expect(flatStringPlan(sns.operations.get(name)!)).toBeDefined();
    expect(flatStringPlan(sqs.operations.get('SendMessage')!)).toBeDefined();
    // Lists, maps, structures, timestamps, numbers: the SDK's serializer.
    expect(flatStringPlan(sqs.operations.get('ReceiveMessage')!)).toBeUndefined();
    expect(flatStringPlan(sns.operations.get('ListTopics')!)).toBeUndefined();
  });

  test('writes exactly what the SDK serializer writes, for every eligible operation of every Query service', () => {
    let checked = 0;
    for (const model of models) {
      for (const op of model.operations.values()) {
        const plan = flatStringPlan(op);
        if (!plan) continue;
        const ns = NormalizedSchema.of(op.output);
        const members = [...ns.structIterator()].map(([n]) => n);
        const samples: Record<string, unknown>[] = [
          Object.fromEntries(members.map((n) => [n, TRICKY])),
          Object.fromEntries(members.map((n, i) => [n, i % 2 ? undefined : `v${i}`])),
          Object.fromEntries(members.map((n, i) => [n, i % 3 === 0 ? null : i % 3 === 1 ? 42 : ''])),
          Object.fromEntries(members.map((n) => [n, true])),
          {},
        ];
        for (const value of samples) {
          expect([op.name, writeFlatStrings(plan, value)]).toEqual([op.name, sdkInner(model.namespace, op.output, value)]);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(50);
  });

  test('leaves values the SDK has its own rules for to the SDK', () => {
    const publish = models[0]!.operations.get('Publish')!;
    expect(writeFlatStrings(flatStringPlan(publish)!, { MessageId: new Date(0) })).toBeUndefined();
    expect(writeFlatStrings(flatStringPlan(publish)!, { MessageId: { nested: 1 } })).toBeUndefined();
  });
});
