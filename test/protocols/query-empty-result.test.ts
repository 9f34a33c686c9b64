import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { CLIENTS, skipBecause } from '../helpers/cli';
import { rawRequest, sigv4, useEmulator } from '../helpers/emulator';

/*
 * The Query protocol answered an operation whose output structure has no members (SNS TagResource, UntagResource,
 * SetSMSAttributes…) without its <…Result> element; botocore (old and new) requires it whenever the model names an
 * output, and failed with KeyError: 'TagResourceResult' — `aws sns tag-resource` and boto3's tag_resource crashed.
 * AWS sends the empty element. Operations whose output is the unit type (DeleteTopic) have none.
 */
const emulator = useEmulator();

async function query(service: string, params: Record<string, string>) {
  return rawRequest(emulator(), '/', {
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: sigv4(service) },
    body: new URLSearchParams({ Version: '2010-03-31', ...params }).toString(),
  });
}

it('sends an empty Result element for an output without members, none for the unit output', async () => {
  const created = await query('sns', { Action: 'CreateTopic', Name: 'empty-result' });
  const topicArn = /<TopicArn>([^<]+)<\/TopicArn>/.exec(created.text)![1]!;
  const tagged = await query('sns', { Action: 'TagResource', ResourceArn: topicArn, 'Tags.member.1.Key': 'k', 'Tags.member.1.Value': 'v' });
  expect(tagged.status).toBe(200);
  expect(tagged.text).toMatch(/<TagResourceResponse[^>]*><TagResourceResult><\/TagResourceResult><ResponseMetadata>/);
  const deleted = await query('sns', { Action: 'DeleteTopic', TopicArn: topicArn });
  expect(deleted.status).toBe(200);
  expect(deleted.text).not.toContain('DeleteTopicResult');
});

/** boto3 as the image and Debian ship it (python3 on PATH: 1.43; /usr/bin/python3: 1.26), where installed. */
const pythons = [
  { label: 'python3 on PATH', exe: 'python3' },
  { label: "Debian's python3", exe: CLIENTS.debianPython },
];

it.each(pythons)('boto3 with $label tags a topic and sets SMS attributes', async ({ exe }) => {
  try {
    execFileSync(exe, ['-c', 'import boto3'], { stdio: 'ignore' });
  } catch {
    return skipBecause(`${exe} has no boto3`);
  }
  const script = `
import boto3, sys
c = boto3.client('sns', endpoint_url=sys.argv[1], region_name='us-east-1', aws_access_key_id='t', aws_secret_access_key='t')
t = c.create_topic(Name='boto-tags')['TopicArn']
c.tag_resource(ResourceArn=t, Tags=[{'Key': 'team', 'Value': 'data'}])
c.set_sms_attributes(attributes={'DefaultSMSType': 'Transactional'})
print(c.list_tags_for_resource(ResourceArn=t)['Tags'][0]['Value'], c.get_sms_attributes()['attributes']['DefaultSMSType'])
c.untag_resource(ResourceArn=t, TagKeys=['team'])
`;
  // Not execFileSync: the emulator answering boto3 runs on this process's event loop.
  const { stdout } = await promisify(execFile)(exe, ['-c', script, emulator().endpoint], {
    timeout: 60_000,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' },
  });
  expect(stdout.trim()).toBe('data Transactional');
});
