import { AwsError, constraintViolation } from '../core/errors';
import type { RequestContext } from '../core/context';
import { withoutTags } from '../core/tags';
import { userOrCaller } from './caller';
import { deleteConflict, getUser, iamNow, mergeTags, noSuchEntity, userById, type IamState, type MfaDevice } from './model';
import { page } from './paging';
import { consecutiveStep, newSeed } from './totp';
import { userView } from './users';
import { checkPath } from './validation';

const NAME = /^[\w+=,.@-]+$/;

function checkDeviceName(name: string | undefined): string {
  if (name === undefined) throw constraintViolation('ValidationError', 'virtualMFADeviceName', name, 'Member must not be null');
  if (name.length < 1 || name.length > 226 || !NAME.test(name)) {
    throw constraintViolation('ValidationError', 'virtualMFADeviceName', name, 'Member must satisfy regular expression pattern: [\\w+=,.@-]+');
  }
  return name;
}

const invalidCode = () => new AwsError('InvalidAuthenticationCode', 'Authentication code for device is not valid.', 403);

/**
 * Virtual MFA devices: the seed is handed out once, at creation (base32, as authenticator apps take it), and
 * EnableMFADevice / ResyncMFADevice check two consecutive RFC 6238 codes from it against the emulator's clock. No QR
 * code PNG is drawn (QRCodePNG is left out); the seed is what an app or a test needs.
 */
export function mfaDeviceOperations(state: IamState) {
  const find = (serial: string | undefined): MfaDevice => {
    const device = serial === undefined ? undefined : state.mfaDevices.get(serial);
    if (!device) throw noSuchEntity(`VirtualMFADevice with serial number ${serial} doesn't exist.`);
    return device;
  };
  /** The device a user has enabled, as DeactivateMFADevice and ResyncMFADevice need it. */
  const enabledFor = (userId: string | undefined, serial: string | undefined): MfaDevice => {
    const device = serial === undefined ? undefined : state.mfaDevices.get(serial);
    if (!device?.userId || (userId !== undefined && device.userId !== userId)) throw noSuchEntity(`MFA Device with serial number ${serial} does not exist.`);
    return device;
  };
  const checkCodes = (device: MfaDevice, input: any): number => {
    for (const [field, code] of [['authenticationCode1', input.AuthenticationCode1], ['authenticationCode2', input.AuthenticationCode2]] as const) {
      if (code === undefined) throw constraintViolation('ValidationError', field, code, 'Member must not be null');
      if (!/^\d{6}$/.test(code)) throw constraintViolation('ValidationError', field, code, 'Member must satisfy regular expression pattern: [\\d]+');
    }
    const step = consecutiveStep(device.seed, input.AuthenticationCode1, input.AuthenticationCode2, state.deps.clock.now());
    if (step === undefined || (device.lastStep !== undefined && step <= device.lastStep)) throw invalidCode();
    return step;
  };
  const deviceView = (d: MfaDevice) => {
    const user = d.userId === undefined ? undefined : userById(state, d.userId);
    return { SerialNumber: d.SerialNumber, User: user ? userView(user) : undefined, EnableDate: d.EnableDate, Tags: d.Tags.length ? d.Tags : undefined };
  };
  return {
    CreateVirtualMFADevice(input: any, ctx: RequestContext) {
      const name = checkDeviceName(input.VirtualMFADeviceName);
      const path = checkPath(input.Path);
      const serial = `arn:aws:iam::${ctx.accountId}:mfa${path}${name}`;
      if (state.mfaDevices.has(serial)) throw new AwsError('EntityAlreadyExists', 'MFADevice entity at the same path and name already exists.', 409);
      const device: MfaDevice = { SerialNumber: serial, seed: newSeed(), CreateDate: iamNow(state), Tags: mergeTags([], input.Tags) };
      state.mfaDevices.set(serial, device);
      // Base32StringSeed is a blob holding the base32 text itself (the SDK base64-decodes the XML back to it).
      return { VirtualMFADevice: { SerialNumber: serial, Base32StringSeed: Buffer.from(device.seed), Tags: device.Tags.length ? device.Tags : undefined } };
    },
    ListVirtualMFADevices(input: any) {
      const status: string = input.AssignmentStatus ?? 'Any';
      const devices = [...state.mfaDevices.values()].filter((d) => status === 'Any' || (status === 'Assigned') === (d.userId !== undefined));
      const { items, ...rest } = page(devices.map(deviceView), input);
      return { VirtualMFADevices: items, ...rest };
    },
    DeleteVirtualMFADevice(input: any) {
      const device = find(input.SerialNumber);
      if (device.userId !== undefined) throw deleteConflict('MFA Device is still in use');
      state.mfaDevices.delete(device.SerialNumber);
      return {};
    },
    EnableMFADevice(input: any) {
      const user = getUser(state, input.UserName);
      const device = find(input.SerialNumber);
      if (device.userId !== undefined) throw new AwsError('EntityAlreadyExists', 'MFA Device is already in use.', 409);
      device.lastStep = checkCodes(device, input);
      device.userId = user.UserId;
      device.EnableDate = iamNow(state);
      return {};
    },
    DeactivateMFADevice(input: any) {
      const user = input.UserName === undefined ? undefined : getUser(state, input.UserName);
      const device = enabledFor(user?.UserId, input.SerialNumber);
      device.userId = undefined;
      device.EnableDate = undefined;
      device.lastStep = undefined;
      return {};
    },
    GetMFADevice(input: any) {
      const user = input.UserName === undefined ? undefined : getUser(state, input.UserName);
      const device = enabledFor(user?.UserId, input.SerialNumber);
      return { UserName: userById(state, device.userId!)?.UserName, SerialNumber: device.SerialNumber, EnableDate: device.EnableDate };
    },
    /** Lines the device up again with two consecutive codes (its clock drifted); the same checks as enabling it. */
    ResyncMFADevice(input: any) {
      const user = getUser(state, input.UserName);
      const device = enabledFor(user.UserId, input.SerialNumber);
      device.lastStep = checkCodes(device, input);
      return {};
    },
    /** A user's devices; without a UserName, the caller's (none for the account's root here). */
    ListMFADevices(input: any, ctx: RequestContext) {
      const user = userOrCaller(state, ctx, input.UserName, (name) => getUser(state, name));
      const devices = user ? [...state.mfaDevices.values()].filter((d) => d.userId === user.UserId) : [];
      const { items, ...rest } = page(
        devices.map((d) => ({ UserName: user!.UserName, SerialNumber: d.SerialNumber, EnableDate: d.EnableDate })),
        input,
      );
      return { MFADevices: items, ...rest };
    },
    TagMFADevice(input: any) {
      const device = find(input.SerialNumber);
      device.Tags = mergeTags(device.Tags, input.Tags);
      return {};
    },
    UntagMFADevice(input: any) {
      const device = find(input.SerialNumber);
      device.Tags = withoutTags(device.Tags, input.TagKeys);
      return {};
    },
    ListMFADeviceTags(input: any) {
      const { items, ...rest } = page(find(input.SerialNumber).Tags, input);
      return { Tags: items, ...rest };
    },
  };
}
