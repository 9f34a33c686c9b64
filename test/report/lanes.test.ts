import { join } from 'node:path';
import { buildLanes, hopFlags, lanesForKey, readTrace, type Lane, type LaneModel, type TraceHop } from '../../harness/report';

const SAMPLE = join(__dirname, '../fixtures/traces/sample.jsonl');
const KEY_A = 'incoming/orders-1.csv';
const KEY_B = 'incoming/<script>window.__pwned=1;</script> "Q4 #1".csv';
const KEY_C = 'daily report.csv';

const types = (lane: Lane) => lane.hops.map((h) => h.hop.type);
const flagged = (lane: Lane, flag: string) => lane.hops.filter((h) => h.flags.includes(flag as never)).map((h) => h.hop.type);

let seq = 0;
const h = (type: string, fields: Record<string, unknown> = {}, time = 0): TraceHop => ({ kind: 'hop', seq: seq++, type, time, wallTime: time, ...fields });

describe('lanes of the sample trace', () => {
  let model: LaneModel;
  beforeAll(() => {
    model = buildLanes(readTrace(SAMPLE));
  });
  const lane = (key: string, n = 0) => lanesForKey(model, key)[n]!;

  it('has one lane per object version, unversioned writes apart in write order, and an other lane', () => {
    expect(model.lanes.map((l) => l.id)).toEqual([
      `s3://uploads/${KEY_A}@3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY`,
      `s3://uploads/${KEY_B}@Bv2.kT9_xq0Zr7a`,
      `s3://scratch/${KEY_C}#1`,
      `s3://scratch/${KEY_C}#2`,
    ]);
    expect(model.lanes.map((l) => l.label)).toEqual([
      `uploads/${KEY_A} @3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY`,
      `uploads/${KEY_B} @Bv2.kT9_xq0Zr7a`,
      `scratch/${KEY_C} (write 1)`,
      `scratch/${KEY_C} (write 2)`,
    ]);
    expect(lane(KEY_C, 1)).toMatchObject({ bucket: 'scratch', key: KEY_C, writeIndex: 2 });
    expect(lane(KEY_C, 1).versionId).toBeUndefined();
    // Every hop is in exactly one lane.
    const all = [...model.lanes, model.other].flatMap((l) => l.hops.map((x) => x.hop.seq)).sort((a, b) => a - b);
    expect(all).toEqual([...Array(48).keys()]);
  });

  it('links hops that do not name the object through messageId and requestId', () => {
    const a = lane(KEY_A);
    expect(types(a)).toEqual([
      's3.write', 'fault.duplicate', 'notification.emitted', 'sqs.send', 'sqs.send',
      'sqs.receive', 'lambda.invoke.start', 'sqs.receive', 'lambda.invoke.start',
      'lambda.invoke.end', 'sqs.delete', 'lambda.invoke.end', 'sqs.delete',
    ]);
    const by = Object.fromEntries(a.hops.map((x) => [`${x.hop.type}#${x.hop.seq}`, x.linkedBy]));
    expect(by).toMatchObject({ 's3.write#2': 'key', 'sqs.send#5': 'sequencer', 'sqs.receive#7': 'messageId', 'lambda.invoke.end#11': 'requestId' });
    // The DLQ leg follows the same message id into the error handler.
    expect(types(lane(KEY_B)).slice(-5)).toEqual(['sqs.redrive', 'sqs.receive', 'lambda.invoke.start', 'lambda.invoke.end', 'sqs.delete']);
  });

  it('keeps the coalesced event with the write it dropped', () => {
    expect(types(lane(KEY_C, 0))).toEqual(['s3.write', 'notification.emitted', 'fault.coalesced']);
    expect(flagged(lane(KEY_C, 0), 'coalesced')).toEqual(['fault.coalesced']);
    expect(types(lane(KEY_C, 1))).toEqual(['s3.write', 'notification.emitted', 'sqs.send', 'sqs.receive', 'lambda.invoke.start', 'lambda.invoke.end', 'sqs.delete']);
    expect(lane(KEY_C, 1).flags).toMatchObject({ coalesced: 0, duplicate: 0, error: 0 });
  });

  it('flags the duplicate delivery and the second invocation, not the first', () => {
    const a = lane(KEY_A);
    expect(flagged(a, 'duplicate')).toEqual(['fault.duplicate', 'sqs.send', 'lambda.invoke.start']);
    expect(a.hops.find((x) => x.flags.includes('duplicate') && x.hop.type === 'sqs.send')!.hop.messageId).toBe('mA2-77d0');
    expect(a.flags).toMatchObject({ duplicate: 3, error: 0, retry: 0, dlq: 0 });
  });

  it('flags errors, retries (redeliveries, not duplicates) and the DLQ arrival of the failing object', () => {
    const b = lane(KEY_B);
    expect(flagged(b, 'error')).toEqual(['lambda.invoke.error', 'lambda.invoke.error']);
    expect(flagged(b, 'retry')).toEqual(['sqs.visibility-expired', 'sqs.receive', 'lambda.invoke.start', 'sqs.visibility-expired']);
    expect(flagged(b, 'dlq')).toEqual(['sqs.redrive']);
    expect(flagged(b, 'duplicate')).toEqual([]);
    expect(b.flags).toMatchObject({ error: 2, retry: 4, dlq: 1, duplicate: 0, fault: 2 });
  });

  it('places function faults that name no object next to the invocation they hit, marked inferred', () => {
    const faults = lane(KEY_B).hops.filter((x) => x.hop.type === 'fault.fail');
    expect(faults.map((x) => [x.hop.attempt, x.linkedBy, x.flags])).toEqual([
      [3, 'nearby', ['fault', 'inferred']],
      [4, 'nearby', ['fault', 'inferred']],
    ]);
    const strict = buildLanes(readTrace(SAMPLE), { inferFaults: false });
    expect(strict.other.hops.filter((x) => x.hop.type === 'fault.fail')).toHaveLength(2);
  });

  it('puts what no id links in the other lane', () => {
    expect(model.other.hops.map((x) => x.hop.type)).toEqual([
      'sqs.create-queue', 'sqs.create-queue', 'lambda.invoke.start', 'lambda.invoke.end', 'sns.publish', 'sns.deliver', 'cloudwatch.alarm',
    ]);
    expect(model.other.hops.every((x) => x.linkedBy === 'none')).toBe(true);
  });
});

