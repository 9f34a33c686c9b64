/**
 * CloudWatch Logs filter patterns, for FilterLogEvents, metric filters and TestMetricFilter:
 * - plain terms: `ERROR`, `"exact phrase"`, `ERROR Exception` (all terms), `?ERROR ?WARN` (any term),
 *   `?ERROR MainThread ?WARN Deadlock` (any group of terms), `-DEBUG` (exclusion), `" "` (everything).
 *   Case-sensitive, as on AWS.
 * - JSON: `{ $.level = "ERROR" && ($.latency > 100 || $.retry IS TRUE) }` with = != < > <= >=, `*` wildcards in
 *   string values, `IS NULL`, `IS TRUE`, `IS FALSE`, `NOT EXISTS`, `$.a.b[0]` paths. Events that are not JSON
 *   objects never match.
 * - space-delimited: `[ip, user, ..., status=4* || status=5*, bytes>1000]`; a log event is split on spaces,
 *   with "double quoted" and [bracketed] runs kept as one field; `...` stands for any number of fields.
 * What a match extracts (`$.latency`, `$status`) feeds a metric filter's value and dimensions.
 * - regular expressions between `%` signs (filter-regex.ts): the whole pattern (`%ERROR|FAIL%`), or a value
 *   compared with = or != in a JSON or space-delimited pattern (`{ $.code = %^5\d\d$% }`), two at most there.
 */
import { globMatches, globTokens } from '../core/patterns/glob';
import { FilterPatternError } from './filter-pattern-error';
import { compileFilterRegex, type FilterRegex } from './filter-regex';

export interface FilterMatch {
  /** The values the pattern's fields took (`$.path` for JSON, `$name` for space-delimited). */
  values: Record<string, string>;
  /** A JSON event, so a metric value or dimension may name any field of it, not only the pattern's. */
  json?: unknown;
}
export type CompiledPattern = (message: string) => FilterMatch | undefined;

export { FilterPatternError };

export function matchesFilterPattern(pattern: string | undefined, message: string): boolean {
  return compileFilterPattern(pattern)(message) !== undefined;
}

const cache = new Map<string, CompiledPattern>();

/** Compiles a pattern once (FilterLogEvents and metric filters run it on every event); throws FilterPatternError. */
export function compileFilterPattern(pattern: string | undefined): CompiledPattern {
  const text = (pattern ?? '').trim();
  let compiled = cache.get(text);
  if (!compiled) {
    compiled = text.startsWith('{') ? compileJson(text) : text.startsWith('[') ? compileSpaceDelimited(text) : compileTerms(text);
    if (cache.size > 1000) cache.clear();
    cache.set(text, compiled);
  }
  return compiled;
}

/** Whether a (valid) pattern holds a regular expression: AWS counts those per log group. */
export function filterPatternUsesRegex(pattern: string | undefined): boolean {
  const text = (pattern ?? '').trim();
  if (text.startsWith('%')) return true;
  if (!text.startsWith('{') && !text.startsWith('[')) return false;
  return lex(text.slice(1, -1)).some((tok) => tok.t === 'regex');
}

