import {
  CreateUserCommand,
  CreateVirtualMFADeviceCommand,
  DeactivateMFADeviceCommand,
  DeleteUserCommand,
  DeleteVirtualMFADeviceCommand,
  EnableMFADeviceCommand,
  GetAccountSummaryCommand,
  GetMFADeviceCommand,
  IAMClient,
  ListMFADevicesCommand,
  ListVirtualMFADevicesCommand,
  ResyncMFADeviceCommand,
} from '@aws-sdk/client-iam';
import { base32Decode, totp } from '../../emulator/iam/totp';
import { createHmac } from 'node:crypto';
import { clientConfig, useEmulator } from '../helpers/emulator';
import { refused } from './refused';

const emulator = useEmulator();
const iam = () => new IAMClient(clientConfig(emulator()));

/** RFC 6238 computed here independently of the emulator's module (SHA-1, 30 s steps, 6 digits). */
function code(seed: string, step: number): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', base32Decode(seed)).update(counter).digest();
  const offset = mac[mac.length - 1]! & 15;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}
const stepNow = () => Math.floor(Date.now() / 30_000);

it("computes RFC 6238's SHA-1 test vector", () => {
  // RFC 6238 appendix B: secret "12345678901234567890" (base32 below), T = 59 s → 94287082 (8 digits); its last 6.
  const base32 = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
  expect(base32Decode(base32).toString()).toBe('12345678901234567890');
  expect(totp(base32, 1)).toBe('287082');
  expect(code(base32, 1)).toBe('287082');
});

it('creates a virtual device with a base32 seed, enables it with two consecutive codes, resyncs, deactivates and deletes it', async () => {
  const client = iam();
  await client.send(new CreateUserCommand({ UserName: 'mfa-user' }));
  const { VirtualMFADevice: device } = await client.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'phone', Path: '/team/' }));
  const serial = device!.SerialNumber!;
  expect(serial).toBe('arn:aws:iam::000000000000:mfa/team/phone');
  const seed = Buffer.from(device!.Base32StringSeed!).toString();
  expect(seed).toMatch(/^[A-Z2-7]{64}$/);
  expect((await refused(client.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'phone', Path: '/team/' })))).name).toBe('EntityAlreadyExistsException');

  const wrong = await refused(client.send(new EnableMFADeviceCommand({ UserName: 'mfa-user', SerialNumber: serial, AuthenticationCode1: '000000', AuthenticationCode2: '000000' })));
  expect(wrong).toEqual({ name: 'InvalidAuthenticationCodeException', message: 'Authentication code for device is not valid.', status: 403 });
  const now = stepNow();
  await client.send(new EnableMFADeviceCommand({ UserName: 'mfa-user', SerialNumber: serial, AuthenticationCode1: code(seed, now - 1), AuthenticationCode2: code(seed, now) }));

  expect(await client.send(new GetMFADeviceCommand({ SerialNumber: serial }))).toMatchObject({ UserName: 'mfa-user', SerialNumber: serial, EnableDate: expect.any(Date) });
  const listed = await client.send(new ListMFADevicesCommand({ UserName: 'mfa-user' }));
  expect(listed.MFADevices).toEqual([{ UserName: 'mfa-user', SerialNumber: serial, EnableDate: expect.any(Date) }]);
  const assigned = await client.send(new ListVirtualMFADevicesCommand({ AssignmentStatus: 'Assigned' }));
  expect(assigned.VirtualMFADevices!.map((d) => [d.SerialNumber, d.User?.UserName])).toEqual([[serial, 'mfa-user']]);
  expect((await client.send(new ListVirtualMFADevicesCommand({ AssignmentStatus: 'Unassigned' }))).VirtualMFADevices).toEqual([]);
  expect((await client.send(new GetAccountSummaryCommand({}))).SummaryMap).toMatchObject({ MFADevices: 1, MFADevicesInUse: 1 });

  // The same codes cannot be replayed; the next two steps resync it.
  expect((await refused(client.send(new ResyncMFADeviceCommand({ UserName: 'mfa-user', SerialNumber: serial, AuthenticationCode1: code(seed, now - 1), AuthenticationCode2: code(seed, now) })))).status).toBe(403);
  await client.send(new ResyncMFADeviceCommand({ UserName: 'mfa-user', SerialNumber: serial, AuthenticationCode1: code(seed, now + 1), AuthenticationCode2: code(seed, now + 2) }));

  expect((await refused(client.send(new DeleteVirtualMFADeviceCommand({ SerialNumber: serial })))).name).toBe('DeleteConflictException');
  expect((await refused(client.send(new DeleteUserCommand({ UserName: 'mfa-user' })))).message).toBe('Cannot delete entity, must delete MFA device first.');
  await client.send(new DeactivateMFADeviceCommand({ UserName: 'mfa-user', SerialNumber: serial }));
  expect((await client.send(new ListMFADevicesCommand({ UserName: 'mfa-user' }))).MFADevices).toEqual([]);
  await client.send(new DeleteVirtualMFADeviceCommand({ SerialNumber: serial }));
  expect((await refused(client.send(new DeleteVirtualMFADeviceCommand({ SerialNumber: serial })))).name).toBe('NoSuchEntityException');
  await client.send(new DeleteUserCommand({ UserName: 'mfa-user' }));
});
