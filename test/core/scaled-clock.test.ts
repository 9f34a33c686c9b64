import { ScaledClock } from '../../emulator/core/clock';

/** Real time, scaled: a timer never fires before its due time by the clock, even when the event loop lags. */

it('fires every timer at or after its due time by clock.now(), also with the event loop busy when it is set', async () => {
  const clock = new ScaledClock(0.001); // 1 real ms = 1 emulated second
  const results: { due: number; firedAt: number }[] = [];
  const all: Promise<void>[] = [];
  for (let i = 0; i < 20; i++) {
    // Busy the loop between setting timers: Node measures timeouts from its cached loop time, which lags.
    const spinUntil = Date.now() + 3;
    while (Date.now() < spinUntil) {
      /* busy */
    }
    const delay = 5_000 + i * 1_000;
    const due = clock.now() + delay;
    all.push(new Promise<void>((resolve) => clock.setTimer(delay, () => (results.push({ due, firedAt: clock.now() }), resolve()))));
  }
  await Promise.all(all);
  for (const r of results) expect(r.firedAt).toBeGreaterThanOrEqual(r.due);
});

it('a cancelled timer never fires', async () => {
  const clock = new ScaledClock(0.001);
  let fired = false;
  const timer = clock.setTimer(1_000, () => (fired = true));
  timer.cancel();
  await new Promise<void>((resolve) => clock.setTimer(5_000, resolve));
  expect(fired).toBe(false);
});

it('waits for a timer due beyond Node\'s longest timeout in steps that Node can hold, not in a 1 ms loop', () => {
  const clock = new ScaledClock(1);
  const spy = jest.spyOn(global, 'setTimeout');
  try {
    const timer = clock.setTimer(40 * 86_400_000, () => undefined);
    const delay = spy.mock.calls.at(-1)![1]!;
    timer.cancel();
    expect(delay).toBe(2 ** 31 - 1);
  } finally {
    spy.mockRestore();
  }
});