/** The value a `$.path` names in a JSON event, or undefined. */
export function jsonPath(doc: unknown, path: string): unknown {
  const steps = path.replace(/^\$\.?/, '').match(/[^.[\]]+|\[\d+\]/g) ?? [];
  let at: unknown = doc;
  for (const step of steps) {
    if (at === null || typeof at !== 'object') return undefined;
    const key = step.startsWith('[') ? step.slice(1, -1) : step;
    // Own members only: `$.constructor` or `$.a.length` name nothing in the event.
    if (!Object.hasOwn(at, key) || (Array.isArray(at) && key === 'length')) return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

function compileTerms(text: string): CompiledPattern {
  const terms = tokenizeTerms(text);
  // `""` and `" "` match every event (AWS documents `" "` as "match everything"), not only events with a space.
  if (terms.every((t) => t.trim() === '')) return () => ({ values: {} });
  if (text.startsWith('%')) {
    const m = /^%([^%]*)%$/.exec(text);
    if (!m) throw new FilterPatternError(`A regular expression filter pattern is one expression between % signs: ${text}`);
    const re = compileFilterRegex(m[1]!);
    return (message) => (re.test(message) ? { values: {} } : undefined);
  }
  const excluded = terms.filter((t) => t.startsWith('-')).map((t) => t.slice(1));
  // A `?` term opens an alternative and the plain terms after it belong to it: CDK's anyTermGroup writes
  // `?"ERROR" "MainThread" ?"WARN" "Deadlock"` for (ERROR and MainThread) or (WARN and Deadlock). Plain terms
  // before the first `?` are required by every alternative.
  const required: string[] = [];
  const alternatives: string[][] = [];
  for (const t of terms.filter((t) => !t.startsWith('-'))) {
    if (t.startsWith('?')) alternatives.push([t.slice(1)]);
    else (alternatives.at(-1) ?? required).push(t);
  }
  const hasAll = (message: string, group: string[]) => group.every((t) => message.includes(t));
  return (message) => {
    if (excluded.some((t) => message.includes(t))) return undefined;
    if (!hasAll(message, required)) return undefined;
    return alternatives.length === 0 || alternatives.some((group) => hasAll(message, group)) ? { values: {} } : undefined;
  };
}

function tokenizeTerms(text: string): string[] {
  const out: string[] = [];
  const re = /([?-]?)"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[2] !== undefined) out.push(`${m[1]}${m[2].replace(/\\(.)/g, '$1')}`);
    else out.push(m[3]!);
  }
  return out;
}

/* ---------- conditions shared by JSON and space-delimited patterns ---------- */

/** AWS's limit on regular expressions inside one JSON or space-delimited pattern. */
const MAX_REGEX_PER_PATTERN = 2;

type Op = '=' | '!=' | '<' | '>' | '<=' | '>=';
type Literal = { kind: 'number'; value: number } | { kind: 'string'; value: string } | { kind: 'regex'; value: FilterRegex };

/** AWS compares numbers numerically and strings exactly (with `*` wildcards), for = and != only. */
function compare(actual: unknown, op: Op, literal: Literal): boolean {
  if (literal.kind === 'number') {
    const n = typeof actual === 'number' ? actual : typeof actual === 'string' && actual.trim() !== '' ? Number(actual) : NaN;
    if (Number.isNaN(n)) return op === '!=';
    switch (op) {
      case '=':
        return n === literal.value;
      case '!=':
        return n !== literal.value;
      case '<':
        return n < literal.value;
      case '>':
        return n > literal.value;
      case '<=':
        return n <= literal.value;
      case '>=':
        return n >= literal.value;
    }
  }
  if (op !== '=' && op !== '!=') return false;
  if (typeof actual !== 'string' && typeof actual !== 'number' && typeof actual !== 'boolean') return op === '!=';
  if (literal.kind === 'regex') return literal.value.test(String(actual)) === (op === '=');
  // `*` wildcards, matched without a RegExp: `*a*a*a…` against a long value would backtrack for ever (see glob.ts).
  const equal = globMatches(globTokens(literal.value), String(actual));
  return op === '=' ? equal : !equal;
}

/* ---------- a small tokenizer and boolean-expression parser ---------- */

type Token = { t: 'sel' | 'op' | 'num' | 'str' | 'word' | 'regex' | '(' | ')' | '&&' | '||' | ',' | '...'; v: string };

function lex(src: string): Token[] {
  const out: Token[] = [];
  const re = /\s*(?:(\$[\w.[\]$-]*)|(&&|\|\|)|(!=|<=|>=|=|<|>)|(\(|\)|,)|(\.\.\.)|"((?:[^"\\]|\\.)*)"|(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)(?![\w*])|%([^%]*)%|([^\s=!<>(),&|"%]+))/y;
  let m: RegExpExecArray | null;
  let at = 0;
  while (at < src.length && (m = (re.lastIndex = at, re.exec(src)))) {
    at = re.lastIndex;
    if (m[1] !== undefined) out.push({ t: 'sel', v: m[1] });
    else if (m[2] !== undefined) out.push({ t: m[2] as '&&' | '||', v: m[2] });
    else if (m[3] !== undefined) out.push({ t: 'op', v: m[3] });
    else if (m[4] !== undefined) out.push({ t: m[4] as '(' | ')' | ',', v: m[4] });
    else if (m[5] !== undefined) out.push({ t: '...', v: m[5] });
    else if (m[6] !== undefined) out.push({ t: 'str', v: m[6].replace(/\\(.)/g, '$1') });
    else if (m[7] !== undefined) out.push({ t: 'num', v: m[7] });
    else if (m[8] !== undefined) out.push({ t: 'regex', v: m[8] });
    else if (m[9] !== undefined) out.push({ t: 'word', v: m[9] });
  }
  if (out.filter((tok) => tok.t === 'regex').length > MAX_REGEX_PER_PATTERN) {
    throw new FilterPatternError(`A JSON or space-delimited filter pattern may hold at most ${MAX_REGEX_PER_PATTERN} regular expressions`);
  }
  if (src.slice(at).trim() !== '') throw new FilterPatternError(`Invalid character(s) in term '${src.slice(at).trim()}'`);
  return out;
}

