import type { DeliveryBus, Hop, HopListener } from '../../emulator/core/delivery';

/**
 * One hop source for several buses: the run's shared emulator and the emulators scenarios with
 * `emulatorFaults` start for themselves, so `run --trace` records all of them in one trace.
 */
export class HopHub {
  private readonly listeners = new Set<HopListener>();

  /** Forwards a bus's hops to whoever listens to the hub. */
  add(bus: { onHop(listener: HopListener): () => void }): () => void {
    return bus.onHop((hop) => {
      for (const l of this.listeners) l(hop);
    });
  }

  onHop(listener: HopListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** A scenario's trace hops, kept in memory from before its deploy (so the deploy's own hops are in). */
export interface ScenarioHops {
  readonly hops: Hop[];
  stop(): void;
}

/**
 * Records the hops of one scenario: everything on an emulator of its own, or on a shared one only the hops
 * that name one of its resources (every resource name starts with the scenario's prefix).
 */
export function recordHops(bus: DeliveryBus, only?: { prefix: string }): ScenarioHops {
  const hops: Hop[] = [];
  const ours = only ? (hop: Hop) => Object.values(hop).some((v) => typeof v === 'string' && v.includes(only.prefix)) : () => true;
  const stop = bus.onHop((hop) => {
    if (ours(hop)) hops.push(hop);
  });
  return { hops, stop };
}
