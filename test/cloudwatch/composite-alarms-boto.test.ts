import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { CLIENTS, skipBecause } from '../helpers/cli';
import { useEmulator } from '../helpers/emulator';

/**
 * PutCompositeAlarm, DescribeAlarms with composites, anomaly detectors and metric streams through boto3: 1.43 speaks
 * CBOR to CloudWatch, Debian's 1.26 the Query protocol. Each run uses its own names in one emulator.
 */
const emulator = useEmulator();
const run = promisify(execFile);

const pythons = [
  { label: 'python3 on PATH (CBOR)', exe: 'python3', prefix: 'cbor' },
  { label: "Debian's python3 (Query)", exe: CLIENTS.debianPython, prefix: 'query' },
];

const SCRIPT = `
import boto3, json, sys
endpoint, p = sys.argv[1], sys.argv[2]
c = boto3.client('cloudwatch', endpoint_url=endpoint, region_name='us-east-1', aws_access_key_id='t', aws_secret_access_key='t')
for n in ('a', 'b'):
    c.put_metric_alarm(AlarmName=p + '-' + n, Namespace='Boto', MetricName=p + n, Statistic='Sum', Period=60, EvaluationPeriods=1,
                       Threshold=1, ComparisonOperator='GreaterThanThreshold')
c.set_alarm_state(AlarmName=p + '-a', StateValue='ALARM', StateReason='boto')
c.put_composite_alarm(AlarmName=p + '-comp', AlarmRule='ALARM("%s-a") OR ALARM(%s-b)' % (p, p), AlarmDescription='via boto3',
                      AlarmActions=['arn:aws:sns:us-east-1:000000000000:nowhere'], Tags=[{'Key': 'via', 'Value': 'boto3'}])
d = c.describe_alarms(AlarmNames=[p + '-comp', p + '-a'], AlarmTypes=['CompositeAlarm', 'MetricAlarm'])
comp = d['CompositeAlarms'][0]
kids = c.describe_alarms(ChildrenOfAlarmName=p + '-comp')
h = c.describe_alarm_history(AlarmName=p + '-comp', AlarmTypes=['CompositeAlarm'], HistoryItemType='StateUpdate')
try:
    c.put_composite_alarm(AlarmName=p + '-bad', AlarmRule='ALARM(%s-missing)' % p)
    err = None
except c.exceptions.ClientError as e:
    err = e.response['Error']['Code']
c.put_anomaly_detector(Namespace='Boto', MetricName=p + 'a', Stat='Average')
ad = c.describe_anomaly_detectors(MetricName=p + 'a')['AnomalyDetectors'][0]
c.put_metric_stream(Name=p + '-stream', FirehoseArn='arn:aws:firehose:us-east-1:000000000000:deliverystream/x',
                    RoleArn='arn:aws:iam::000000000000:role/x', OutputFormat='json', IncludeFilters=[{'Namespace': 'Boto'}])
c.stop_metric_streams(Names=[p + '-stream'])
s = c.get_metric_stream(Name=p + '-stream')
entries = c.list_metric_streams()['Entries']
c.delete_metric_stream(Name=p + '-stream')
c.delete_anomaly_detector(Namespace='Boto', MetricName=p + 'a', Stat='Average')
print(json.dumps({
    'state': comp['StateValue'], 'rule': comp['AlarmRule'], 'description': comp['AlarmDescription'],
    'reason': comp['StateReason'], 'metric': [a['AlarmName'] for a in d['MetricAlarms']],
    'children': sorted(a['AlarmName'] for a in kids['MetricAlarms']),
    'history': [x['HistorySummary'] for x in h['AlarmHistoryItems']], 'error': err,
    'tags': c.list_tags_for_resource(ResourceARN=comp['AlarmArn'])['Tags'],
    'detector': [ad['MetricName'], ad['StateValue']], 'stream': [s['State'], s['IncludeFilters'], s['OutputFormat']],
    'streams': [e['Name'] for e in entries if e['Name'].startswith(p)],
}))
`;

it.each(pythons)('boto3 with $label puts a composite alarm and reads it back', async ({ exe, prefix }) => {
  try {
    await run(exe, ['-c', 'import boto3'], { timeout: 30_000 });
  } catch {
    return skipBecause(`${exe} has no boto3`);
  }
  const { stdout } = await run(exe, ['-c', SCRIPT, emulator().endpoint, prefix], {
    timeout: 90_000,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' },
  });
  expect(JSON.parse(stdout)).toEqual({
    state: 'ALARM',
    rule: `ALARM("${prefix}-a") OR ALARM(${prefix}-b)`,
    description: 'via boto3',
    reason: expect.stringMatching(new RegExp(`^arn:aws:cloudwatch:us-east-1:000000000000:alarm:${prefix}-a transitioned to ALARM at \\w+day \\d\\d \\w+, \\d{4} \\d\\d:\\d\\d:\\d\\d UTC$`)),
    metric: [`${prefix}-a`],
    children: [`${prefix}-a`, `${prefix}-b`],
    history: ['Alarm updated from INSUFFICIENT_DATA to ALARM'],
    error: 'ValidationError',
    tags: [{ Key: 'via', Value: 'boto3' }],
    detector: [`${prefix}a`, 'PENDING_TRAINING'],
    stream: ['stopped', [{ Namespace: 'Boto' }], 'json'],
    streams: [`${prefix}-stream`],
  });
});
