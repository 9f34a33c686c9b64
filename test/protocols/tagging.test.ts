import { CreateRoleCommand, IAMClient, ListRoleTagsCommand, TagRoleCommand, UntagRoleCommand } from '@aws-sdk/client-iam';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  ListTagsForResourceCommand,
  ListTagsLogGroupCommand,
  TagResourceCommand,
  UntagLogGroupCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { clientConfig, useEmulator } from '../helpers/emulator';

/** Tagging of IAM roles and log groups (the harness tags what it deploys and tears down only that). */
const emulator = useEmulator({ log: () => {} });

it('IAM TagRole merges, UntagRole removes, ListRoleTags lists; an unknown role is NoSuchEntity', async () => {
  const iam = new IAMClient(clientConfig(emulator()));
  await iam.send(new CreateRoleCommand({ RoleName: 'tagged', AssumeRolePolicyDocument: '{}', Tags: [{ Key: 'a', Value: '1' }] }));
  await iam.send(new TagRoleCommand({ RoleName: 'tagged', Tags: [{ Key: 'a', Value: '2' }, { Key: 'b', Value: '3' }] }));
  expect((await iam.send(new ListRoleTagsCommand({ RoleName: 'tagged' }))).Tags).toEqual([{ Key: 'a', Value: '2' }, { Key: 'b', Value: '3' }]);
  await iam.send(new UntagRoleCommand({ RoleName: 'tagged', TagKeys: ['a'] }));
  expect((await iam.send(new ListRoleTagsCommand({ RoleName: 'tagged' }))).Tags).toEqual([{ Key: 'b', Value: '3' }]);
  await expect(iam.send(new TagRoleCommand({ RoleName: 'nobody', Tags: [{ Key: 'a', Value: '1' }] }))).rejects.toMatchObject({ name: 'NoSuchEntityException' });
  iam.destroy();
});

it('log groups are tagged by name and by ARN alike', async () => {
  const logs = new CloudWatchLogsClient(clientConfig(emulator()));
  await logs.send(new CreateLogGroupCommand({ logGroupName: '/aws/lambda/tagged', tags: { a: '1' } }));
  const arn = 'arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/tagged';
  await logs.send(new TagResourceCommand({ resourceArn: arn, tags: { b: '2' } }));
  expect((await logs.send(new ListTagsForResourceCommand({ resourceArn: `${arn}:*` }))).tags).toEqual({ a: '1', b: '2' });
  await logs.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ['a'] }));
  await logs.send(new UntagLogGroupCommand({ logGroupName: '/aws/lambda/tagged', tags: ['b'] }));
  expect((await logs.send(new ListTagsLogGroupCommand({ logGroupName: '/aws/lambda/tagged' }))).tags).toEqual({});
  await expect(logs.send(new ListTagsForResourceCommand({ resourceArn: 'not-an-arn' }))).rejects.toMatchObject({ name: 'InvalidParameterException' });
  logs.destroy();
});
