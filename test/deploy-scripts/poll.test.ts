import { pollUntil } from '../../deploy-scripts/poll';
import { WaitTimeoutError } from '../../harness/wait';

/** pollUntil on jest's fake clock: when it looks is the point, so time is moved by hand. */
describe('pollUntil', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('waits firstDelayMs before the first look, then doubles the interval up to maxDelayMs', async () => {
    const looks: number[] = [];
    const start = Date.now();
    let ready = false;
    const done = pollUntil(
      async () => {
        looks.push(Date.now() - start);
        return ready;
      },
      { what: 'x', timeoutMs: 10_000, firstDelayMs: 10, maxDelayMs: 40 },
    );
    await jest.advanceTimersByTimeAsync(9);
    expect(looks).toEqual([]); // the caller has just seen the transitional state: no look at once
    await jest.advanceTimersByTimeAsync(1 + 20 + 40 + 40);
    expect(looks).toEqual([10, 30, 70, 110]);
    ready = true;
    await jest.advanceTimersByTimeAsync(40);
    await expect(done).resolves.toBeUndefined();
    expect(looks).toEqual([10, 30, 70, 110, 150]);
  });

  it('looks one last time at the deadline, then fails with the state it saw', async () => {
    let probes = 0;
    const done = pollUntil(
      async () => {
        probes++;
        return false;
      },
      { what: 'mapping m', timeoutMs: 25, firstDelayMs: 10, describe: () => 'state: Creating' },
    );
    const failure = expect(done).rejects.toThrow(new WaitTimeoutError('timed out after 25 ms waiting for mapping m (state: Creating)'));
    await jest.advanceTimersByTimeAsync(25);
    await failure;
    expect(probes).toBe(2); // at 10 ms and at 25 ms (the second interval cut to the deadline)
  });

  it('stops at once when the probe throws', async () => {
    const done = pollUntil(() => Promise.reject(new Error('function f failed')), { what: 'f', timeoutMs: 1_000 });
    const failure = expect(done).rejects.toThrow('function f failed');
    await jest.advanceTimersByTimeAsync(10);
    await failure;
  });
});
