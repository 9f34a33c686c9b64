import { AwsError } from '../errors';
import { jsonNestingDepth } from '../json-depth';
import { compilePattern, parsePatternJson, PatternError, type Branch } from './compile';

/**
 * SNS subscription filter policy validation (SetSubscriptionAttributes / Subscribe `FilterPolicy`).
 *
 * Limits, from SNS "Filter policy constraints in Amazon SNS":
 * - at most 5 keys. Attribute scope: every key (no nesting allowed). Body scope: only top-level keys
 *   count, nested keys do not (the current page's "Key counting" section; an older revision counted
 *   leaf keys instead — LocalStack, checked against AWS, counts top-level keys too). Counted per
 *   `$or` branch, since each branch is one AND-combination.
 * - "total combination of values" ≤ 150: the product of the array sizes; for a nested key the size is
 *   multiplied by its nesting depth (the page's example: 4 values three levels deep and 3 values two
 *   levels deep give 3 × 4 × 2 × 3 = 72). With `$or`, the branches' combinations add up.
 * - at most 256 KB; numbers between -1e9 and 1e9; no nesting with MessageAttributes scope.
 * - operators SNS documents: exact, prefix, suffix, equals-ignore-case, anything-but (values, prefix,
 *   suffix), numeric, exists, cidr, `$or`. EventBridge-only forms (wildcard, prefix/suffix with
 *   equals-ignore-case, anything-but equals-ignore-case/wildcard) are rejected as unknown.
 *
 * Error texts: AWS returns `InvalidParameter` "Invalid parameter: FilterPolicy: <reason>" (Subscribe
 * prefixes "Attributes Reason: "). Reasons are event-ruler's wording; the key-count, complexity and
 * nesting texts are LocalStack's AWS-validated ones. The size and JSON-syntax texts are not verified.
 */
export type FilterPolicyScope = 'MessageAttributes' | 'MessageBody';

export interface FilterPolicyValidationOptions {
  /** Subscribe reports attribute errors as "Invalid parameter: Attributes Reason: …". */
  subscribeCall?: boolean;
}

export const MAX_FILTER_POLICY_BYTES = 256 * 1024;
export const MAX_FILTER_POLICY_KEYS = 5;
export const MAX_FILTER_POLICY_COMBINATIONS = 150;
/**
 * Along the way to its deepest value, a policy's JSON nests one level per key (a key n levels down counts n - 1
 * combinations) and two per nested `$or` (each adds a branch, counting at least one): nesting deeper than
 * 150 keys + 150 `$or`s + the outer object and the value array cannot stay within 150 combinations.
 */
const TOO_DEEP = 3 * MAX_FILTER_POLICY_COMBINATIONS + 4;

export function validateFilterPolicy(
  policyJson: string,
  scope: FilterPolicyScope = 'MessageAttributes',
  opts: FilterPolicyValidationOptions = {},
): void {
  const prefix = opts.subscribeCall ? 'Invalid parameter: Attributes Reason: ' : 'Invalid parameter: ';
  const reject = (reason: string): never => {
    throw new AwsError('InvalidParameter', `${prefix}${reason}`, 400);
  };
  if (Buffer.byteLength(policyJson, 'utf8') > MAX_FILTER_POLICY_BYTES) reject('FilterPolicy: Filter policy is too large');

  let branches: Branch[];
  try {
    const parsed = parsePatternJson(policyJson);
    // An empty policy filters nothing (the same as having none).
    if (Object.keys(parsed).length === 0) return;
    // Refused before compiling, which recurses once per level (JSON.parse does not, and reports malformed text
    // first): past this depth a policy is too complex whatever it holds (see TOO_DEEP).
    if (jsonNestingDepth(policyJson, TOO_DEEP) > TOO_DEEP) reject('FilterPolicy: Filter policy is too complex');
    branches = compilePattern(parsed, 'sns');
  } catch (e) {
    if (e instanceof PatternError) return reject(`FilterPolicy: ${e.message}`);
    throw e;
  }

  if (scope === 'MessageAttributes' && branches.some((b) => b.some((leaf) => leaf.path.length > 1))) {
    reject('Filter policy scope MessageAttributes does not support nested filter policy');
  }
  for (const branch of branches) {
    if (new Set(branch.map((leaf) => leaf.path[0])).size > MAX_FILTER_POLICY_KEYS) {
      reject('FilterPolicy: Filter policy can not have more than 5 keys');
    }
  }
  if (filterPolicyCombinations(branches) > MAX_FILTER_POLICY_COMBINATIONS) reject('FilterPolicy: Filter policy is too complex');
}

/** SNS's "total combination of values" (see the file comment). */
export function filterPolicyCombinations(branches: Branch[]): number {
  return branches.reduce(
    (sum, branch) => sum + branch.reduce((product, leaf) => product * leaf.values * Math.max(1, leaf.path.length - 1), 1),
    0,
  );
}
