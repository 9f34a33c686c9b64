import {
  CreateInstanceProfileCommand,
  IAMClient,
  ListInstanceProfileTagsCommand,
  TagInstanceProfileCommand,
  UntagInstanceProfileCommand,
} from '@aws-sdk/client-iam';
import { clientConfig, useEmulator } from '../helpers/emulator';
import { refused } from './refused';

const emulator = useEmulator();

it('tags and untags an instance profile (Terraform sets tags on aws_iam_instance_profile this way)', async () => {
  const iam = new IAMClient(clientConfig(emulator()));
  await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'web', Tags: [{ Key: 'a', Value: '1' }] }));
  await iam.send(new TagInstanceProfileCommand({ InstanceProfileName: 'web', Tags: [{ Key: 'a', Value: '2' }, { Key: 'b', Value: '3' }] }));
  await iam.send(new UntagInstanceProfileCommand({ InstanceProfileName: 'web', TagKeys: ['b'] }));
  expect((await iam.send(new ListInstanceProfileTagsCommand({ InstanceProfileName: 'web' }))).Tags).toEqual([{ Key: 'a', Value: '2' }]);
  expect((await refused(iam.send(new ListInstanceProfileTagsCommand({ InstanceProfileName: 'none' })))).name).toBe('NoSuchEntityException');
});
