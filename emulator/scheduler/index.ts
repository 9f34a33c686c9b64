import { AwsError, constraintViolation } from '../core/errors';
import { rewrittenWhole, restoreMaps } from '../core/persist-whole';
import type { RequestContext } from '../core/context';
import type { Persistable, ServiceDeps } from '../core/service';
import { offsetPage } from '../core/paging';
import { mergedTags, withoutTags, type Tag } from '../core/tags';
import { checkName, checkScheduleInput, GROUP_ARN, lengthIn, required } from './validation';
import { createRunner, type Schedule } from './runner';
import { keyIn, rekeyByScope, scopeOfArn, valuesIn, type Scope } from '../core/scope';

/**
 * EventBridge Scheduler: schedules (at / rate / cron in a time zone, start and end dates, flexible windows) in
 * schedule groups, run on the emulator clock against templated targets (SQS, SNS, Lambda, EventBridge) with retries
 * and a dead-letter queue (runner.ts, invoke.ts). Groups take tags; schedules do not.
 */
interface Group {
  Name: string;
  Arn: string;
  CreationDate: Date;
  LastModificationDate: Date;
  Tags: Tag[];
}

const DEFAULT_GROUP = 'default';
const notFound = (what: string) => new AwsError('ResourceNotFoundException', `${what} does not exist.`, 404);
const invalidToken = () => new AwsError('ValidationException', 'Invalid NextToken.', 400);

