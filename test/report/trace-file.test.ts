import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VirtualClock } from '../../emulator/core/clock';
import { DeliveryBus } from '../../emulator/core/delivery';
import { FaultInjector, parseFaults } from '../../emulator/core/faults';
import { TraceFormatError, TraceRecorder, buildLanes, parseTrace, readTrace, writeTrace } from '../../harness/report';

const SAMPLE = join(__dirname, '../fixtures/traces/sample.jsonl');
const header = '{"kind":"header","version":1,"seed":7,"faults":"","scenario":"s","backend":"embedded","startedAt":"2026-01-01T00:00:00Z"}';
const hop = (seq: number, extra = '') => `{"kind":"hop","seq":${seq},"type":"s3.write","time":${1000 + seq},"wallTime":${2000 + seq}${extra}}`;

describe('readTrace', () => {
  it('reads the sample fixture: header, hops in seq order, outcome', () => {
    const trace = readTrace(SAMPLE);
    expect(trace.header).toMatchObject({ kind: 'header', version: 1, seed: 42, scenario: 'csv report', backend: 'embedded' });
    expect(trace.hops).toHaveLength(48);
    expect(trace.hops.map((h) => h.seq)).toEqual([...Array(48).keys()]);
    expect(trace.outcome).toMatchObject({ kind: 'outcome', passed: false });
    expect(trace.outcome?.dlq).toHaveLength(1);
  });

  it('takes the text itself as well as a path, and sorts hops by seq', () => {
    const trace = readTrace([header, hop(1), hop(0), ''].join('\n'));
    expect(trace.hops.map((h) => h.seq)).toEqual([0, 1]);
    expect(trace.outcome).toBeUndefined();
  });

  it.each([
    ['a line that is not JSON', [header, hop(0), '{"kind":"hop",'], 3, /not valid JSON/],
    ['no header first', [hop(0)], 1, /first line must be the header/],
    ['a second header', [header, header], 2, /second header/],
    ['an unknown version', ['{"kind":"header","version":2}'], 1, /unsupported trace version 2/],
    ['a hop without a time', [header, '{"kind":"hop","seq":0,"type":"x","wallTime":1}'], 2, /"time"/],
    ['a hop without a type', [header, '{"kind":"hop","seq":0,"time":1,"wallTime":1}'], 2, /"type"/],
    ['a repeated seq', [header, hop(0), hop(0)], 3, /seq 0 already appeared on line 2/],
    ['a line after the outcome', [header, '{"kind":"outcome","passed":true}', hop(0)], 3, /nothing may follow the outcome line \(line 2\)/],
    ['an outcome without passed', [header, '{"kind":"outcome"}'], 2, /"passed"/],
    ['an unknown kind', [header, '{"kind":"span"}'], 2, /unknown line kind "span"/],
    ['an array line', [header, '[1,2]'], 2, /expected a JSON object/],
  ])('rejects %s, naming the line', (_what, lines, line, message) => {
    let caught: unknown;
    try {
      parseTrace(lines.join('\n'), 'run.jsonl');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(TraceFormatError);
    expect((caught as TraceFormatError).line).toBe(line);
    expect((caught as Error).message).toMatch(new RegExp(`^run\\.jsonl:${line}: `));
    expect((caught as Error).message).toMatch(message);
  });

  it('rejects an empty trace', () => {
    expect(() => parseTrace('\n\n', 'empty.jsonl')).toThrow(/empty\.jsonl:1: empty trace/);
  });
});

describe('writeTrace', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'trace-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('round-trips through readTrace, numbering bus hops and making fields JSON-safe', () => {
    const path = join(dir, 'out.jsonl');
    writeTrace(path, { seed: 1, scenario: 'x' }, [
      { type: 's3.write', time: 5, wallTime: 6, key: 'a', size: BigInt(10), body: Buffer.from('abc') },
      { type: 'lambda.invoke.error', time: 7, wallTime: 8, error: new Error('boom'), kind: 'mine' },
    ], { passed: true, reports: [], dlq: [] });
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    const trace = readTrace(path);
    expect(trace.header).toMatchObject({ kind: 'header', version: 1, seed: 1, scenario: 'x' });
    expect(trace.hops[0]).toMatchObject({ kind: 'hop', seq: 0, type: 's3.write', key: 'a', size: '10', body: '<3 bytes>' });
    // A hop's own `kind` is kept under another name rather than breaking the line's kind.
    expect(trace.hops[1]).toMatchObject({ kind: 'hop', seq: 1, error: 'boom', _kind: 'mine' });
    expect(trace.outcome).toEqual({ kind: 'outcome', passed: true, reports: [], dlq: [] });
  });

  it('keeps the seq of hops that already have one (a trace read back and written again)', () => {
    const path = join(dir, 'again.jsonl');
    const trace = readTrace(SAMPLE);
    writeTrace(path, trace.header, trace.hops, trace.outcome);
    expect(readTrace(path)).toEqual(trace);
  });
});

describe('TraceRecorder', () => {
  const queue = 'arn:aws:sqs:us-east-1:000000000000:q';

  it('numbers the hops of a bus, stops on detach, and the hops link into lanes', async () => {
    const clock = new VirtualClock();
    const bus = new DeliveryBus(clock);
    let n = 0;
    // A stand-in for SQS: records its send hop the way the in-process SQS does (origin correlation included).
    bus.register('sqs', {
      check() {},
      async receive(arn, _message, origin) {
        bus.record({ type: 'sqs.send', queueArn: arn, messageId: `m${++n}`, ...origin.correlation });
      },
    });
    bus.setInterceptor(new FaultInjector(parseFaults('duplicate=1'), 7, bus));
    const recorder = new TraceRecorder({ seed: 7, faults: 'duplicate=1', scenario: 'recorder' }).attach(bus);

    const correlation = { requestId: 'R1', bucket: 'b', key: 'in/a.csv', eventName: 'ObjectCreated:Put', sequencer: '01' };
    bus.record({ type: 's3.write', ...correlation });
    bus.dispatch(queue, { kind: 'sqs', body: JSON.stringify({ Records: [{ s3: { bucket: { name: 'b' }, object: { key: 'in/a.csv' } } }] }) }, {
      principal: 's3.amazonaws.com',
      sourceArn: 'arn:aws:s3:::b',
      sourceAccount: '000000000000',
      correlation,
    });
    await bus.idle();
    recorder.detach();
    bus.record({ type: 'after.detach' });

    expect(recorder.hops.map((h) => [h.seq, h.type])).toEqual([
      [0, 's3.write'],
      [1, 'fault.duplicate'],
      [2, 'sqs.send'],
      [3, 'sqs.send'],
    ]);
    expect(recorder.hops.every((h) => h.kind === 'hop' && h.time === clock.now())).toBe(true);
    const model = buildLanes(recorder.toTrace({ passed: false }));
    expect(model.lanes.map((l) => l.id)).toEqual(['s3://b/in/a.csv#1']);
    expect(model.lanes[0]!.hops.filter((h) => h.flags.includes('duplicate')).map((h) => h.hop.seq)).toEqual([1, 3]);
    expect(recorder.toTrace({ passed: false }).outcome).toEqual({ kind: 'outcome', passed: false });
  });

  it('refuses to attach twice', () => {
    const bus = new DeliveryBus(new VirtualClock());
    const recorder = new TraceRecorder().attach(bus);
    expect(() => recorder.attach(bus)).toThrow(/already attached/);
    recorder.detach();
  });
});
