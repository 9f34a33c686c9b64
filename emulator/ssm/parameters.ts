import { testWithin } from '../core/bounded-regex';
import { AwsError, constraintViolation } from '../core/errors';
import type { Tag } from '../core/tags';
import { mergedTags } from '../core/tags';
import { checkNewName, isValidLabel, parseSelector, validation } from './names';

/**
 * Parameter Store's records: a parameter is its versions (each put is a new one, at most 100 kept) and its tags.
 * Labels belong to versions and move between them. SecureString values are kept as given (nothing is encrypted):
 * read without WithDecryption they come back as `kms:<KeyId>:<value>`, the placeholder moto and LocalStack answer.
 */

export type ParameterType = 'String' | 'StringList' | 'SecureString';
export type Tier = 'Standard' | 'Advanced';

export interface ParameterVersion {
  Version: number;
  Value: string;
  Type: ParameterType;
  KeyId?: string;
  Description?: string;
  AllowedPattern?: string;
  Tier: Tier;
  DataType: string;
  Policies: { PolicyText: string; PolicyType: string; PolicyStatus: string }[];
  LastModifiedDate: Date;
  LastModifiedUser: string;
  Labels: string[];
}

export interface StoredParameter {
  Name: string;
  ARN: string;
  versions: ParameterVersion[];
  Tags: Tag[];
}

export const TYPES: ParameterType[] = ['String', 'StringList', 'SecureString'];
const TIERS = ['Standard', 'Advanced', 'Intelligent-Tiering'];
const DATA_TYPES = ['text', 'aws:ec2:image', 'aws:ssm:integration'];
export const DEFAULT_KEY_ID = 'alias/aws/ssm';
const STANDARD_LIMIT = 4096;
const ADVANCED_LIMIT = 8192;
export const VERSION_LIMIT = 100;
const LABELS_PER_VERSION = 10;
export const TAG_LIMIT = 50;

export const latest = (p: StoredParameter): ParameterVersion => p.versions[p.versions.length - 1]!;

export const notFound = (name: string): AwsError => new AwsError('ParameterNotFound', `Parameter ${name} not found.`, 400);
const versionNotFound = (name: string, version: number): AwsError =>
  new AwsError('ParameterVersionNotFound', `Systems Manager could not find version ${version} of ${name}. Verify the version and try again.`, 400);

/** The value a reader sees: SecureString stays opaque unless decrypted. */
export const shownValue = (v: ParameterVersion, decrypt: boolean | undefined): string =>
  v.Type === 'SecureString' && !decrypt ? `kms:${v.KeyId ?? DEFAULT_KEY_ID}:${v.Value}` : v.Value;

export interface PutInput {
  Name?: string;
  Value?: string;
  Type?: string;
  Description?: string;
  KeyId?: string;
  Overwrite?: boolean;
  AllowedPattern?: string;
  Tags?: { Key?: string; Value?: string }[];
  Tier?: string;
  Policies?: string;
  DataType?: string;
}

export interface PutContext {
  arnFor(name: string): string;
  now: Date;
  user: string;
}

