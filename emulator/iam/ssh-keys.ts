import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { AwsError, constraintViolation } from '../core/errors';
import type { RequestContext } from '../core/context';
import { uuid } from '../core/ids';
import { userOrCaller } from './caller';
import { getUser, iamId, iamNow, noSuchEntity, type IamState, type SshPublicKey } from './model';
import { page } from './paging';

const KEYS_PER_USER = 5;

const invalidKey = () => new AwsError('InvalidPublicKey', 'The public key is invalid. It must be an RSA key of at least 2048 bits, in ssh-rsa or PEM format.', 400);

/** OpenSSH's wire format: length-prefixed strings; an mpint is big-endian with a leading zero when its top bit is set. */
function readStrings(blob: Buffer): Buffer[] {
  const parts: Buffer[] = [];
  for (let at = 0; at < blob.length; ) {
    if (at + 4 > blob.length) throw invalidKey();
    const length = blob.readUInt32BE(at);
    if (at + 4 + length > blob.length) throw invalidKey();
    parts.push(blob.subarray(at + 4, at + 4 + length));
    at += 4 + length;
  }
  return parts;
}

const withLength = (b: Buffer) => Buffer.concat([Buffer.from([(b.length >>> 24) & 255, (b.length >>> 16) & 255, (b.length >>> 8) & 255, b.length & 255]), b]);
const mpint = (unsigned: Buffer) => (unsigned[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), unsigned]) : unsigned);
const unsignedOf = (b: Buffer) => (b[0] === 0 ? b.subarray(1) : b);

/** The key in `ssh-rsa AAAA… comment` or PEM form as a KeyObject; IAM takes RSA keys of at least 2048 bits. */
function parseKey(body: string): KeyObject {
  let key: KeyObject;
  const ssh = /^ssh-rsa\s+([A-Za-z0-9+/=]+)(\s.*)?$/.exec(body.trim());
  try {
    if (ssh) {
      const [type, e, n] = readStrings(Buffer.from(ssh[1]!, 'base64'));
      if (type?.toString() !== 'ssh-rsa' || !e || !n) throw invalidKey();
      key = createPublicKey({ key: { kty: 'RSA', e: unsignedOf(e).toString('base64url'), n: unsignedOf(n).toString('base64url') }, format: 'jwk' });
    } else {
      key = createPublicKey(body);
    }
  } catch {
    throw invalidKey();
  }
  if (key.asymmetricKeyType !== 'rsa' || (key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) throw invalidKey();
  return key;
}

/** The key's OpenSSH wire blob (what its `ssh-rsa` line carries in base64, and what its fingerprint hashes). */
function sshBlob(key: KeyObject): Buffer {
  const jwk = key.export({ format: 'jwk' });
  return Buffer.concat([withLength(Buffer.from('ssh-rsa')), withLength(mpint(Buffer.from(jwk.e!, 'base64url'))), withLength(mpint(Buffer.from(jwk.n!, 'base64url')))]);
}

/** IAM's fingerprint: MD5 of the key blob, as colon-separated hex pairs. */
const fingerprint = (key: KeyObject) => createHash('md5').update(sshBlob(key)).digest('hex').match(/../g)!.join(':');

/** Users' SSH public keys (CodeCommit over SSH): uploaded in ssh-rsa or PEM form, shown in either. */
export function sshKeyOperations(state: IamState) {
  const find = (userId: string, id: string | undefined): SshPublicKey => {
    const key = id === undefined ? undefined : state.sshPublicKeys.get(id);
    if (!key || key.userId !== userId) throw noSuchEntity(`The Public Key with id ${id} cannot be found.`);
    return key;
  };
  const view = (k: SshPublicKey, userName: string, encoding: string) => ({
    UserName: userName,
    SSHPublicKeyId: k.SSHPublicKeyId,
    Fingerprint: k.Fingerprint,
    SSHPublicKeyBody: encoding === 'PEM' ? parseKey(k.SSHPublicKeyBody).export({ type: 'spki', format: 'pem' }).toString() : `ssh-rsa ${sshBlob(parseKey(k.SSHPublicKeyBody)).toString('base64')}`,
    Status: k.Status,
    UploadDate: k.UploadDate,
  });
  return {
    UploadSSHPublicKey(input: any) {
      const user = getUser(state, input.UserName);
      if (input.SSHPublicKeyBody === undefined) throw constraintViolation('ValidationError', 'sSHPublicKeyBody', undefined, 'Member must not be null');
      const print = fingerprint(parseKey(input.SSHPublicKeyBody));
      const mine = [...state.sshPublicKeys.values()].filter((k) => k.userId === user.UserId);
      if (mine.some((k) => k.Fingerprint === print)) {
        throw new AwsError('DuplicateSSHPublicKey', 'The SSH public key specified is already associated with the specified IAM user.', 400);
      }
      if (mine.length >= KEYS_PER_USER) throw new AwsError('LimitExceeded', `Cannot exceed quota for PublicKeysPerUser: ${KEYS_PER_USER}`, 409);
      const key: SshPublicKey = {
        SSHPublicKeyId: iamId('APKA', uuid()),
        userId: user.UserId,
        SSHPublicKeyBody: input.SSHPublicKeyBody,
        Fingerprint: print,
        Status: 'Active',
        UploadDate: iamNow(state),
      };
      state.sshPublicKeys.set(key.SSHPublicKeyId, key);
      return { SSHPublicKey: view(key, user.UserName, 'SSH') };
    },
    GetSSHPublicKey(input: any) {
      const user = getUser(state, input.UserName);
      if (input.Encoding !== 'SSH' && input.Encoding !== 'PEM') {
        throw new AwsError('UnrecognizedPublicKeyEncoding', `Encoding ${input.Encoding} is not recognized; use SSH or PEM.`, 400);
      }
      return { SSHPublicKey: view(find(user.UserId, input.SSHPublicKeyId), user.UserName, input.Encoding) };
    },
    /** Without a UserName, the caller's keys (none for the account's root). */
    ListSSHPublicKeys(input: any, ctx: RequestContext) {
      const user = userOrCaller(state, ctx, input.UserName, (name) => getUser(state, name));
      const keys = [...state.sshPublicKeys.values()]
        .filter((k) => k.userId === user?.UserId)
        .map((k) => ({ UserName: user!.UserName, SSHPublicKeyId: k.SSHPublicKeyId, Status: k.Status, UploadDate: k.UploadDate }));
      const { items, ...rest } = page(keys, input);
      return { SSHPublicKeys: items, ...rest };
    },
    UpdateSSHPublicKey(input: any) {
      const key = find(getUser(state, input.UserName).UserId, input.SSHPublicKeyId);
      if (input.Status !== 'Active' && input.Status !== 'Inactive') throw constraintViolation('ValidationError', 'status', input.Status, 'Member must satisfy enum value set: [Active, Inactive]');
      key.Status = input.Status;
      return {};
    },
    DeleteSSHPublicKey(input: any) {
      state.sshPublicKeys.delete(find(getUser(state, input.UserName).UserId, input.SSHPublicKeyId).SSHPublicKeyId);
      return {};
    },
  };
}
