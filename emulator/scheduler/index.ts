import type { ServiceDeps } from '../core/service';

/** EventBridge Scheduler: schedules and schedule groups (being built; every operation answers NotImplemented). */
export function createSchedulerProvider(_deps: ServiceDeps): Record<string, any> {
  return {};
}
