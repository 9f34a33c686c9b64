import {
  CreateOpenIDConnectProviderCommand,
  CreateSAMLProviderCommand,
  CreateServiceLinkedRoleCommand,
  CreateUserCommand,
  CreateVirtualMFADeviceCommand,
  DeleteServiceLinkedRoleCommand,
  GetOpenIDConnectProviderCommand,
  GetSAMLProviderCommand,
  GetServiceLinkedRoleDeletionStatusCommand,
  IAMClient,
  ListSSHPublicKeysCommand,
  ListVirtualMFADevicesCommand,
  UploadSSHPublicKeyCommand,
} from '@aws-sdk/client-iam';
import { generateKeyPairSync } from 'node:crypto';
import { clientConfig, usePersistentEmulator } from '../helpers/emulator';
import { samlMetadata } from './saml-metadata';

/** With `dataDir`, identity providers, deletion tasks, MFA devices and SSH keys survive a restart. */
const { emulator, restart } = usePersistentEmulator('persist-iam-federation');

/** An RSA public key in PEM (IAM takes PEM as well as ssh-rsa). */
const pemKey = () => generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();

it('brings back OIDC and SAML providers, a deletion task, an MFA device and an SSH key', async () => {
  let iam = new IAMClient(clientConfig(emulator()));
  const { OpenIDConnectProviderArn: oidc } = await iam.send(
    new CreateOpenIDConnectProviderCommand({ Url: 'https://token.actions.githubusercontent.com', ClientIDList: ['sts.amazonaws.com'] }),
  );
  const metadata = samlMetadata('https://idp.example.com', '2030-01-01T00:00:00Z');
  const { SAMLProviderArn: saml } = await iam.send(new CreateSAMLProviderCommand({ Name: 'kept-idp', SAMLMetadataDocument: metadata }));
  await iam.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: 'autoscaling.amazonaws.com' }));
  const { DeletionTaskId: task } = await iam.send(new DeleteServiceLinkedRoleCommand({ RoleName: 'AWSServiceRoleForAutoScaling' }));
  const { VirtualMFADevice: device } = await iam.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'kept-device' }));
  await iam.send(new CreateUserCommand({ UserName: 'kept-git' }));
  const { SSHPublicKey: key } = await iam.send(new UploadSSHPublicKeyCommand({ UserName: 'kept-git', SSHPublicKeyBody: pemKey() }));
  iam.destroy();

  await restart();
  iam = new IAMClient(clientConfig(emulator()));
  expect((await iam.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: oidc }))).ClientIDList).toEqual(['sts.amazonaws.com']);
  expect((await iam.send(new GetSAMLProviderCommand({ SAMLProviderArn: saml }))).SAMLMetadataDocument).toBe(metadata);
  expect((await iam.send(new GetServiceLinkedRoleDeletionStatusCommand({ DeletionTaskId: task }))).Status).toBe('SUCCEEDED');
  expect((await iam.send(new ListVirtualMFADevicesCommand({}))).VirtualMFADevices!.map((d) => d.SerialNumber)).toEqual([device!.SerialNumber]);
  expect((await iam.send(new ListSSHPublicKeysCommand({ UserName: 'kept-git' }))).SSHPublicKeys!.map((k) => k.SSHPublicKeyId)).toEqual([key!.SSHPublicKeyId]);
  iam.destroy();
});
