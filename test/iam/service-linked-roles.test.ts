import {
  CreateServiceLinkedRoleCommand,
  DeleteRoleCommand,
  DeleteServiceLinkedRoleCommand,
  GetRoleCommand,
  GetServiceLinkedRoleDeletionStatusCommand,
  IAMClient,
} from '@aws-sdk/client-iam';
import { clientConfig, useEmulator } from '../helpers/emulator';
import { refused } from './refused';

const emulator = useEmulator();
const iam = () => new IAMClient(clientConfig(emulator()));

it('creates AWSServiceRoleForElasticBeanstalk under /aws-service-role/, trusted by the service, once per account', async () => {
  const client = iam();
  const { Role: role } = await client.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: 'elasticbeanstalk.amazonaws.com', Description: 'EB' }));
  expect(role).toMatchObject({
    RoleName: 'AWSServiceRoleForElasticBeanstalk',
    Path: '/aws-service-role/elasticbeanstalk.amazonaws.com/',
    Arn: 'arn:aws:iam::000000000000:role/aws-service-role/elasticbeanstalk.amazonaws.com/AWSServiceRoleForElasticBeanstalk',
    Description: 'EB',
  });
  const got = await client.send(new GetRoleCommand({ RoleName: 'AWSServiceRoleForElasticBeanstalk' }));
  const trust = JSON.parse(decodeURIComponent(got.Role!.AssumeRolePolicyDocument!));
  expect(trust.Statement[0]).toMatchObject({ Effect: 'Allow', Principal: { Service: ['elasticbeanstalk.amazonaws.com'] } });

  expect(await refused(client.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: 'elasticbeanstalk.amazonaws.com' })))).toEqual({
    name: 'InvalidInputException',
    message: 'Service role name AWSServiceRoleForElasticBeanstalk has been taken in this account, please try a different suffix.',
    status: 400,
  });
  // Only DeleteServiceLinkedRole removes it.
  expect((await refused(client.send(new DeleteRoleCommand({ RoleName: 'AWSServiceRoleForElasticBeanstalk' })))).name).toBe('UnmodifiableEntityException');
});

it('appends a CustomSuffix where the service allows one, and names unlisted services after their prefix', async () => {
  const client = iam();
  const scaling = await client.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: 'autoscaling.amazonaws.com', CustomSuffix: 'web' }));
  expect(scaling.Role!.RoleName).toBe('AWSServiceRoleForAutoScaling_web');
  expect(await refused(client.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: 'es.amazonaws.com', CustomSuffix: 'x' })))).toEqual({
    name: 'InvalidInputException',
    message: 'Custom suffix is not allowed for es.amazonaws.com',
    status: 400,
  });
  const other = await client.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: 'newthing.amazonaws.com' }));
  expect(other.Role!.RoleName).toBe('AWSServiceRoleForNewthing');
  expect((await refused(client.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: 'example.com' })))).name).toBe('InvalidInputException');
});

it('deletes a service-linked role with a deletion task that reports SUCCEEDED', async () => {
  const client = iam();
  await client.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: 'ecs.amazonaws.com' }));
  const { DeletionTaskId: task } = await client.send(new DeleteServiceLinkedRoleCommand({ RoleName: 'AWSServiceRoleForECS' }));
  expect(task).toMatch(/^task\/aws-service-role\/ecs\.amazonaws\.com\/AWSServiceRoleForECS\/[0-9a-f-]{36}$/);
  expect((await client.send(new GetServiceLinkedRoleDeletionStatusCommand({ DeletionTaskId: task }))).Status).toBe('SUCCEEDED');
  expect((await refused(client.send(new GetRoleCommand({ RoleName: 'AWSServiceRoleForECS' })))).name).toBe('NoSuchEntityException');
  expect((await refused(client.send(new GetServiceLinkedRoleDeletionStatusCommand({ DeletionTaskId: 'task/none' })))).name).toBe('NoSuchEntityException');
});
