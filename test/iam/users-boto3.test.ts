import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { skipBecause } from '../helpers/cli';
import { useEmulator } from '../helpers/emulator';

/** boto3 (python3 on PATH): IAM is a Query protocol, so botocore reads these answers as XML. */
const run = promisify(execFile);
const emulator = useEmulator();

const SCRIPT = `
import json, sys, boto3
endpoint = sys.argv[1]
admin = dict(endpoint_url=endpoint, region_name='us-east-1', aws_access_key_id='test', aws_secret_access_key='test')
iam = boto3.client('iam', **admin)
user = iam.create_user(UserName='py-user', Path='/py/', Tags=[{'Key': 'team', 'Value': 'data'}])['User']
key = iam.create_access_key(UserName='py-user')['AccessKey']
iam.create_group(GroupName='py-group')
iam.add_user_to_group(GroupName='py-group', UserName='py-user')
iam.put_user_policy(UserName='py-user', PolicyName='inline', PolicyDocument=json.dumps({'Version': '2012-10-17', 'Statement': [{'Effect': 'Allow', 'Action': 's3:*', 'Resource': '*'}]}))
keys = iam.list_access_keys(UserName='py-user')['AccessKeyMetadata']
own = dict(endpoint_url=endpoint, region_name='us-east-1', aws_access_key_id=key['AccessKeyId'], aws_secret_access_key=key['SecretAccessKey'])
print(json.dumps({
  'boto3': boto3.__version__,
  'userId': user['UserId'],
  'arn': user['Arn'],
  'keyId': key['AccessKeyId'],
  'secretLength': len(key['SecretAccessKey']),
  'listed': [k['AccessKeyId'] for k in keys],
  'status': [k['Status'] for k in keys],
  'groups': [g['GroupName'] for g in iam.list_groups_for_user(UserName='py-user')['Groups']],
  'members': [u['UserName'] for u in iam.get_group(GroupName='py-group')['Users']],
  'inline': iam.get_user_policy(UserName='py-user', PolicyName='inline')['PolicyDocument'],
  'summaryUsers': iam.get_account_summary()['SummaryMap']['Users'],
  'me': boto3.client('iam', **own).get_user()['User']['UserName'],
  'caller': boto3.client('sts', **own).get_caller_identity()['Arn'],
}))
`;

it('creates a user, an access key and a group through boto3, and signs as the user with the key', async () => {
  try {
    await run('python3', ['-c', 'import boto3'], { timeout: 30_000 });
  } catch {
    return skipBecause('python3 on PATH has no boto3');
  }
  const { stdout } = await run('python3', ['-c', SCRIPT, emulator().endpoint], {
    timeout: 60_000,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' },
  });
  const out = JSON.parse(stdout);
  expect(out).toMatchObject({
    arn: 'arn:aws:iam::000000000000:user/py/py-user',
    secretLength: 40,
    listed: [out.keyId],
    status: ['Active'],
    groups: ['py-group'],
    members: ['py-user'],
    summaryUsers: 1,
    me: 'py-user',
    caller: 'arn:aws:iam::000000000000:user/py/py-user',
  });
  expect(out.userId).toMatch(/^AIDA/);
  expect(out.keyId).toMatch(/^AKIA[A-Z2-7]{16}$/);
  // botocore decodes IAM's URL-encoded policy documents into objects.
  expect(out.inline.Statement[0].Action).toBe('s3:*');
});
