import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { awsCli, CLIENTS, hasCommand, hasDebianAwsCli, skipBecause } from '../helpers/cli';
import { clientConfig, useEmulator } from '../helpers/emulator';

const run = promisify(execFile);
const emulator = useEmulator();

/** Parameter Store through the real AWS clients on this machine: AWS CLI v1, Debian's AWS CLI v2, boto3. */
beforeAll(async () => {
  const ssm = new SSMClient(clientConfig(emulator()));
  await ssm.send(new PutParameterCommand({ Name: '/cli/greeting', Value: 'hello', Type: 'String' }));
  await ssm.send(new PutParameterCommand({ Name: '/cli/secret', Value: 'pssst', Type: 'SecureString' }));
  ssm.destroy();
});

it('AWS CLI v1: aws ssm get-parameter, put-parameter and get-parameters-by-path', async () => {
  if (!(await hasCommand(CLIENTS.awsCliV1))) return skipBecause('the AWS CLI v1 is not on PATH');
  const ep = emulator().endpoint;
  const got = JSON.parse(await awsCli(CLIENTS.awsCliV1, ep, ['ssm', 'get-parameter', '--name', '/cli/secret', '--with-decryption']));
  expect(got.Parameter).toMatchObject({ Name: '/cli/secret', Type: 'SecureString', Value: 'pssst', Version: 1 });
  await awsCli(CLIENTS.awsCliV1, ep, ['ssm', 'put-parameter', '--name', '/cli/from-v1', '--value', 'v1', '--type', 'String']);
  const byPath = JSON.parse(await awsCli(CLIENTS.awsCliV1, ep, ['ssm', 'get-parameters-by-path', '--path', '/cli']));
  expect(byPath.Parameters.map((p: { Name: string }) => p.Name).sort()).toEqual(['/cli/from-v1', '/cli/greeting', '/cli/secret']);
  const missing = await awsCli(CLIENTS.awsCliV1, ep, ['ssm', 'get-parameter', '--name', '/cli/none']).catch((e) => String(e.stderr));
  expect(missing).toMatch(/ParameterNotFound/);
});

it("Debian's AWS CLI v2: aws ssm get-parameter", async () => {
  if (!hasDebianAwsCli()) return skipBecause("Debian's awscli is not installed (.ci/run installs it)");
  const got = JSON.parse(await awsCli(CLIENTS.awsCliDebian, emulator().endpoint, ['ssm', 'get-parameter', '--name', '/cli/greeting']));
  expect(got.Parameter).toMatchObject({ Name: '/cli/greeting', Value: 'hello', Type: 'String' });
});

const BOTO3 = `
import boto3, json, sys
ssm = boto3.client('ssm', endpoint_url=sys.argv[1], region_name='us-east-1', aws_access_key_id='test', aws_secret_access_key='test')
ssm.put_parameter(Name='/cli/from-boto3', Value='b3', Type='String', Overwrite=True)
out = ssm.get_parameters(Names=['/cli/from-boto3', '/cli/greeting', '/cli/nope'])
try:
    ssm.get_parameter(Name='/cli/nope')
    code = None
except ssm.exceptions.ParameterNotFound as e:
    code = e.response['Error']['Code']
print(json.dumps({'values': sorted(p['Value'] for p in out['Parameters']), 'invalid': out['InvalidParameters'], 'code': code}))
`;

it.each([
  ['boto3 (python3 on PATH)', 'python3'],
  ["Debian's boto3", CLIENTS.debianPython],
])('%s: get_parameters and a ParameterNotFound it can catch', async (_label, python) => {
  if (!(python.startsWith('/') ? existsSync(python) : await hasCommand(python))) return skipBecause(`${python} is not installed`);
  const hasBoto3 = await run(python, ['-c', 'import boto3'], { timeout: 30_000 }).then(() => true, () => false);
  if (!hasBoto3) return skipBecause(`${python} has no boto3`);
  const { stdout } = await run(python, ['-c', BOTO3, emulator().endpoint], {
    timeout: 60_000,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' },
  });
  expect(JSON.parse(stdout)).toEqual({ values: ['b3', 'hello'], invalid: ['/cli/nope'], code: 'ParameterNotFound' });
});