describe('linking rules', () => {
  it('makes an id seen with two objects ambiguous: later hops with only that id are not guessed', () => {
    const hops = [
      h('s3.delete', { bucket: 'b', key: 'k1', requestId: 'MULTI' }),
      h('s3.delete', { bucket: 'b', key: 'k2', requestId: 'MULTI' }),
      h('custom.after', { requestId: 'MULTI' }),
    ];
    const model = buildLanes(hops);
    expect(model.lanes.map((l) => l.id)).toEqual(['s3://b/k1#1', 's3://b/k2#1']);
    expect(model.other.hops.map((x) => x.hop.type)).toEqual(['custom.after']);
  });

  it('links a batch only when all its messages belong to one object', () => {
    const hops = [
      h('sqs.send', { bucket: 'b', key: 'k1', queueArn: 'q', messageId: 'm1' }),
      h('sqs.send', { bucket: 'b', key: 'k2', queueArn: 'q', messageId: 'm2' }),
      h('sqs.send', { bucket: 'b', key: 'k2', queueArn: 'q', messageId: 'm3' }),
      h('lambda.invoke.start', { functionName: 'f', requestId: 'r1', messageIds: ['m1', 'm2'] }),
      h('lambda.invoke.start', { functionName: 'f', requestId: 'r2', messageIds: ['m2', 'm3'] }),
    ];
    const model = buildLanes(hops);
    expect(model.other.hops.map((x) => x.hop.requestId)).toEqual(['r1']);
    expect(types(lanesForKey(model, 'k2')[0]!)).toEqual(['sqs.send', 'sqs.send', 'lambda.invoke.start']);
  });

  it('gives each version of a versioned key its own lane, and versionId "null" counts as unversioned', () => {
    const hops = [
      h('s3.write', { bucket: 'b', key: 'k', versionId: 'v1', requestId: 'r1' }),
      h('s3.write', { bucket: 'b', key: 'k', versionId: 'v2', requestId: 'r2' }),
      h('notification.emitted', { bucket: 'b', key: 'k', versionId: 'v1', destination: 'q' }),
      h('s3.write', { bucket: 'b', key: 'k', versionId: 'null', requestId: 'r3' }),
    ];
    const model = buildLanes(hops);
    expect(model.lanes.map((l) => l.id)).toEqual(['s3://b/k@v1', 's3://b/k@v2', 's3://b/k#1']);
    expect(types(model.lanes[0]!)).toEqual(['s3.write', 'notification.emitted']);
  });

  it('counts an SNS delivery after a failed one as a retry, a second publish of one event as a duplicate', () => {
    const sub = 'arn:aws:sns:us-east-1:000000000000:t:1';
    const hops = [
      h('s3.write', { bucket: 'b', key: 'k', requestId: 'r', sequencer: 's' }),
      h('sns.publish', { bucket: 'b', key: 'k', requestId: 'r', sequencer: 's', topicArn: 't', messageId: 'n1' }),
      h('sns.deliver.failed', { topicArn: 't', subscriptionArn: sub, messageId: 'n1', error: 'refused' }),
      h('sns.deliver', { topicArn: 't', subscriptionArn: sub, messageId: 'n1' }),
      h('sns.publish', { bucket: 'b', key: 'k', requestId: 'r', sequencer: 's', topicArn: 't', messageId: 'n2' }),
    ];
    const [lane] = buildLanes(hops).lanes;
    expect(lane!.hops.map((x) => [x.hop.type, x.flags])).toEqual([
      ['s3.write', []],
      ['sns.publish', []],
      ['sns.deliver.failed', ['error']],
      ['sns.deliver', ['retry']],
      ['sns.publish', ['duplicate']],
    ]);
  });
});

describe('hopFlags', () => {
  it.each([
    [{ type: 'lambda.invoke.error' }, ['error']],
    [{ type: 'delivery.failed', error: 'x' }, ['error']],
    [{ type: 'lambda.throttle' }, ['error']],
    [{ type: 'lambda.retry', attempt: 2 }, ['retry']],
    [{ type: 'lambda.invoke.start', attempt: 3 }, ['retry']],
    [{ type: 'lambda.dlq' }, ['dlq']],
    [{ type: 'sns.dlq' }, ['dlq']],
    [{ type: 'fault.delay', delayMs: 10 }, ['fault', 'delay']],
    [{ type: 'fault.duplicate-receive' }, ['fault', 'duplicate']],
    [{ type: 'lambda.destination', condition: 'OnFailure' }, ['dlq']],
    [{ type: 'lambda.destination', condition: 'OnSuccess' }, []],
    [{ type: 'sqs.send' }, []],
  ])('%j → %j', (fields, expected) => {
    expect(hopFlags({ kind: 'hop', seq: 0, time: 0, wallTime: 0, ...fields })).toEqual(expected);
  });
});
