import {
  CloudWatchClient,
  DeleteAlarmsCommand,
  DescribeAlarmsCommand,
  DeleteDashboardsCommand,
  DescribeAlarmHistoryCommand,
  GetDashboardCommand,
  ListDashboardsCommand,
  ListTagsForResourceCommand,
  PutDashboardCommand,
  PutMetricAlarmCommand,
  PutMetricDataCommand,
  SetAlarmStateCommand,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-cloudwatch';
import { clientConfig, rawRequest, sigv4, useEmulator } from '../helpers/emulator';
import { awsCli, CLIENTS, hasCommand, skipBecause } from '../helpers/cli';

const emulator = useEmulator();
const cw = () => new CloudWatchClient(clientConfig(emulator()));
const alarmArn = (name: string) => `arn:aws:cloudwatch:us-east-1:000000000000:alarm:${name}`;
const alarm = (name: string, extra: Record<string, unknown> = {}) =>
  new PutMetricAlarmCommand({
    AlarmName: name,
    Namespace: 'Harness/History',
    MetricName: name,
    Statistic: 'Sum',
    Period: 60,
    EvaluationPeriods: 1,
    Threshold: 1,
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    ...extra,
  });

describe('CloudWatch alarm tags', () => {
  it('keeps PutMetricAlarm Tags and lists, adds and removes them by alarm ARN', async () => {
    await cw().send(alarm('tagged', { Tags: [{ Key: 'team', Value: 'ops' }] }));
    expect((await cw().send(new ListTagsForResourceCommand({ ResourceARN: alarmArn('tagged') }))).Tags).toEqual([{ Key: 'team', Value: 'ops' }]);
    await cw().send(new TagResourceCommand({ ResourceARN: alarmArn('tagged'), Tags: [{ Key: 'env', Value: 'test' }, { Key: 'team', Value: 'sre' }] }));
    await cw().send(new UntagResourceCommand({ ResourceARN: alarmArn('tagged'), TagKeys: ['env'] }));
    // Updating the alarm with other Tags leaves its tags alone, as on AWS.
    await cw().send(alarm('tagged', { Tags: [{ Key: 'ignored', Value: 'x' }] }));
    expect((await cw().send(new ListTagsForResourceCommand({ ResourceARN: alarmArn('tagged') }))).Tags).toEqual([{ Key: 'team', Value: 'sre' }]);
  });

  it('answers ResourceNotFoundException (404) for an unknown or deleted alarm', async () => {
    await expect(cw().send(new ListTagsForResourceCommand({ ResourceARN: alarmArn('ghost') }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      $metadata: { httpStatusCode: 404 },
    });
    await cw().send(alarm('doomed', { Tags: [{ Key: 'a', Value: 'b' }] }));
    // A name of no alarm in the list does not stop the others being deleted (AWS's DeleteAlarms reference).
    await cw().send(new DeleteAlarmsCommand({ AlarmNames: ['never-was', 'doomed'] }));
    expect((await cw().send(new DescribeAlarmsCommand({ AlarmNames: ['doomed'] }))).MetricAlarms).toEqual([]);
    await expect(cw().send(new TagResourceCommand({ ResourceARN: alarmArn('doomed'), Tags: [{ Key: 'a', Value: 'b' }] }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      $metadata: { httpStatusCode: 404 },
    });
  });

  it('lists tags through the AWS CLI v1 (CBOR)', async () => {
    if (!(await hasCommand(CLIENTS.awsCliV1))) return skipBecause('the AWS CLI v1 (aws) is not on PATH');
    await cw().send(alarm('cli-tagged', { Tags: [{ Key: 'via', Value: 'sdk' }] }));
    const out = JSON.parse(await awsCli(CLIENTS.awsCliV1, emulator().endpoint, ['cloudwatch', 'list-tags-for-resource', '--resource-arn', alarmArn('cli-tagged')]));
    expect(out.Tags).toEqual([{ Key: 'via', Value: 'sdk' }]);
  });
});

describe('CloudWatch dashboards', () => {
  const body = JSON.stringify({ widgets: [{ type: 'text', x: 0, y: 0, width: 6, height: 3, properties: { markdown: 'hello' } }] });

  it('puts, gets, lists by prefix and deletes dashboards', async () => {
    const put = await cw().send(new PutDashboardCommand({ DashboardName: 'ops-main', DashboardBody: body }));
    expect(put.DashboardValidationMessages).toEqual([]);
    await cw().send(new PutDashboardCommand({ DashboardName: 'ops-extra', DashboardBody: JSON.stringify({ widgets: [] }) }));
    await cw().send(new PutDashboardCommand({ DashboardName: 'other', DashboardBody: JSON.stringify({ widgets: [] }) }));
    const got = await cw().send(new GetDashboardCommand({ DashboardName: 'ops-main' }));
    expect(got).toMatchObject({ DashboardName: 'ops-main', DashboardBody: body, DashboardArn: 'arn:aws:cloudwatch::000000000000:dashboard/ops-main' });
    const listed = await cw().send(new ListDashboardsCommand({ DashboardNamePrefix: 'ops-' }));
    expect(listed.DashboardEntries?.map((d) => d.DashboardName)).toEqual(['ops-extra', 'ops-main']);
    expect(listed.DashboardEntries?.[1]).toMatchObject({ Size: Buffer.byteLength(body), DashboardArn: got.DashboardArn });
    expect(listed.DashboardEntries?.[1]?.LastModified).toBeInstanceOf(Date);
    await cw().send(new DeleteDashboardsCommand({ DashboardNames: ['ops-main', 'ops-extra'] }));
    expect((await cw().send(new ListDashboardsCommand({}))).DashboardEntries?.map((d) => d.DashboardName)).toEqual(['other']);
  });

  // DashboardNotFoundError travels as the Query code ResourceNotFound (x-amzn-query-error), which the SDK names the error after.
  it('answers ResourceNotFound (404) for an unknown dashboard and deletes nothing when one name is unknown', async () => {
    await expect(cw().send(new GetDashboardCommand({ DashboardName: 'missing' }))).rejects.toMatchObject({
      name: 'ResourceNotFound',
      $metadata: { httpStatusCode: 404 },
    });
    await cw().send(new PutDashboardCommand({ DashboardName: 'kept', DashboardBody: body }));
    await expect(cw().send(new DeleteDashboardsCommand({ DashboardNames: ['kept', 'missing'] }))).rejects.toMatchObject({
      name: 'ResourceNotFound',
      $metadata: { httpStatusCode: 404 },
    });
    expect((await cw().send(new GetDashboardCommand({ DashboardName: 'kept' }))).DashboardBody).toBe(body);
  });

  it('refuses a body that is not a JSON object with DashboardValidationMessages', async () => {
    for (const bad of ['not json', '[1,2]', '{}']) {
      const err = await cw()
        .send(new PutDashboardCommand({ DashboardName: 'bad', DashboardBody: bad }))
        .then(() => undefined, (e) => e);
      expect(err).toMatchObject({ name: 'DashboardInvalidInputError', $metadata: { httpStatusCode: 400 } });
      expect(err.message).toMatch(/^The dashboard body is invalid, there are 1 validation errors:/);
      expect(err.dashboardValidationMessages).toEqual([expect.objectContaining({ DataPath: '', Message: expect.any(String) })]);
    }
    await expect(cw().send(new GetDashboardCommand({ DashboardName: 'bad' }))).rejects.toMatchObject({ name: 'ResourceNotFound' });
  });

  it('names the errors with their Query codes (InvalidParameterInput, ResourceNotFound) over the Query protocol', async () => {
    const query = (params: Record<string, string>) =>
      rawRequest(emulator(), '/', {
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: sigv4('monitoring') },
        body: new URLSearchParams({ Version: '2010-08-01', ...params }).toString(),
      });
    const invalid = await query({ Action: 'PutDashboard', DashboardName: 'q', DashboardBody: '"text"' });
    expect(invalid.status).toBe(400);
    expect(invalid.text).toContain('<Code>InvalidParameterInput</Code>');
    const missing = await query({ Action: 'GetDashboard', DashboardName: 'nowhere' });
    expect(missing.status).toBe(404);
    expect(missing.text).toContain('<Code>ResourceNotFound</Code>');
  });
});

describe('CloudWatch alarm history', () => {
  it('records state changes and configuration updates, filtered by name, type and date', async () => {
    const before = new Date(Date.now() - 1000);
    await cw().send(alarm('hist'));
    await cw().send(new PutMetricDataCommand({ Namespace: 'Harness/History', MetricData: [{ MetricName: 'hist', Value: 5 }] }));
    await cw().send(new SetAlarmStateCommand({ AlarmName: 'hist', StateValue: 'OK', StateReason: 'manual reset' }));
    await cw().send(alarm('unrelated'));

    const states = await cw().send(new DescribeAlarmHistoryCommand({ AlarmName: 'hist', HistoryItemType: 'StateUpdate' }));
    expect(states.AlarmHistoryItems?.map((h) => h.HistorySummary)).toEqual(['Alarm updated from ALARM to OK', 'Alarm updated from INSUFFICIENT_DATA to ALARM']);
    const latest = states.AlarmHistoryItems![0]!;
    expect(latest).toMatchObject({ AlarmName: 'hist', AlarmType: 'MetricAlarm', HistoryItemType: 'StateUpdate' });
    expect(JSON.parse(latest.HistoryData!)).toMatchObject({ version: '1.0', oldState: { stateValue: 'ALARM' }, newState: { stateValue: 'OK', stateReason: 'manual reset' } });

    const ascending = await cw().send(new DescribeAlarmHistoryCommand({ AlarmName: 'hist', ScanBy: 'TimestampAscending' }));
    expect(ascending.AlarmHistoryItems?.map((h) => h.HistoryItemType)).toEqual(['ConfigurationUpdate', 'StateUpdate', 'StateUpdate']);
    expect(ascending.AlarmHistoryItems?.[0]?.HistorySummary).toBe('Alarm "hist" created');

    const paged = await cw().send(new DescribeAlarmHistoryCommand({ AlarmName: 'hist', MaxRecords: 2 }));
    expect(paged.AlarmHistoryItems).toHaveLength(2);
    const rest = await cw().send(new DescribeAlarmHistoryCommand({ AlarmName: 'hist', MaxRecords: 2, NextToken: paged.NextToken }));
    expect(rest.AlarmHistoryItems).toHaveLength(1);
    expect(rest.NextToken).toBeUndefined();

    const future = await cw().send(new DescribeAlarmHistoryCommand({ StartDate: new Date(Date.now() + 3_600_000), EndDate: new Date(Date.now() + 7_200_000) }));
    expect(future.AlarmHistoryItems).toEqual([]);
    const window = await cw().send(new DescribeAlarmHistoryCommand({ StartDate: before, EndDate: new Date(Date.now() + 1000), AlarmTypes: ['MetricAlarm'] }));
    const names = new Set(window.AlarmHistoryItems?.map((h) => h.AlarmName));
    expect(names.has('hist') && names.has('unrelated')).toBe(true);
    const composite = await cw().send(new DescribeAlarmHistoryCommand({ AlarmTypes: ['CompositeAlarm'] }));
    expect(composite.AlarmHistoryItems).toEqual([]);
  });
});