/** PutParameter's checks and effect on `store`; gives the new version. */
/** `store`: the parameters of the caller's account and Region, by name. */
export function putParameter(store: Pick<Map<string, StoredParameter>, 'get' | 'set'>, input: PutInput, ctx: PutContext): ParameterVersion {
  const { Name: name, Value: value } = input;
  if (name === undefined) throw constraintViolation('ValidationException', 'name', undefined, 'Member must not be null');
  if (name.length < 1) throw constraintViolation('ValidationException', 'name', name, 'Member must have length greater than or equal to 1');
  if (value === undefined) throw constraintViolation('ValidationException', 'value', undefined, 'Member must not be null');
  if (input.Overwrite && input.Tags?.length) {
    throw validation(
      "Invalid request: tags and overwrite can't be used together. To create a parameter with tags, please remove overwrite flag. To update tags for an existing parameter, please use AddTagsToResource or RemoveTagsFromResource.",
    );
  }
  checkNewName(name);
  if (input.Type !== undefined && !TYPES.includes(input.Type as ParameterType)) {
    throw constraintViolation('ValidationException', 'type', input.Type, 'Member must satisfy enum value set: [SecureString, StringList, String]');
  }
  if (input.Tier !== undefined && !TIERS.includes(input.Tier)) {
    throw constraintViolation('ValidationException', 'tier', input.Tier, 'Member must satisfy enum value set: [Advanced, Intelligent-Tiering, Standard]');
  }
  if (input.DataType !== undefined && !DATA_TYPES.includes(input.DataType)) {
    throw validation(`The following data type is not supported: ${input.DataType} (Data type names are all lowercase.)`);
  }
  if (value.length < 1) throw constraintViolation('ValidationException', 'value', value, 'Member must have length greater than or equal to 1');

  const existing = store.get(name);
  const previous = existing ? latest(existing) : undefined;
  if (existing && !input.Overwrite) {
    throw new AwsError('ParameterAlreadyExists', 'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.', 400);
  }
  if (!previous && input.Type === undefined) throw validation('A parameter type is required when you create a parameter.');

  // An overwrite keeps what it does not restate.
  const type = (input.Type ?? previous!.Type) as ParameterType;
  if (input.KeyId !== undefined && type !== 'SecureString') throw validation('KeyId is required for SecureString type parameter only.');
  const keyId = type === 'SecureString' ? (input.KeyId ?? (previous?.Type === 'SecureString' ? previous.KeyId : undefined) ?? DEFAULT_KEY_ID) : undefined;
  const description = input.Description ?? previous?.Description;
  const allowedPattern = input.AllowedPattern ?? previous?.AllowedPattern;
  const dataType = input.DataType ?? previous?.DataType ?? 'text';
  const policies = input.Policies !== undefined ? parsePolicies(input.Policies) : (previous?.Policies ?? []);
  // AWS counts the 4 KB / 8 KB limits in characters, as its messages say.
  const size = value.length;
  const tier = chooseTier(input.Tier, previous?.Tier, size, policies.length > 0);

  if (description !== undefined && description.length > 1024) {
    throw constraintViolation('ValidationException', 'description', description, 'Member must have length less than or equal to 1024');
  }
  if (size > ADVANCED_LIMIT) {
    throw constraintViolation('ValidationException', 'value', value.slice(0, 64) + '…', `Member must have length less than or equal to ${ADVANCED_LIMIT}`);
  }
  if (tier === 'Standard' && size > STANDARD_LIMIT) {
    throw validation(
      'Standard tier parameters support a maximum parameter value of 4096 characters. To create a larger parameter value, upgrade the parameter to use the advanced-parameter tier. For more information, see https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-advanced-parameters.html',
    );
  }
  if (allowedPattern !== undefined) checkAllowedPattern(allowedPattern, value);
  if (dataType === 'aws:ec2:image' && !/^ami-([0-9a-f]{8}|[0-9a-f]{17})$/.test(value)) {
    throw validation(`Parameter value, ${value}, is not a valid image ID for data type aws:ec2:image.`);
  }
  const tags = input.Tags?.length ? checkedTags([], input.Tags) : undefined;

  if (existing && existing.versions.length >= VERSION_LIMIT) {
    const oldest = existing.versions[0]!;
    if (oldest.Labels.length) {
      throw new AwsError(
        'ParameterMaxVersionLimitExceeded',
        `You attempted to create a new version of ${name} by calling the PutParameter API with the overwrite flag. Version ${oldest.Version}, the oldest version, can't be deleted because it has a label associated with it. Move the label to another version of the parameter, and try again.`,
        400,
      );
    }
    existing.versions.shift();
  }
  const version: ParameterVersion = {
    Version: previous ? previous.Version + 1 : 1,
    Value: value,
    Type: type,
    ...(keyId !== undefined && { KeyId: keyId }),
    ...(description !== undefined && { Description: description }),
    ...(allowedPattern !== undefined && { AllowedPattern: allowedPattern }),
    Tier: tier,
    DataType: dataType,
    Policies: policies,
    LastModifiedDate: ctx.now,
    LastModifiedUser: ctx.user,
    Labels: [],
  };
  if (existing) existing.versions.push(version);
  else store.set(name, { Name: name, ARN: ctx.arnFor(name), versions: [version], Tags: tags ?? [] });
  return version;
}

function chooseTier(asked: string | undefined, previous: Tier | undefined, size: number, hasPolicies: boolean): Tier {
  if (asked === 'Intelligent-Tiering') return size > STANDARD_LIMIT || hasPolicies || previous === 'Advanced' ? 'Advanced' : 'Standard';
  if (asked === 'Standard' && previous === 'Advanced') {
    throw validation(
      "This parameter uses the advanced-parameter tier. You can't downgrade a parameter from the advanced-parameter tier to the standard-parameter tier. If necessary, you can delete the advanced parameter and recreate it as a standard parameter.",
    );
  }
  return (asked as Tier | undefined) ?? previous ?? 'Standard';
}

/** How long an AllowedPattern may take on a value before it counts as not matching. */
const ALLOWED_PATTERN_LIMIT_MS = 250;

function checkAllowedPattern(pattern: string, value: string): void {
  let re: RegExp;
  try {
    // AWS's patterns are Java regular expressions; the common subset reads the same in JavaScript.
    re = new RegExp(pattern);
  } catch {
    throw new AwsError('InvalidAllowedPatternException', 'The request does not meet the regular expression requirement.', 400);
  }
  // A pattern that backtracks for ever on this value (`^(a+)+$` against `aaa…!`) cannot validate it either.
  if (testWithin(re, value, ALLOWED_PATTERN_LIMIT_MS) !== true) {
    throw new AwsError('ParameterPatternMismatchException', `Parameter value, cannot be validated against allowedPattern: ${pattern}`, 400);
  }
}

