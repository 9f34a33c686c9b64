import { createHash, createSign, generateKeyPair, generateKeyPairSync, sign as signOnThreadPool, type KeyObject } from 'node:crypto';

/**
 * Message signatures. The emulator signs with an RSA key pair it generates on first use (per process), so a
 * subscriber can verify a signature against `publicKeyPem()`; it cannot serve an X.509 certificate at
 * SigningCertURL (that URL names AWS's host, as AWS's does), so verifiers that fetch the certificate must be
 * pointed at the public key instead. SignatureVersion 1 is SHA1withRSA, 2 is SHA256withRSA.
 */

let keys: { privateKey: KeyObject; publicKey: KeyObject } | undefined;
const keyPair = () => (keys ??= generateKeyPairSync('rsa', { modulusLength: 2048 }));
/** The background generation warmUpSigningKey() started, while it runs. */
let warming: Promise<void> | undefined;

/**
 * Generates the key pair in the background (a 2048-bit RSA key takes 150–600 ms), so the first signed message
 * (often the s3:TestEvent inside PutBucketNotificationConfiguration) does not block the event loop for it.
 */
export function warmUpSigningKey(): void {
  if (keys || warming) return;
  warming = new Promise((resolve) =>
    generateKeyPair('rsa', { modulusLength: 2048 }, (err, publicKey, privateKey) => {
      if (!err && !keys) keys = { publicKey, privateKey };
      warming = undefined;
      resolve();
    }),
  );
}

/**
 * Resolves once no background generation is running. A thread-pool job can be neither cancelled nor unref'd:
 * it keeps the process alive until it ends, so close() waits for it rather than leave it behind.
 */
export const signingKeyWarmUpDone = (): Promise<void> => warming ?? Promise.resolve();

export const publicKeyPem = (): string => keyPair().publicKey.export({ type: 'spki', format: 'pem' }).toString();

/** `https://sns.<region>.amazonaws.com/SimpleNotificationService-<hash>.pem`, the hash naming this key. */
let keyHash: string | undefined;
export function signingCertUrl(region: string): string {
  keyHash ??= createHash('md5').update(keyPair().publicKey.export({ type: 'spki', format: 'der' })).digest('hex');
  return `https://sns.${region}.amazonaws.com/SimpleNotificationService-${keyHash}.pem`;
}

/** The fields a signature covers, by message type, in AWS's order. */
const SIGNED_FIELDS: Record<string, string[]> = {
  Notification: ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'],
  SubscriptionConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
  UnsubscribeConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
};

/** `Name\nvalue\n` for each signed field present (Subject is left out when absent). */
export function canonicalString(doc: Record<string, unknown>): string {
  const fields = SIGNED_FIELDS[String(doc.Type)] ?? SIGNED_FIELDS.Notification!;
  let out = '';
  for (const f of fields) if (doc[f] !== undefined) out += `${f}\n${String(doc[f])}\n`;
  return out;
}

/** Base64 signature of the canonical string. */
export function sign(doc: Record<string, unknown>, signatureVersion: string): string {
  const signer = createSign(signatureVersion === '2' ? 'RSA-SHA256' : 'RSA-SHA1');
  signer.update(canonicalString(doc), 'utf8');
  return signer.sign(keyPair().privateKey, 'base64');
}

/**
 * The same signature as sign(), computed on libuv's thread pool: an RSA-2048 signature costs 0.3–0.5 ms of
 * CPU, which would otherwise hold up the event loop (and the Publish response) for every message.
 */
export function signInBackground(doc: Record<string, unknown>, signatureVersion: string): Promise<string> {
  const data = Buffer.from(canonicalString(doc), 'utf8');
  const digest = signatureVersion === '2' ? 'sha256' : 'sha1';
  return new Promise((resolve, reject) =>
    signOnThreadPool(digest, data, keyPair().privateKey, (err, signature) => (err ? reject(err) : resolve(signature.toString('base64')))),
  );
}