export function createSchedulerProvider(deps: ServiceDeps) {
  const { clock, options } = deps;
  const home: Scope = { region: options.region, accountId: options.accountId };
  /** Groups and schedules are kept per account and Region (core/scope.ts): groups by name, schedules by `<group>/<name>`. */
  const groups = new Map<string, Group>();
  const schedules = new Map<string, Schedule>();
  const scheduleKey = (scope: Scope, group: string, name: string) => keyIn(scope, `${group}/${name}`);
  const keyOfSchedule = (s: Schedule) => scheduleKey(scopeOfArn(s.Arn) ?? home, s.GroupName, s.Name);
  const groupArn = (name: string, scope: Scope) => `arn:aws:scheduler:${scope.region}:${scope.accountId}:schedule-group/${name}`;

  /** Every account and Region has its default group, made when first needed. */
  const defaultGroup = (scope: Scope): Group => {
    const key = keyIn(scope, DEFAULT_GROUP);
    let g = groups.get(key);
    if (!g) {
      const now = new Date(clock.now());
      groups.set(key, (g = { Name: DEFAULT_GROUP, Arn: groupArn(DEFAULT_GROUP, scope), CreationDate: now, LastModificationDate: now, Tags: [] }));
    }
    return g;
  };
  defaultGroup(home);

  // Written after requests that change anything, and (through noteChanged) when a run deletes or completes a schedule.
  const persistence: Persistable | undefined = options.dataDir
    ? rewrittenWhole(/^(Get|List)/, () => [['groups', groups], ['schedules', schedules]], (entities) => {
        restoreMaps({ groups, schedules }, entities);
        rekeyByScope(groups, (g) => g.Arn, (g) => g.Name);
        rekeyByScope(schedules, (x) => x.Arn, (x) => `${x.GroupName}/${x.Name}`);
        defaultGroup(home);
      })
    : undefined;
  const runner = createRunner(deps, {
    remove: (s) => schedules.delete(keyOfSchedule(s)),
    noteChanged: () => persistence?.touched?.('ScheduleRan', undefined, undefined),
  });

  const group = (name: string | undefined, scope: Scope): Group => {
    const g = !name || name === DEFAULT_GROUP ? defaultGroup(scope) : groups.get(keyIn(scope, name));
    if (!g) throw notFound(`Schedule group ${name}`);
    return g;
  };
  const schedule = (groupName: string | undefined, name: string, scope: Scope): Schedule => {
    group(groupName, scope);
    const s = schedules.get(scheduleKey(scope, groupName ?? DEFAULT_GROUP, name));
    if (!s) throw notFound(`Schedule ${name}`);
    return s;
  };
  /** A schedule group named by its ARN (the only resource Scheduler tags), in the ARN's account and Region. */
  const taggable = (resourceArn: string | undefined): Group => {
    required(resourceArn, 'resourceArn');
    const name = GROUP_ARN.exec(resourceArn!)?.[1];
    if (!name) throw constraintViolation('ValidationException', 'resourceArn', resourceArn, `Member must satisfy regular expression pattern: ${GROUP_ARN.source}`);
    return group(name, scopeOfArn(resourceArn!) ?? home);
  };
  const checkTags = (tags: { Key?: string; Value?: string }[] | undefined) => {
    for (const t of tags ?? []) {
      required(t.Key, 'tags.member.key');
      lengthIn(t.Key, 'tags.member.key', 1, 128);
      required(t.Value, 'tags.member.value');
      lengthIn(t.Value, 'tags.member.value', 1, 256);
    }
  };

  /** The stored schedule from a Create/UpdateSchedule input (full replace: what the input leaves out is unset). */
  const scheduleFrom = (input: any, ctx: RequestContext, created?: Schedule): Schedule => {
    const now = clock.now();
    checkScheduleInput(input, now);
    const groupName = input.GroupName ?? DEFAULT_GROUP;
    return {
      Name: input.Name,
      GroupName: groupName,
      Arn: created?.Arn ?? `arn:aws:scheduler:${ctx.region}:${ctx.accountId}:schedule/${groupName}/${input.Name}`,
      ScheduleExpression: input.ScheduleExpression,
      ScheduleExpressionTimezone: input.ScheduleExpressionTimezone,
      StartDate: input.StartDate ? new Date(input.StartDate) : undefined,
      EndDate: input.EndDate ? new Date(input.EndDate) : undefined,
      Description: input.Description,
      State: input.State ?? 'ENABLED',
      KmsKeyArn: input.KmsKeyArn,
      Target: input.Target,
      FlexibleTimeWindow: input.FlexibleTimeWindow,
      ActionAfterCompletion: input.ActionAfterCompletion ?? 'NONE',
      CreationDate: created?.CreationDate ?? new Date(now),
      LastModificationDate: new Date(now),
    };
  };

  return {
    persistence: persistence && {
      ...persistence,
      resume() {
        for (const s of schedules.values()) runner.arm(s, { restored: true });
      },
    },
    reset() {
      runner.cancelAll();
      groups.clear();
      schedules.clear();
      defaultGroup(home);
    },
    close() {
      runner.cancelAll();
    },

    CreateSchedule(input: any, ctx: RequestContext) {
      const s = scheduleFrom(input, ctx);
      group(s.GroupName, ctx);
      const key = scheduleKey(ctx, s.GroupName, s.Name);
      if (schedules.has(key)) throw new AwsError('ConflictException', `Schedule ${s.Name} already exists.`, 409);
      schedules.set(key, s);
      runner.arm(s);
      return { ScheduleArn: s.Arn };
    },
    UpdateSchedule(input: any, ctx: RequestContext) {
      required(input.Name, 'name');
      const existing = schedule(input.GroupName, input.Name, ctx);
      const s = scheduleFrom(input, ctx, existing);
      schedules.set(scheduleKey(ctx, s.GroupName, s.Name), s);
      runner.arm(s);
      return { ScheduleArn: s.Arn };
    },
    GetSchedule(input: any, ctx: RequestContext) {
      checkName(input.Name, 'name');
      const { done: _done, ...view } = schedule(input.GroupName, input.Name, ctx);
      return { ...view, ScheduleExpressionTimezone: view.ScheduleExpressionTimezone ?? 'UTC' };
    },
    DeleteSchedule(input: any, ctx: RequestContext) {
      checkName(input.Name, 'name');
      const s = schedule(input.GroupName, input.Name, ctx);
      runner.cancel(s);
      schedules.delete(scheduleKey(ctx, s.GroupName, s.Name));
      return {};
    },
    ListSchedules(input: any, ctx: RequestContext) {
      if (input.GroupName !== undefined) checkName(input.GroupName, 'groupName');
      lengthIn(input.NamePrefix, 'namePrefix', 1, 64);
      const size = input.MaxResults ?? 100;
      if (!(size >= 1 && size <= 100)) throw constraintViolation('ValidationException', 'maxResults', size, 'Member must have value between 1 and 100');
      const matching = valuesIn(schedules, ctx)
        .filter((s) => (input.GroupName === undefined || s.GroupName === input.GroupName) && (!input.NamePrefix || s.Name.startsWith(input.NamePrefix)) && (!input.State || s.State === input.State))
        .sort((a, b) => (a.GroupName === b.GroupName ? a.Name.localeCompare(b.Name) : a.GroupName.localeCompare(b.GroupName)));
      const page = offsetPage(matching, input.NextToken, size, 'schedules', invalidToken);
      return {
        Schedules: page.items.map((s) => ({
          Arn: s.Arn,
          Name: s.Name,
          GroupName: s.GroupName,
          State: s.State,
          CreationDate: s.CreationDate,
          LastModificationDate: s.LastModificationDate,
          Target: { Arn: s.Target.Arn },
        })),
        NextToken: page.next,
      };
    },

    CreateScheduleGroup(input: any, ctx: RequestContext) {
      checkName(input.Name, 'name');
      checkTags(input.Tags);
      if (input.Name === DEFAULT_GROUP || groups.has(keyIn(ctx, input.Name))) throw new AwsError('ConflictException', `Schedule group ${input.Name} already exists.`, 409);
      const now = new Date(clock.now());
      const g: Group = { Name: input.Name, Arn: groupArn(input.Name, ctx), CreationDate: now, LastModificationDate: now, Tags: mergedTags([], input.Tags) };
      groups.set(keyIn(ctx, g.Name), g);
      return { ScheduleGroupArn: g.Arn };
    },
    GetScheduleGroup(input: any, ctx: RequestContext) {
      checkName(input.Name, 'name');
      const g = group(input.Name, ctx);
      return { Arn: g.Arn, Name: g.Name, State: 'ACTIVE', CreationDate: g.CreationDate, LastModificationDate: g.LastModificationDate };
    },
    DeleteScheduleGroup(input: any, ctx: RequestContext) {
      checkName(input.Name, 'name');
      if (input.Name === DEFAULT_GROUP) throw new AwsError('ValidationException', 'Cannot delete the default schedule group.', 400);
      group(input.Name, ctx);
      // AWS deletes the group's schedules with it (the group shows DELETING meanwhile); here at once.
      const inGroup = scheduleKey(ctx, input.Name, '');
      for (const [key, s] of [...schedules]) {
        if (!key.startsWith(inGroup)) continue;
        runner.cancel(s);
        schedules.delete(key);
      }
      groups.delete(keyIn(ctx, input.Name));
      return {};
    },
    ListScheduleGroups(input: any, ctx: RequestContext) {
      lengthIn(input.NamePrefix, 'namePrefix', 1, 64);
      const size = input.MaxResults ?? 100;
      if (!(size >= 1 && size <= 100)) throw constraintViolation('ValidationException', 'maxResults', size, 'Member must have value between 1 and 100');
      defaultGroup(ctx);
      const matching = valuesIn(groups, ctx)
        .filter((g) => !input.NamePrefix || g.Name.startsWith(input.NamePrefix))
        .sort((a, b) => a.Name.localeCompare(b.Name));
      const page = offsetPage(matching, input.NextToken, size, 'groups', invalidToken);
      return {
        ScheduleGroups: page.items.map((g) => ({ Arn: g.Arn, Name: g.Name, State: 'ACTIVE', CreationDate: g.CreationDate, LastModificationDate: g.LastModificationDate })),
        NextToken: page.next,
      };
    },

    TagResource(input: any) {
      const g = taggable(input.ResourceArn);
      required(input.Tags, 'tags');
      checkTags(input.Tags);
      const tags = mergedTags(g.Tags, input.Tags);
      if (tags.length > 200) throw new AwsError('ValidationException', 'A resource can have at most 200 tags.', 400);
      g.Tags = tags;
      return {};
    },
    UntagResource(input: any) {
      const g = taggable(input.ResourceArn);
      required(input.TagKeys, 'tagKeys');
      g.Tags = withoutTags(g.Tags, input.TagKeys);
      return {};
    },
    ListTagsForResource(input: any) {
      return { Tags: taggable(input.ResourceArn).Tags };
    },
  };
}