class Parser {
  private i = 0;
  constructor(private readonly tokens: Token[]) {}
  peek(): Token | undefined {
    return this.tokens[this.i];
  }
  next(): Token {
    const tok = this.tokens[this.i++];
    if (!tok) throw new FilterPatternError('Unexpected end of filter pattern');
    return tok;
  }
  done(): boolean {
    return this.i >= this.tokens.length;
  }
  /** or := and ('||' and)*; and := unary ('&&' unary)*; unary := '(' or ')' | leaf */
  or<T>(leaf: () => (x: T) => boolean): (x: T) => boolean {
    const parts = [this.and(leaf)];
    while (this.peek()?.t === '||') {
      this.next();
      parts.push(this.and(leaf));
    }
    return parts.length === 1 ? parts[0]! : (x) => parts.some((p) => p(x));
  }
  private and<T>(leaf: () => (x: T) => boolean): (x: T) => boolean {
    const parts = [this.unary(leaf)];
    while (this.peek()?.t === '&&') {
      this.next();
      parts.push(this.unary(leaf));
    }
    return parts.length === 1 ? parts[0]! : (x) => parts.every((p) => p(x));
  }
  private unary<T>(leaf: () => (x: T) => boolean): (x: T) => boolean {
    if (this.peek()?.t === '(') {
      this.next();
      const inner = this.or(leaf);
      if (this.next().t !== ')') throw new FilterPatternError('Missing closing parenthesis');
      return inner;
    }
    return leaf();
  }
  literal(op: Op): Literal {
    const tok = this.next();
    if (tok.t === 'regex') {
      if (op !== '=' && op !== '!=') throw new FilterPatternError(`A regular expression can only be compared with = or !=, not ${op}`);
      return { kind: 'regex', value: compileFilterRegex(tok.v) };
    }
    if (tok.t === 'num') return { kind: 'number', value: Number(tok.v) };
    if (tok.t === 'str' || tok.t === 'word') return { kind: 'string', value: tok.v };
    throw new FilterPatternError(`Expected a value, found '${tok.v}'`);
  }
}

/* ---------- JSON patterns ---------- */

