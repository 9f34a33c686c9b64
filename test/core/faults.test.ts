import { VirtualClock } from '../../emulator/core/clock';
import { DeliveryBus, type DeliveryMessage, type Hop } from '../../emulator/core/delivery';
import { FaultInjector, parseFaults } from '../../emulator/core/faults';
import { SeededRandom } from '../../emulator/core/random';
import { AutoAdvancingClock } from '../../emulator/core/virtual-time';
import { waitFor } from '../../harness/wait';

const s3Origin = { principal: 's3.amazonaws.com', sourceArn: 'arn:aws:s3:::b', sourceAccount: '000000000000' };
const record = (key: string, versionId?: string): DeliveryMessage => ({
  kind: 'sqs',
  body: JSON.stringify({ Records: [{ s3: { bucket: { name: 'b' }, object: { key, versionId } } }] }),
});

function busWithSink(clock = new VirtualClock()) {
  const bus = new DeliveryBus(clock);
  const delivered: string[] = [];
  bus.register('sqs', {
    check() {},
    async receive(_arn, message) {
      if (message.kind === 'sqs') delivered.push(JSON.parse(message.body).Records[0].s3.object.key);
    },
  });
  const hops: Hop[] = [];
  bus.onHop((h) => hops.push(h));
  return { bus, clock, delivered, hops };
}

describe('fault spec', () => {
  it('parses every fault kind', () => {
    const spec = parseFaults('duplicate=0.1,duplicate-receive=0.2,delay=0..60s,reorder,coalesce-unversioned=2s,fail:processor=3,throttle:audit=0.5,timeout:x,lose-delete=0.05,sns-fail:alerts=1');
    expect(spec).toMatchObject({ duplicate: 0.1, duplicateReceive: 0.2, delay: [0, 60_000], reorderWindowMs: 1000, coalesceWindowMs: 2000, loseDelete: 0.05 });
    expect(spec.functions).toEqual([
      { kind: 'fail', functionName: 'processor', count: 3 },
      { kind: 'throttle', functionName: 'audit', fraction: 0.5 },
      { kind: 'timeout', functionName: 'x', count: 1 },
    ]);
    expect(spec.snsFail).toEqual([{ match: 'alerts', probability: 1 }]);
  });

  it('rejects unknown faults and bad values with a message naming them', () => {
    expect(() => parseFaults('explode=1')).toThrow(/unknown fault "explode"/);
    expect(() => parseFaults('duplicate=2')).toThrow(/probability/);
    expect(() => parseFaults('fail=3')).toThrow(/name the function/);
  });
});

describe('fault injector', () => {
  it('duplicates notifications with probability 1 and records the fault', async () => {
    const { bus, delivered, hops } = busWithSink();
    const injector = new FaultInjector(parseFaults('duplicate=1'), 7, bus);
    bus.setInterceptor(injector);
    bus.dispatch('arn:aws:sqs:us-east-1:000000000000:q', record('a.csv'), s3Origin);
    await bus.idle();
    expect(delivered).toEqual(['a.csv', 'a.csv']);
    expect(hops.filter((h) => h.type === 'fault.duplicate')).toHaveLength(1);
  });

  it('coalesces writes to one unversioned key within the window, but not versioned ones', async () => {
    const { bus, clock, delivered } = busWithSink();
    bus.setInterceptor(new FaultInjector(parseFaults('coalesce-unversioned=1s'), 1, bus));
    const q = 'arn:aws:sqs:us-east-1:000000000000:q';
    bus.dispatch(q, record('k'), s3Origin);
    bus.dispatch(q, record('k'), s3Origin);
    bus.dispatch(q, record('v', 'v1'), s3Origin);
    bus.dispatch(q, record('v', 'v2'), s3Origin);
    clock.advance(1000);
    await bus.idle();
    expect(delivered.filter((k) => k === 'k')).toHaveLength(1);
    expect(delivered.filter((k) => k === 'v')).toHaveLength(2);
  });

  it('delays notifications within the range, on the emulator clock', async () => {
    const { bus, clock, delivered } = busWithSink();
    bus.setInterceptor(new FaultInjector(parseFaults('delay=10s..20s'), 3, bus));
    bus.dispatch('arn:aws:sqs:us-east-1:000000000000:q', record('late'), s3Origin);
    clock.advance(9_999);
    await new Promise((r) => setImmediate(r));
    expect(delivered).toEqual([]);
    clock.advance(10_001);
    await bus.idle();
    expect(delivered).toEqual(['late']);
  });

  it('fails the first N attempts of a function, then lets it run', () => {
    const { bus } = busWithSink();
    const injector = new FaultInjector(parseFaults('fail:processor=2'), 1, bus);
    const outcomes = [1, 2, 3].map(() => injector.functionFault('pipe-processor'));
    expect(outcomes).toEqual(['fail', 'fail', undefined]);
    expect(injector.functionFault('pipe-audit')).toBeUndefined();
  });

  it('makes the same choices for the same seed', () => {
    const choices = (seed: number) => {
      const { bus } = busWithSink();
      const injector = new FaultInjector(parseFaults('lose-delete=0.5'), seed, bus);
      return Array.from({ length: 32 }, () => injector.loseDelete('q'));
    };
    expect(choices(42)).toEqual(choices(42));
    expect(choices(42)).not.toEqual(choices(43));
  });
});

describe('seeded random', () => {
  it('is uniform enough and reproducible', () => {
    const r = new SeededRandom(1);
    const xs = Array.from({ length: 10_000 }, () => r.next());
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean).toBeGreaterThan(0.48);
    expect(mean).toBeLessThan(0.52);
    expect(new SeededRandom(5).int(1, 6)).toBe(new SeededRandom(5).int(1, 6));
  });
});

describe('virtual time', () => {
  it('jumps over a two-minute wait as soon as nothing is busy, and waits while something is', async () => {
    let busy = true;
    const clock = new AutoAdvancingClock(() => busy);
    const t0 = clock.now();
    let fired = false;
    clock.setTimer(120_000, () => {
      fired = true;
    });
    clock.start();
    try {
      // While busy, time stands still, however often the clock looks.
      await waitFor(() => clock.looks >= 5, { what: 'the clock to look five times' });
      expect(fired).toBe(false);
      busy = false;
      await waitFor(() => fired, { timeoutMs: 2000, what: 'the 2-minute timer to fire' });
      expect(clock.now() - t0).toBe(120_000);
    } finally {
      clock.stop();
    }
  });
});
