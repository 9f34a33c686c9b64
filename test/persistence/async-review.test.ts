import { VirtualClock } from '../../emulator/core/clock';
import { DeliveryBus, type DeliveryMessage, type Origin } from '../../emulator/core/delivery';

/**
 * Review of `--data-dir` for owed SNS deliveries: the sender's callbacks on the delivery bus (`onDelivered` removes an
 * owed record) may throw without becoming an unhandled rejection or keeping the bus busy.
 */

const origin: Origin = { principal: 's3.amazonaws.com', sourceArn: 'arn:aws:s3:::b', sourceAccount: '000000000000', correlation: {} };
const message: DeliveryMessage = { kind: 'sqs', body: 'x' };
const QUEUE = 'arn:aws:sqs:us-east-1:000000000000:q';

describe('delivery bus callbacks', () => {
  test('a throwing onDelivered / onFailure is traced, not an unhandled rejection, and the bus still settles', async () => {
    const bus = new DeliveryBus(new VirtualClock(0));
    const hops: string[] = [];
    bus.onHop((h) => hops.push(h.type));
    bus.register('sqs', { check: () => undefined, receive: async () => undefined });
    bus.dispatch(QUEUE, message, origin, { onDelivered: () => { throw new Error('boom'); } });
    await bus.idle();
    expect(hops).toContain('delivery.callback.failed');
  });

  test('a throwing onFailure is traced too', async () => {
    const bus = new DeliveryBus(new VirtualClock(0));
    const hops: string[] = [];
    bus.onHop((h) => hops.push(h.type));
    bus.register('sqs', { check: () => undefined, receive: async () => { throw new Error('refused'); } });
    bus.dispatch(QUEUE, message, origin, { onFailure: () => { throw new Error('boom'); } });
    await bus.idle();
    expect(hops).toEqual(expect.arrayContaining(['delivery.failed', 'delivery.callback.failed']));
  });
});
