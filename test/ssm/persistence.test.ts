import {
  GetParameterCommand,
  GetParameterHistoryCommand,
  LabelParameterVersionCommand,
  ListTagsForResourceCommand,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { clientConfig, usePersistentEmulator } from '../helpers/emulator';

/** With `dataDir`, parameters (every version, labels, tags, SecureString values) survive a restart. */
const { emulator, restart } = usePersistentEmulator('persist-ssm');

it('brings back parameters with their versions, labels, tags and dates', async () => {
  let ssm = new SSMClient(clientConfig(emulator()));
  await ssm.send(new PutParameterCommand({ Name: '/kept/url', Value: 'http://a', Type: 'String', Tags: [{ Key: 'team', Value: 'data' }] }));
  await ssm.send(new PutParameterCommand({ Name: '/kept/url', Value: 'http://b', Overwrite: true }));
  await ssm.send(new LabelParameterVersionCommand({ Name: '/kept/url', ParameterVersion: 1, Labels: ['old'] }));
  await ssm.send(new PutParameterCommand({ Name: '/kept/secret', Value: 's3cr3t', Type: 'SecureString' }));
  const before = (await ssm.send(new GetParameterCommand({ Name: '/kept/url' }))).Parameter!;
  ssm.destroy();

  await restart();
  ssm = new SSMClient(clientConfig(emulator()));
  const after = (await ssm.send(new GetParameterCommand({ Name: '/kept/url' }))).Parameter!;
  expect(after).toMatchObject({ Value: 'http://b', Version: 2 });
  expect(after.LastModifiedDate).toEqual(before.LastModifiedDate);
  expect((await ssm.send(new GetParameterCommand({ Name: '/kept/url:old' }))).Parameter!.Value).toBe('http://a');
  const history = await ssm.send(new GetParameterHistoryCommand({ Name: '/kept/url' }));
  expect(history.Parameters!.map((p) => [p.Version, p.Labels])).toEqual([
    [1, ['old']],
    [2, []],
  ]);
  expect((await ssm.send(new ListTagsForResourceCommand({ ResourceType: 'Parameter', ResourceId: '/kept/url' }))).TagList).toEqual([{ Key: 'team', Value: 'data' }]);
  expect((await ssm.send(new GetParameterCommand({ Name: '/kept/secret', WithDecryption: true }))).Parameter!.Value).toBe('s3cr3t');
  // Versions keep counting from where they were.
  expect((await ssm.send(new PutParameterCommand({ Name: '/kept/url', Value: 'http://c', Overwrite: true }))).Version).toBe(3);
  ssm.destroy();
});