function compileJson(text: string): CompiledPattern {
  if (!text.endsWith('}')) throw new FilterPatternError('A JSON filter pattern must end with }');
  const parser = new Parser(lex(text.slice(1, -1)));
  const selectors = new Set<string>();
  const test = parser.or<unknown>(() => {
    const sel = parser.next();
    if (sel.t !== 'sel' || !sel.v.startsWith('$.')) throw new FilterPatternError(`Expected a $. selector, found '${sel.v}'`);
    selectors.add(sel.v);
    const tok = parser.next();
    if (tok.t === 'word' && (tok.v === 'IS' || tok.v === 'NOT')) {
      const what = parser.next().v;
      if (tok.v === 'NOT' && what === 'EXISTS') return (doc) => jsonPath(doc, sel.v) === undefined;
      if (tok.v === 'IS' && what === 'NULL') return (doc) => jsonPath(doc, sel.v) === null;
      if (tok.v === 'IS' && what === 'TRUE') return (doc) => jsonPath(doc, sel.v) === true;
      if (tok.v === 'IS' && what === 'FALSE') return (doc) => jsonPath(doc, sel.v) === false;
      throw new FilterPatternError(`Unknown condition ${tok.v} ${what}`);
    }
    if (tok.t !== 'op') throw new FilterPatternError(`Expected a comparison after ${sel.v}`);
    const literal = parser.literal(tok.v as Op);
    return (doc) => compare(jsonPath(doc, sel.v), tok.v as Op, literal);
  });
  if (!parser.done()) throw new FilterPatternError(`Unexpected '${parser.peek()!.v}' in filter pattern`);
  return (message) => {
    let doc: unknown;
    try {
      doc = JSON.parse(message);
    } catch {
      return undefined;
    }
    if (doc === null || typeof doc !== 'object' || !test(doc)) return undefined;
    const values: Record<string, string> = {};
    for (const s of selectors) {
      const v = jsonPath(doc, s);
      if (v !== undefined) values[s] = typeof v === 'string' ? v : JSON.stringify(v);
    }
    return { values, json: doc };
  };
}

/* ---------- space-delimited patterns ---------- */

interface Field {
  name?: string;
  test?: (fields: Record<string, string>) => boolean;
  ellipsis?: boolean;
}

/** Splits a log event into fields: runs of non-space, "quoted" and [bracketed] runs each count as one (without the quotes). */
export function splitFields(message: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|\[([^\]]*)\]|(\S+)/g;
  for (let m = re.exec(message); m; m = re.exec(message)) out.push(m[1] ?? m[2] ?? m[3]!);
  return out;
}

function compileSpaceDelimited(text: string): CompiledPattern {
  if (!text.endsWith(']')) throw new FilterPatternError('A space-delimited filter pattern must end with ]');
  const parser = new Parser(lex(text.slice(1, -1)));
  const fields: Field[] = [];
  while (!parser.done()) {
    const first = parser.peek()!;
    if (first.t === '...') {
      parser.next();
      fields.push({ ellipsis: true });
    } else {
      let name: string | undefined;
      const test = parser.or<Record<string, string>>(() => {
        const tok = parser.next();
        if (tok.t !== 'word') throw new FilterPatternError(`Expected a field name, found '${tok.v}'`);
        name ??= tok.v;
        if (parser.peek()?.t !== 'op') return () => true;
        const op = parser.next().v as Op;
        const literal = parser.literal(op);
        return (values) => compare(values[tok.v], op, literal);
      });
      fields.push({ name, test });
    }
    if (!parser.done() && parser.next().t !== ',') throw new FilterPatternError('Fields of a space-delimited pattern are separated by commas');
  }
  const ellipsisAt = fields.findIndex((f) => f.ellipsis);
  const before = ellipsisAt < 0 ? fields : fields.slice(0, ellipsisAt);
  const after = ellipsisAt < 0 ? [] : fields.slice(ellipsisAt + 1).filter((f) => !f.ellipsis);
  return (message) => {
    const parts = splitFields(message);
    if (ellipsisAt < 0 ? parts.length !== fields.length : parts.length < before.length + after.length) return undefined;
    const named: Record<string, string> = {};
    before.forEach((f, i) => f.name && (named[f.name] = parts[i]!));
    after.forEach((f, i) => f.name && (named[f.name] = parts[parts.length - after.length + i]!));
    if (![...before, ...after].every((f) => !f.test || f.test(named))) return undefined;
    return { values: Object.fromEntries(Object.entries(named).map(([k, v]) => [`$${k}`, v])) };
  };
}
