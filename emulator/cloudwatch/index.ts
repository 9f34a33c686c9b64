import type { RequestContext } from '../core/context';
import type { Persistable, ServiceDeps } from '../core/service';
import { keyIn, sameScope, type Scope } from '../core/scope';
import { recordServiceMetrics } from './service-metrics';
import { createDashboards } from './dashboards';
import { createRegionalCloudWatch, type RegionalCloudWatch } from './region';
import { scopedPersistence } from './scoped-persistence';

/**
 * CloudWatch metrics and alarms, kept per account and Region as on AWS (region.ts holds one Region's): a request
 * works on its signature's Region, and a service's metrics go to the Region of the resource they are about (see
 * service-metrics.ts), so an alarm sees only its own Region's metrics. Custom metrics come from PutMetricData;
 * AWS/Lambda, AWS/SQS, AWS/SNS and AWS/Events metrics are derived from the delivery trace. Dashboards belong to the
 * account (their ARNs name no Region). With dataDir, every Region's state is kept across restarts: the emulator's
 * own Region under the keys it always had, another Region's under a prefix (scoped-persistence.ts).
 */
type Operation = (input: any, ctx: RequestContext) => unknown;

export function createCloudWatchProvider(deps: ServiceDeps) {
  const home: Scope = { region: deps.options.region, accountId: deps.options.accountId };
  const persist = !!deps.options.dataDir;
  const regions = new Map<string, RegionalCloudWatch>();
  const dashboards = createDashboards(deps.clock, (name) => homeRegion.persistence?.dashboardChanged(name));
  const regionFor = (scope: Scope | undefined): RegionalCloudWatch => {
    const s = scope ?? home;
    const key = keyIn(s, '');
    let region = regions.get(key);
    if (!region) {
      const own = { region: s.region, accountId: s.accountId };
      region = createRegionalCloudWatch(deps, own, { persist, dashboards: sameScope(own, home) ? dashboards : undefined });
      regions.set(key, region);
    }
    return region;
  };
  const homeRegion = regionFor(home);
  const stopServiceMetrics = recordServiceMetrics(deps.bus, (scope) => regionFor(scope).metrics, deps.clock);

  /** Every operation of a Region, run on the caller's Region. */
  const operations: Record<string, Operation> = {};
  for (const [name, op] of Object.entries(homeRegion)) {
    if (typeof op !== 'function' || !/^[A-Z]/.test(name)) continue;
    operations[name] = (input, ctx) => (regionFor(ctx)[name as keyof RegionalCloudWatch] as Operation)(input, ctx);
  }

  const persistence: Persistable | undefined = persist
    ? scopedPersistence(home, () => regions.values(), (scope) => regionFor(scope).persistence!)
    : undefined;

  return {
    ...operations,
    persistence,
    reset() {
      // Regions stay (the service metrics keep their stores), emptied.
      for (const region of regions.values()) region.reset();
      dashboards.clear();
    },
    close() {
      for (const region of regions.values()) region.close();
      stopServiceMetrics();
    },
    PutDashboard: dashboards.PutDashboard,
    GetDashboard: dashboards.GetDashboard,
    ListDashboards: dashboards.ListDashboards,
    DeleteDashboards: dashboards.DeleteDashboards,
  };
}