/** Parameter policies (Expiration, ExpirationNotification, NoChangeNotification): stored and shown, never run. */
function parsePolicies(text: string): ParameterVersion['Policies'] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new AwsError('InvalidPolicyAttributeException', 'A policy attribute or its value is invalid.', 400);
  }
  const list = Array.isArray(parsed) ? parsed : [parsed];
  return list.map((p) => {
    const type = p && typeof p === 'object' ? (p as { Type?: unknown }).Type : undefined;
    if (type !== 'Expiration' && type !== 'ExpirationNotification' && type !== 'NoChangeNotification') {
      throw new AwsError(
        'InvalidPolicyTypeException',
        'The policy type is not supported. Parameter Store supports the following policy types: Expiration, ExpirationNotification, and NoChangeNotification.',
        400,
      );
    }
    return { PolicyText: JSON.stringify(p), PolicyType: type, PolicyStatus: 'Pending' };
  });
}

/** Tags after adding `added`: keys and values checked as AWS's Tag shape says, at most 50. */
export function checkedTags(current: Tag[], added: { Key?: string; Value?: string }[]): Tag[] {
  for (const t of added) {
    if (typeof t.Key !== 'string' || t.Key.length < 1 || t.Key.length > 128) {
      throw constraintViolation('ValidationException', 'tags.member.key', t.Key, 'Member must have length less than or equal to 128');
    }
    if (typeof t.Value !== 'string' || t.Value.length > 256) {
      throw constraintViolation('ValidationException', 'tags.member.value', t.Value, 'Member must have length less than or equal to 256');
    }
  }
  const merged = mergedTags(current, added);
  if (merged.length > TAG_LIMIT) throw new AwsError('TooManyTagsError', 'The Tags request parameter contains more than the allowed number of tags.', 400);
  return merged;
}

/**
 * The version a selector names (`name`, `name:3`, `name:label`), or the errors GetParameter answers; `name` is
 * the name to answer with: the parameter's own for an ARN, else the one asked for (`/x` may mean `x`).
 */
export function resolveSelector(
  find: (name: string) => StoredParameter | undefined,
  text: string,
): { parameter: StoredParameter; version: ParameterVersion; selector?: string; name: string } {
  const sel = parseSelector(text);
  const parameter = sel ? find(sel.name) : undefined;
  if (!sel || !parameter) throw notFound(text);
  const name = sel.name.startsWith('arn:') ? parameter.Name : sel.name;
  if (sel.version !== undefined) {
    const version = parameter.versions.find((v) => v.Version === sel.version);
    if (!version) throw versionNotFound(parameter.Name, sel.version);
    return { parameter, version, selector: sel.raw, name };
  }
  if (sel.label !== undefined) {
    const version = parameter.versions.find((v) => v.Labels.includes(sel.label!));
    if (!version) throw notFound(text);
    return { parameter, version, selector: sel.raw, name };
  }
  return { parameter, version: latest(parameter), name };
}

/** LabelParameterVersion: valid labels move to the version, invalid ones are given back. */
export function labelVersion(parameter: StoredParameter, versionNumber: number | undefined, labels: string[]): { invalid: string[]; version: number } {
  const version = versionNumber === undefined ? latest(parameter) : parameter.versions.find((v) => v.Version === versionNumber);
  if (!version) throw versionNotFound(parameter.Name, versionNumber!);
  const invalid = labels.filter((l) => !isValidLabel(l));
  const valid = [...new Set(labels.filter(isValidLabel))];
  const added = valid.filter((l) => !version.Labels.includes(l));
  if (version.Labels.length + added.length > LABELS_PER_VERSION) {
    throw new AwsError(
      'ParameterVersionLabelLimitExceeded',
      'A parameter version can have maximum 10 labels.Move one or more labels to another version and try again.',
      400,
    );
  }
  for (const other of parameter.versions) if (other !== version) other.Labels = other.Labels.filter((l) => !valid.includes(l));
  version.Labels.push(...added);
  return { invalid, version: version.Version };
}

/** UnlabelParameterVersion: labels the version has are removed, the others given back as invalid. */
export function unlabelVersion(parameter: StoredParameter, versionNumber: number, labels: string[]): { removed: string[]; invalid: string[] } {
  const version = parameter.versions.find((v) => v.Version === versionNumber);
  if (!version) throw versionNotFound(parameter.Name, versionNumber);
  const removed = labels.filter((l) => version.Labels.includes(l));
  const invalid = labels.filter((l) => !version.Labels.includes(l));
  version.Labels = version.Labels.filter((l) => !removed.includes(l));
  return { removed: [...new Set(removed)], invalid: [...new Set(invalid)] };
}
