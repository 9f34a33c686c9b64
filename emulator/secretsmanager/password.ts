import { randomInt } from 'node:crypto';
import type * as SM from '@aws-sdk/client-secrets-manager';
import { invalidParameter } from './errors';

/** GetRandomPassword: characters drawn from the classes the request leaves in. */
export function GetRandomPassword(input: SM.GetRandomPasswordCommandInput): SM.GetRandomPasswordResponse {
  const length = input.PasswordLength ?? 32;
  if (length < 1 || length > 4096) throw invalidParameter('PasswordLength must be between 1 and 4096.');
  let alphabet = '';
  if (!input.ExcludeLowercase) alphabet += 'abcdefghijklmnopqrstuvwxyz';
  if (!input.ExcludeUppercase) alphabet += 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  if (!input.ExcludeNumbers) alphabet += '0123456789';
  if (!input.ExcludePunctuation) alphabet += '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';
  if (input.IncludeSpace) alphabet += ' ';
  const excluded = new Set<string>(String(input.ExcludeCharacters ?? ''));
  const chars = [...alphabet].filter((c) => !excluded.has(c));
  if (chars.length === 0) throw invalidParameter('No characters left to build a password from.');
  let password = '';
  for (let i = 0; i < length; i++) password += chars[randomInt(chars.length)];
  return { RandomPassword: password };
}
