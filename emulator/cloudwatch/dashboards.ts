import { AwsError } from '../core/errors';

/**
 * CloudWatch dashboards: the body is kept as given (AWS validates it, never rewrites it). Only its outer
 * shape is checked here: a JSON object with a `widgets` list, as the dashboard body structure requires.
 */
export interface Dashboard {
  name: string;
  arn: string;
  body: string;
  lastModified: Date;
}

const NAME = /^[A-Za-z0-9_-]{1,255}$/;

/** DashboardInvalidInputError ("InvalidParameterInput" over Query) with AWS's validation list. */
function invalidBody(problems: { dataPath: string; message: string }[]): AwsError {
  const listed = JSON.stringify(problems, null, 2);
  const err = new AwsError('DashboardInvalidInputError', `The dashboard body is invalid, there are ${problems.length} validation errors:\n${listed}`, 400);
  // The error shape's member is a list: JSON and CBOR carry it, Query errors keep only Code and Message.
  (err.fields as Record<string, unknown>).dashboardValidationMessages = problems.map((p) => ({ DataPath: p.dataPath, Message: p.message }));
  return err;
}

function checkBody(body: string | undefined): void {
  if (body === undefined) throw new AwsError('MissingRequiredParameterException', 'The parameter DashboardBody is required.', 400);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw invalidBody([{ dataPath: '', message: 'Invalid JSON: the dashboard body must be a JSON object' }]);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw invalidBody([{ dataPath: '', message: 'Should be object' }]);
  const widgets = (parsed as { widgets?: unknown }).widgets;
  if (widgets === undefined) throw invalidBody([{ dataPath: '', message: "Should have required property 'widgets'" }]);
  if (!Array.isArray(widgets)) throw invalidBody([{ dataPath: '/widgets', message: 'Should be array' }]);
}

const notFound = (name: string) => new AwsError('DashboardNotFoundError', `Dashboard ${name} does not exist`, 404);

/** `changed` hears of each dashboard put or deleted (for persistence). */
export function createDashboards(clock: { now(): number }, changed?: (name: string) => void) {
  const dashboards = new Map<string, Dashboard>();
  return {
    clear: () => dashboards.clear(),
    get: (name: string): Dashboard | undefined => dashboards.get(name),
    all: (): Iterable<Dashboard> => dashboards.values(),
    restore(saved: Dashboard): void {
      dashboards.set(saved.name, saved);
    },
    PutDashboard(input: any, ctx: { accountId: string }) {
      if (input.DashboardName === undefined) throw new AwsError('MissingRequiredParameterException', 'The parameter DashboardName is required.', 400);
      if (!NAME.test(input.DashboardName)) {
        throw new AwsError(
          'InvalidParameterValueException',
          'The value for field DashboardName contains invalid characters. It can only contain alphanumerics, dash (-) and underscore (_).',
          400,
        );
      }
      checkBody(input.DashboardBody);
      dashboards.set(input.DashboardName, {
        name: input.DashboardName,
        // Dashboards are global: no region in their ARN.
        arn: `arn:aws:cloudwatch::${ctx.accountId}:dashboard/${input.DashboardName}`,
        body: input.DashboardBody,
        lastModified: new Date(clock.now()),
      });
      changed?.(input.DashboardName);
      return { DashboardValidationMessages: [] };
    },
    GetDashboard(input: any) {
      const d = dashboards.get(input.DashboardName ?? '');
      if (!d) throw notFound(input.DashboardName);
      return { DashboardArn: d.arn, DashboardBody: d.body, DashboardName: d.name };
    },
    ListDashboards(input: any) {
      const entries = [...dashboards.values()]
        .filter((d) => !input.DashboardNamePrefix || d.name.startsWith(input.DashboardNamePrefix))
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
        .map((d) => ({ DashboardName: d.name, DashboardArn: d.arn, LastModified: d.lastModified, Size: Buffer.byteLength(d.body) }));
      return { DashboardEntries: entries };
    },
    DeleteDashboards(input: any) {
      const names: string[] = input.DashboardNames ?? [];
      if (names.length === 0) throw new AwsError('MissingRequiredParameterException', 'The parameter DashboardNames is required.', 400);
      // All or nothing, as on AWS: one unknown name and none is deleted.
      const missing = names.find((n) => !dashboards.has(n));
      if (missing !== undefined) throw notFound(missing);
      for (const n of names) {
        dashboards.delete(n);
        changed?.(n);
      }
      return {};
    },
  };
}
