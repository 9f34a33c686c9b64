import type { ServiceDeps } from '../core/service';

/** EventBridge Pipes (being built; every operation answers NotImplemented). */
export function createPipesProvider(_deps: ServiceDeps): Record<string, any> {
  return {};
}
