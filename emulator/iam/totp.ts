import { createHmac, randomBytes } from 'node:crypto';

/** RFC 6238 time-based one-time passwords as virtual MFA devices (authenticator apps) compute them: SHA-1, 30 s, 6 digits. */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
export const STEP_SECONDS = 30;

/** RFC 4648 base32, unpadded as authenticator apps take it. */
export function base32Encode(bytes: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

export function base32Decode(text: string): Buffer {
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const c of text.replace(/=+$/, '').toUpperCase()) {
    value = (value << 5) | ALPHABET.indexOf(c);
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** A new device's secret: 40 bytes, as IAM's seeds are 64 base32 characters. */
export const newSeed = (): string => base32Encode(randomBytes(40));

/** The code for one time step (RFC 4226 HOTP over the step number). */
export function totp(seed: string, step: number): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', base32Decode(seed)).update(counter).digest();
  const offset = mac[mac.length - 1]! & 15;
  const code = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return String(code).padStart(6, '0');
}

/**
 * The step of the second of two consecutive codes, searched within `window` steps either side of now (clocks drift;
 * IAM accepts codes from a few minutes around its own time), or undefined when no two consecutive steps give them.
 */
export function consecutiveStep(seed: string, code1: string, code2: string, nowMs: number, window = 10): number | undefined {
  const current = Math.floor(nowMs / 1000 / STEP_SECONDS);
  for (let step = current - window; step <= current + window; step++) {
    if (totp(seed, step - 1) === code1 && totp(seed, step) === code2) return step;
  }
  return undefined;
}
