import {
  CreateUserCommand,
  DeleteServerCertificateCommand,
  DeleteSigningCertificateCommand,
  DeleteSSHPublicKeyCommand,
  DeleteUserCommand,
  GetServerCertificateCommand,
  GetSSHPublicKeyCommand,
  IAMClient,
  ListServerCertificatesCommand,
  ListServerCertificateTagsCommand,
  ListSigningCertificatesCommand,
  ListSSHPublicKeysCommand,
  UpdateServerCertificateCommand,
  UpdateSigningCertificateCommand,
  UpdateSSHPublicKeyCommand,
  UploadServerCertificateCommand,
  UploadSigningCertificateCommand,
  UploadSSHPublicKeyCommand,
} from '@aws-sdk/client-iam';
import { execFile } from 'node:child_process';
import { createHash, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { skipBecause } from '../helpers/cli';
import { clientConfig, useEmulator } from '../helpers/emulator';
import { refused } from './refused';

const run = promisify(execFile);
const emulator = useEmulator();
const iam = () => new IAMClient(clientConfig(emulator()));

/** A self-signed certificate and its key, made by openssl (node cannot issue certificates). */
let pair: { cert: string; key: string } | undefined;
beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'iam-cert-'));
  try {
    const args = ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '30', '-subj', '/CN=www.example.com'];
    await run('openssl', [...args, '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { timeout: 30_000 });
    pair = { cert: readFileSync(join(dir, 'cert.pem'), 'utf8'), key: readFileSync(join(dir, 'key.pem'), 'utf8') };
  } catch {
    pair = undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** An RSA public key in OpenSSH's one-line form, built here from its JWK. */
function sshRsa(bits = 2048): { line: string; md5: string } {
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: bits });
  const jwk = publicKey.export({ format: 'jwk' });
  const field = (b: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(b.length);
    return Buffer.concat([len, b]);
  };
  const mpint = (b: Buffer) => (b[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b);
  const blob = Buffer.concat([field(Buffer.from('ssh-rsa')), field(mpint(Buffer.from(jwk.e!, 'base64url'))), field(mpint(Buffer.from(jwk.n!, 'base64url')))]);
  return { line: `ssh-rsa ${blob.toString('base64')} dev@laptop`, md5: createHash('md5').update(blob).digest('hex').match(/../g)!.join(':') };
}

describe('server certificates', () => {
  it('uploads a certificate with its key, shows its expiry, renames, tags and deletes it; never returns the key', async () => {
    if (!pair) return skipBecause('openssl could not make a certificate');
    const client = iam();
    const uploaded = await client.send(
      new UploadServerCertificateCommand({ ServerCertificateName: 'www', Path: '/cloudfront/', CertificateBody: pair.cert, PrivateKey: pair.key, Tags: [{ Key: 'site', Value: 'www' }] }),
    );
    const meta = uploaded.ServerCertificateMetadata!;
    expect(meta).toMatchObject({ ServerCertificateName: 'www', Path: '/cloudfront/', Arn: 'arn:aws:iam::000000000000:server-certificate/cloudfront/www' });
    expect(meta.ServerCertificateId).toMatch(/^ASCA/);
    expect(meta.Expiration).toEqual(new Date(new X509Certificate(pair.cert).validTo));

    const got = await client.send(new GetServerCertificateCommand({ ServerCertificateName: 'www' }));
    expect(got.ServerCertificate!.CertificateBody).toBe(pair.cert);
    expect(JSON.stringify(got)).not.toContain('PRIVATE KEY');

    await client.send(new UpdateServerCertificateCommand({ ServerCertificateName: 'www', NewServerCertificateName: 'www-2026', NewPath: '/' }));
    const listed = await client.send(new ListServerCertificatesCommand({}));
    expect(listed.ServerCertificateMetadataList!.map((c) => [c.ServerCertificateName, c.Arn])).toEqual([['www-2026', 'arn:aws:iam::000000000000:server-certificate/www-2026']]);
    expect((await client.send(new ListServerCertificateTagsCommand({ ServerCertificateName: 'www-2026' }))).Tags).toEqual([{ Key: 'site', Value: 'www' }]);

    await client.send(new DeleteServerCertificateCommand({ ServerCertificateName: 'www-2026' }));
    expect(await refused(client.send(new GetServerCertificateCommand({ ServerCertificateName: 'www-2026' })))).toEqual({
      name: 'NoSuchEntityException',
      message: 'The Server Certificate with name www-2026 cannot be found.',
      status: 404,
    });
  });

  it('refuses a body that is not PEM and a key that is not the certificate’s', async () => {
    if (!pair) return skipBecause('openssl could not make a certificate');
    const client = iam();
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect((await refused(client.send(new UploadServerCertificateCommand({ ServerCertificateName: 'bad', CertificateBody: 'nope', PrivateKey: pair.key })))).name).toBe(
      'MalformedCertificateException',
    );
    expect((await refused(client.send(new UploadServerCertificateCommand({ ServerCertificateName: 'bad', CertificateBody: pair.cert, PrivateKey: other })))).name).toBe(
      'KeyPairMismatchException',
    );
  });
});

describe("users' signing certificates and SSH public keys", () => {
  it('uploads, lists, deactivates and deletes a signing certificate, two at most per user', async () => {
    if (!pair) return skipBecause('openssl could not make a certificate');
    const client = iam();
    await client.send(new CreateUserCommand({ UserName: 'signer' }));
    const { Certificate: cert } = await client.send(new UploadSigningCertificateCommand({ UserName: 'signer', CertificateBody: pair.cert }));
    expect(cert).toMatchObject({ UserName: 'signer', Status: 'Active', CertificateBody: pair.cert });
    expect((await refused(client.send(new UploadSigningCertificateCommand({ UserName: 'signer', CertificateBody: pair.cert })))).name).toBe('DuplicateCertificateException');
    await client.send(new UpdateSigningCertificateCommand({ UserName: 'signer', CertificateId: cert!.CertificateId, Status: 'Inactive' }));
    const listed = await client.send(new ListSigningCertificatesCommand({ UserName: 'signer' }));
    expect(listed.Certificates!.map((c) => [c.CertificateId, c.Status])).toEqual([[cert!.CertificateId, 'Inactive']]);
    expect((await refused(client.send(new DeleteUserCommand({ UserName: 'signer' })))).name).toBe('DeleteConflictException');
    await client.send(new DeleteSigningCertificateCommand({ UserName: 'signer', CertificateId: cert!.CertificateId }));
    await client.send(new DeleteUserCommand({ UserName: 'signer' }));
  });

  it('uploads an ssh-rsa key with its MD5 fingerprint, shows it as SSH or PEM, and refuses short or duplicate keys', async () => {
    const client = iam();
    await client.send(new CreateUserCommand({ UserName: 'git-user' }));
    const { line, md5 } = sshRsa();
    const { SSHPublicKey: key } = await client.send(new UploadSSHPublicKeyCommand({ UserName: 'git-user', SSHPublicKeyBody: line }));
    expect(key).toMatchObject({ UserName: 'git-user', Fingerprint: md5, Status: 'Active' });
    expect(key!.SSHPublicKeyId).toMatch(/^APKA/);
    expect((await refused(client.send(new UploadSSHPublicKeyCommand({ UserName: 'git-user', SSHPublicKeyBody: line })))).name).toBe('DuplicateSSHPublicKeyException');
    expect((await refused(client.send(new UploadSSHPublicKeyCommand({ UserName: 'git-user', SSHPublicKeyBody: sshRsa(1024).line })))).name).toBe('InvalidPublicKeyException');

    const asSsh = await client.send(new GetSSHPublicKeyCommand({ UserName: 'git-user', SSHPublicKeyId: key!.SSHPublicKeyId, Encoding: 'SSH' }));
    expect(asSsh.SSHPublicKey!.SSHPublicKeyBody).toBe(line.split(' ').slice(0, 2).join(' '));
    const asPem = await client.send(new GetSSHPublicKeyCommand({ UserName: 'git-user', SSHPublicKeyId: key!.SSHPublicKeyId, Encoding: 'PEM' }));
    expect(asPem.SSHPublicKey!.SSHPublicKeyBody).toMatch(/^-----BEGIN PUBLIC KEY-----/);

    await client.send(new UpdateSSHPublicKeyCommand({ UserName: 'git-user', SSHPublicKeyId: key!.SSHPublicKeyId, Status: 'Inactive' }));
    expect((await client.send(new ListSSHPublicKeysCommand({ UserName: 'git-user' }))).SSHPublicKeys!.map((k) => k.Status)).toEqual(['Inactive']);
    await client.send(new DeleteSSHPublicKeyCommand({ UserName: 'git-user', SSHPublicKeyId: key!.SSHPublicKeyId }));
    expect((await client.send(new ListSSHPublicKeysCommand({ UserName: 'git-user' }))).SSHPublicKeys).toEqual([]);
  });
});
