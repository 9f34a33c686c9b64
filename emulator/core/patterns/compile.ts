import { appendAll } from '../arrays';
import { parseCidr } from './cidr';
import { isPlainObject } from './match';
import { wildcardProblem } from './wildcard';

/**
 * Structural check of a pattern, shared by EventBridge event patterns and SNS filter policies.
 * Reason texts follow aws/event-ruler's JsonRuleCompiler (the compiler behind EventBridge, whose
 * messages SNS also returns, as LocalStack's AWS-validated snapshots show) so users see familiar
 * errors. The result lists, for each `$or`-expanded branch, its leaves (path + number of values), which
 * SNS needs for its key-count and complexity limits.
 */
export type Dialect = 'eventbridge' | 'sns';

export class PatternError extends Error {}

export interface Leaf {
  path: string[];
  values: number;
}

export type Branch = Leaf[];

const LIMIT = { eventbridge: 5e9, sns: 1e9 } as const;

/**
 * How many `$or`-expanded branches a pattern may have. Each `$or` multiplies them, so twenty-four small `$or`s
 * (800 characters) made 2^24 branches and ran the process out of memory. SNS refuses any policy over 150
 * combinations, and every branch counts at least one, so 150 loses nothing there. EventBridge documents no
 * figure: 1,000 is ours (a pattern of at most 4,096 characters needs ten nested `$or`s to reach it).
 * Expansion stops one branch past the budget while validation goes on, so a pattern's own errors come first
 * (SNS: its scope and key checks too, then its combination check refuses the 151 branches kept).
 */
const MAX_BRANCHES = { eventbridge: 1000, sns: 150 } as const;
const TOO_MANY_BRANCHES = `Event pattern is too complex: its $or relationships expand to more than ${MAX_BRANCHES.eventbridge} combinations`;
/** Java's Double.toString of the limits, as the limit message prints them. */
const LIMIT_TEXT = { eventbridge: '5.0E9', sns: '1.0E9' } as const;

const fail = (reason: string): never => {
  throw new PatternError(reason);
};

/** Parses JSON text, rejecting anything but an object at the top. */
export function parsePatternJson(text: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    fail(`Unrecognized or malformed JSON: ${(e as Error).message}`);
  }
  if (!isPlainObject(parsed)) fail('Filter is not an object');
  return parsed as Record<string, unknown>;
}

/** Validates the whole pattern and returns its `$or`-expanded branches. */
export function compilePattern(pattern: Record<string, unknown>, dialect: Dialect): Branch[] {
  const branches = compileObject(pattern, [], dialect);
  // SNS needs no check of its own: its combination limit refuses the branches kept past the budget.
  if (dialect === 'eventbridge' && branches.length > MAX_BRANCHES.eventbridge) fail(TOO_MANY_BRANCHES);
  return branches;
}

function compileObject(obj: Record<string, unknown>, path: string[], dialect: Dialect): Branch[] {
  const entries = Object.entries(obj);
  if (entries.length === 0) fail('Empty objects are not allowed');
  // Cartesian product of AND'ed parts; each `$or` multiplies the branch count.
  let branches: Branch[] = [[]];
  for (const [key, value] of entries) {
    let parts: Branch[];
    if (key === '$or' && Array.isArray(value)) {
      parts = compileOr(value, path, dialect);
    } else if (isPlainObject(value)) {
      parts = compileObject(value, [...path, key], dialect);
    } else if (Array.isArray(value)) {
      compileValues(value, dialect);
      parts = [[{ path: [...path, key], values: value.length }]];
    } else {
      parts = fail(`"${key}" must be an object or an array`);
    }
    // Once past the budget, the rest is validated but no longer combined.
    if (branches.length <= MAX_BRANCHES[dialect]) branches = andBranches(branches, parts, dialect);
  }
  return branches;
}

/** Every pairing of `left` with `right`, stopping one past the budget (enough to know it is exceeded). */
function andBranches(left: Branch[], right: Branch[], dialect: Dialect): Branch[] {
  // A plain key (one part): its leaves join every branch in place. Copying each branch per key instead made a
  // policy of 128 branches and a few thousand keys take seconds (quadratic in the keys).
  if (right.length === 1) {
    for (const b of left) appendAll(b, right[0]!);
    return left;
  }
  const out: Branch[] = [];
  for (const b of left) {
    for (const p of right) {
      if (out.length > MAX_BRANCHES[dialect]) return out;
      out.push([...b, ...p]);
    }
  }
  return out;
}

function compileOr(items: unknown[], path: string[], dialect: Dialect): Branch[] {
  if (!items.every(isPlainObject)) fail('Only JSON object is allowed in array of $or relationship.');
  if (items.length < 2) fail('There must have at least 2 Objects in $or relationship.');
  const branches: Branch[] = [];
  for (const item of items as Record<string, unknown>[]) {
    // Every item is compiled (validated); its branches are kept up to one past the budget.
    for (const branch of compileObject(item, path, dialect)) {
      if (branches.length > MAX_BRANCHES[dialect]) break;
      branches.push(branch);
    }
  }
  return branches;
}

function compileValues(values: unknown[], dialect: Dialect): void {
  if (values.length === 0) fail('Empty arrays are not allowed');
  for (const v of values) {
    if (isPlainObject(v)) compileMatchExpression(v, dialect);
    else if (v === null || ['string', 'boolean'].includes(typeof v)) continue;
    else if (typeof v === 'number') continue;
    else fail('Match value must be String, number, true, false, or null');
  }
}

