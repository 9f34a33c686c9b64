import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { skipBecause } from '../helpers/cli';
import { useEmulator } from '../helpers/emulator';

/** boto3 (python3 on PATH, 1.43) creates, describes, lists and deletes a pipe over REST-JSON. */
const emulator = useEmulator();
const run = promisify(execFile);

const SCRIPT = `
import boto3, json, sys, time
endpoint = sys.argv[1]
kw = dict(endpoint_url=endpoint, region_name='us-east-1', aws_access_key_id='t', aws_secret_access_key='t')
sqs = boto3.client('sqs', **kw)
p = boto3.client('pipes', **kw)
src = sqs.get_queue_attributes(QueueUrl=sqs.create_queue(QueueName='boto-src')['QueueUrl'], AttributeNames=['QueueArn'])['Attributes']['QueueArn']
dst = sqs.get_queue_attributes(QueueUrl=sqs.create_queue(QueueName='boto-dst')['QueueUrl'], AttributeNames=['QueueArn'])['Attributes']['QueueArn']
created = p.create_pipe(Name='boto-pipe', Source=src, Target=dst, RoleArn='arn:aws:iam::000000000000:role/r',
                        SourceParameters={'SqsQueueParameters': {'BatchSize': 4}, 'FilterCriteria': {'Filters': [{'Pattern': '{"body": {"a": [1]}}'}]}},
                        TargetParameters={'InputTemplate': '{"a": <$.body.a>}'}, Tags={'via': 'boto3'})
states = [created['CurrentState']]
deadline = time.time() + 10
while time.time() < deadline:
    d = p.describe_pipe(Name='boto-pipe')
    if d['CurrentState'] != states[-1]:
        states.append(d['CurrentState'])
    if d['CurrentState'] == 'RUNNING':
        break
try:
    p.describe_pipe(Name='nope')
    missing = None
except p.exceptions.NotFoundException as e:
    missing = e.response['Error']['Code']
try:
    p.create_pipe(Name='bad name', Source=src, Target=dst, RoleArn='arn:aws:iam::000000000000:role/r')
    invalid = None
except p.exceptions.ValidationException as e:
    invalid = [e.response['Error']['Code'], [f['name'] for f in e.response.get('fieldList', [])]]
listed = [x['Name'] for x in p.list_pipes(NamePrefix='boto')['Pipes']]
deleted = p.delete_pipe(Name='boto-pipe')
print(json.dumps({
    'arn': created['Arn'], 'states': states, 'source': d['Source'], 'target': d['Target'],
    'batch': d['SourceParameters']['SqsQueueParameters']['BatchSize'], 'filters': d['SourceParameters']['FilterCriteria']['Filters'],
    'template': d['TargetParameters']['InputTemplate'], 'tags': d['Tags'], 'created': d['CreationTime'].isoformat(),
    'missing': missing, 'invalid': invalid, 'listed': listed, 'deleted': [deleted['DesiredState'], deleted['CurrentState']],
}))
`;

it('boto3 creates a pipe, polls DescribePipe until RUNNING, lists and deletes it', async () => {
  try {
    await run('python3', ['-c', 'import boto3; boto3.client("pipes", region_name="us-east-1")'], { timeout: 30_000 });
  } catch {
    skipBecause('python3 with a boto3 that knows Pipes is not available');
    return;
  }
  const { stdout } = await run('python3', ['-c', SCRIPT, emulator().endpoint], { timeout: 60_000 });
  const out = JSON.parse(stdout);
  expect(out).toMatchObject({
    arn: 'arn:aws:pipes:us-east-1:000000000000:pipe/boto-pipe',
    source: 'arn:aws:sqs:us-east-1:000000000000:boto-src',
    target: 'arn:aws:sqs:us-east-1:000000000000:boto-dst',
    batch: 4,
    filters: [{ Pattern: '{"body": {"a": [1]}}' }],
    template: '{"a": <$.body.a>}',
    tags: { via: 'boto3' },
    missing: 'NotFoundException',
    invalid: ['ValidationException', ['name']],
    listed: ['boto-pipe'],
    deleted: ['DELETED', 'DELETING'],
  });
  expect(out.states[0]).toBe('CREATING');
  expect(out.states[out.states.length - 1]).toBe('RUNNING');
  expect(Number.isNaN(Date.parse(out.created))).toBe(false);
});
