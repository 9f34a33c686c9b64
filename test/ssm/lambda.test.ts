import { InvokeCommand } from '@aws-sdk/client-lambda';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { clientConfig, useEmulator } from '../helpers/emulator';
import { deployNode, json, lambdaClient, payload, uniqueName } from '../lambda/helpers';

const emulator = useEmulator();

it('a Node function reads its configuration with the SDK the runtime provides (endpoint from AWS_ENDPOINT_URL)', async () => {
  const ssm = new SSMClient(clientConfig(emulator()));
  await ssm.send(new PutParameterCommand({ Name: '/pipeline/config/threshold', Value: '42', Type: 'String' }));
  await ssm.send(new PutParameterCommand({ Name: '/pipeline/config/api-key', Value: 'k-123', Type: 'SecureString' }));
  ssm.destroy();
  const lambda = lambdaClient(emulator());
  const name = uniqueName('ssm-reader');
  await deployNode(
    lambda,
    name,
    `const { SSMClient, GetParametersByPathCommand } = require('@aws-sdk/client-ssm');
const ssm = new SSMClient({});
exports.handler = async (event) => {
  const out = await ssm.send(new GetParametersByPathCommand({ Path: event.path, WithDecryption: true }));
  return Object.fromEntries(out.Parameters.map((p) => [p.Name, p.Value]));
};`,
    { Timeout: 30 },
  );
  const res = await lambda.send(new InvokeCommand({ FunctionName: name, Payload: payload({ path: '/pipeline/config' }) }));
  expect(res.FunctionError).toBeUndefined();
  expect(json(res.Payload)).toEqual({ '/pipeline/config/threshold': '42', '/pipeline/config/api-key': 'k-123' });
});

it('a Node function reads a secret and a SecureString with plain SDK calls (no Parameters and Secrets extension)', async () => {
  const ssm = new SSMClient(clientConfig(emulator()));
  await ssm.send(new PutParameterCommand({ Name: '/reader/db-host', Value: 'db.internal', Type: 'SecureString' }));
  ssm.destroy();
  const sm = new SecretsManagerClient(clientConfig(emulator()));
  await sm.send(new CreateSecretCommand({ Name: 'reader/db-password', SecretString: '{"password":"pw"}' }));
  sm.destroy();
  const lambda = lambdaClient(emulator());
  const name = uniqueName('secret-reader');
  await deployNode(
    lambda,
    name,
    `const { SSMClient, GetParameterCommand } = require('@aws-sdk/client-ssm');
const { SecretsManagerClient, GetSecretValueCommand } = require('@aws-sdk/client-secrets-manager');
const ssm = new SSMClient({});
const sm = new SecretsManagerClient({});
exports.handler = async () => {
  const host = await ssm.send(new GetParameterCommand({ Name: '/reader/db-host', WithDecryption: true }));
  const secret = await sm.send(new GetSecretValueCommand({ SecretId: 'reader/db-password' }));
  return { host: host.Parameter.Value, password: JSON.parse(secret.SecretString).password, stages: secret.VersionStages };
};`,
    { Timeout: 30 },
  );
  const res = await lambda.send(new InvokeCommand({ FunctionName: name, Payload: payload({}) }));
  expect(res.FunctionError).toBeUndefined();
  expect(json(res.Payload)).toEqual({ host: 'db.internal', password: 'pw', stages: ['AWSCURRENT'] });
});