function compileMatchExpression(expr: Record<string, unknown>, dialect: Dialect): void {
  const keys = Object.keys(expr);
  if (keys.length === 0) fail('Match expression name not found');
  if (keys.length > 1) fail('Only one key allowed in match expression');
  const op = keys[0]!;
  const arg = expr[op];
  switch (op) {
    case 'prefix':
    case 'suffix':
      if (typeof arg === 'string') return;
      if (dialect === 'eventbridge' && isPlainObject(arg)) return compileIgnoreCaseInner(op, arg);
      return fail(`${op} match pattern must be a string`);
    case 'equals-ignore-case':
      if (typeof arg !== 'string') fail('equals-ignore-case match pattern must be a string');
      return;
    case 'wildcard':
      if (dialect !== 'eventbridge') fail(`Unrecognized match type ${op}`);
      if (typeof arg !== 'string') fail('wildcard match pattern must be a string');
      return void checkWildcard(arg as string);
    case 'anything-but':
      return compileAnythingBut(arg, dialect);
    case 'numeric':
      return compileNumeric(arg, dialect);
    case 'exists':
      if (typeof arg !== 'boolean') fail('exists match pattern must be either true or false.');
      return;
    case 'cidr': {
      if (typeof arg !== 'string') fail('prefix match pattern must be a string');
      const block = parseCidr(arg as string);
      if (typeof block === 'string') fail(block);
      return;
    }
    default:
      fail(`Unrecognized match type ${op}`);
  }
}

function compileIgnoreCaseInner(op: string, arg: Record<string, unknown>): void {
  const keys = Object.keys(arg);
  if (keys.length !== 1 || keys[0] !== 'equals-ignore-case') fail(`Unsupported ${op} pattern: ${keys[0] ?? ''}`);
  if (typeof arg['equals-ignore-case'] !== 'string') fail('equals-ignore-case match pattern must be a string');
}

function checkWildcard(pattern: string): void {
  const problem = wildcardProblem(pattern);
  if (problem) fail(problem);
}

function compileAnythingBut(arg: unknown, dialect: Dialect): void {
  if (isPlainObject(arg)) {
    const keys = Object.keys(arg);
    if (keys.length === 0) fail('Anything-But expression name not found');
    if (keys.length > 1) fail('Only one key allowed in match expression');
    const inner = keys[0]!;
    const value = arg[inner];
    const ebOnly = inner === 'equals-ignore-case' || inner === 'wildcard';
    if (!['prefix', 'suffix', 'equals-ignore-case', 'wildcard'].includes(inner) || (ebOnly && dialect !== 'eventbridge')) {
      fail(`Unsupported anything-but pattern: ${inner}`);
    }
    if (inner === 'prefix' || inner === 'suffix') {
      if (typeof value !== 'string') fail('prefix/suffix match pattern must be a string');
      if (value === '') fail('Null prefix/suffix not allowed');
      return;
    }
    const list = Array.isArray(value) ? value : [value];
    if (list.length === 0 || !list.every((s) => typeof s === 'string')) {
      fail(`Inside anything-but/${inner} list, number|start|null|boolean is not supported.`);
    }
    if (inner === 'wildcard') (list as string[]).forEach(checkWildcard);
    return;
  }
  if (Array.isArray(arg)) {
    if (!arg.every((x) => typeof x === 'string' || typeof x === 'number')) {
      fail('Inside anything but list, start|null|boolean is not supported.');
    }
    const hasString = arg.some((x) => typeof x === 'string');
    const hasNumber = arg.some((x) => typeof x === 'number');
    if (hasString === hasNumber) {
      fail('Inside anything but list, either all values are number or string, mixed type is not supported');
    }
    arg.filter((x): x is number => typeof x === 'number').forEach((n) => checkRange(n, dialect));
    return;
  }
  if (typeof arg === 'number') return checkRange(arg, dialect);
  if (typeof arg !== 'string') fail('Value of anything-but must be an array or single string/number value.');
}

function checkRange(n: number, dialect: Dialect): void {
  if (n < -LIMIT[dialect] || n > LIMIT[dialect]) {
    fail(`Value must be between -${LIMIT_TEXT[dialect]} and ${LIMIT_TEXT[dialect]}, inclusive`);
  }
}

/** Grammar (event-ruler): `= n` | `< n` | `<= n` | `> n` | `>= n` | (`>`|`>=`) n (`<`|`<=`) m with n < m. */
function compileNumeric(arg: unknown, dialect: Dialect): void {
  if (!Array.isArray(arg)) fail('Value of numeric must be an array.');
  const terms = arg as unknown[];
  const [op, value] = terms;
  if (typeof op !== 'string') fail(`Invalid member in numeric match: ${display(op)}`);
  if (!['=', '<', '<=', '>', '>='].includes(op as string)) fail(`Unrecognized numeric range operator: ${op}`);
  if (typeof value !== 'number') fail(`Value of ${op === '=' ? 'equals' : op} must be numeric`);
  checkRange(value as number, dialect);
  if (terms.length === 2) return;
  if (op !== '>' && op !== '>=') fail('Too many elements in numeric expression');
  const [, , op2, top] = terms;
  if (typeof op2 !== 'string') fail(`Bad value in numeric range: ${display(op2)}`);
  if (op2 !== '<' && op2 !== '<=') fail(`Bad numeric range operator: ${op2}`);
  if (typeof top !== 'number') fail(`Value of ${op2} must be numeric`);
  checkRange(top as number, dialect);
  if (terms.length > 4) fail('Too many terms in numeric range expression');
  if ((top as number) <= (value as number)) fail('Bottom must be less than top');
}

const display = (v: unknown): string => (v === undefined ? ']' : typeof v === 'string' ? v : JSON.stringify(v));
