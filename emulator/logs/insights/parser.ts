import { Lexer, malformed, type Token } from './lexer';

/** The parsed form of a Logs Insights query: commands run in order over the matching events. */
export type Literal = string | number | boolean | null;
export type Expr =
  | { k: 'lit'; v: Literal }
  | { k: 'field'; name: string }
  | { k: 'regex'; re: RegExp }
  | { k: 'dur'; ms: number }
  | { k: 'list'; items: Expr[] }
  | { k: 'call'; fn: string; args: Expr[]; star?: boolean }
  | { k: 'neg'; e: Expr }
  | { k: 'not'; e: Expr }
  | { k: 'op'; op: string; l: Expr; r: Expr }
  | { k: 'like'; not: boolean; l: Expr; r: Expr }
  | { k: 'in'; not: boolean; l: Expr; items: Expr[] };

/** An expression with the name its column gets (`as x`, else the text as written). */
export interface Named {
  expr: Expr;
  name: string;
}
export type ParsePattern = { kind: 'glob'; re: RegExp; names: string[] } | { kind: 'regex'; re: RegExp; names: string[] };
export type Command =
  | { k: 'fields'; items: Named[] }
  | { k: 'display'; names: string[] }
  | { k: 'filter'; expr: Expr }
  | { k: 'stats'; aggs: Named[]; by: Named[] }
  | { k: 'sort'; keys: { expr: Expr; desc: boolean }[] }
  | { k: 'limit'; n: number }
  | { k: 'parse'; field: string; pattern: ParsePattern }
  | { k: 'dedup'; names: string[] };

const KEYWORDS = new Set(['and', 'or', 'not', 'like', 'in', 'as', 'by', 'asc', 'desc']);
const COMMANDS = ['fields', 'display', 'filter', 'stats', 'sort', 'limit', 'parse', 'dedup'];

/** Logs Insights writes case-insensitive matching as a leading `(?i)`; JavaScript wants a flag. */
export function insightsRegex(source: string, query: string, tok: Token): RegExp {
  let flags = '';
  let body = source;
  const m = /^\(\?([imsx]+)\)/.exec(body);
  if (m) {
    flags = [...new Set(m[1]!.replace('x', ''))].join('');
    body = body.slice(m[0].length);
  }
  // Java/RE2 spell named groups (?P<name>…) too.
  body = body.replace(/\(\?P</g, '(?<');
  try {
    return new RegExp(body, flags);
  } catch {
    throw malformed(query, tok.start, tok.end, `invalid regular expression ${tok.text} found`);
  }
}

export function parseQuery(query: string): Command[] {
  const lx = new Lexer(query);
  const commands: Command[] = [];
  const fail = (t: Token): never => {
    throw malformed(query, t.start, t.end, t.type === 'eof' ? 'unexpected end of query found' : `unexpected symbol found ${t.text}`);
  };
  const isWord = (t: Token, w: string) => t.type === 'id' && t.text.toLowerCase() === w;
  const isOp = (t: Token, o: string) => t.type === 'op' && t.text === o;
  const expectOp = (o: string, regexAllowed = false) => {
    const t = lx.next(regexAllowed);
    if (!isOp(t, o)) fail(t);
  };
  const fieldName = (): string => {
    const t = lx.next();
    if (t.type !== 'id' || KEYWORDS.has(t.text.toLowerCase())) fail(t);
    return String(t.value);
  };
  /** `a, b, c` (at least one). */
  const list = <T>(item: () => T): T[] => {
    const out = [item()];
    while (isOp(lx.peek(), ',')) {
      lx.next();
      out.push(item());
    }
    return out;
  };
  const textOf = (start: number) => query.slice(start, lx.pos).trim().replace(/\s+/g, ' ');
  const named = (): Named => {
    const startTok = lx.peek(true);
    const expr = expression();
    let name = expr.k === 'field' ? expr.name : textOf(startTok.start);
    if (isWord(lx.peek(), 'as')) {
      lx.next();
      name = fieldName();
    }
    return { expr, name };
  };

  // Expressions, loosest first: or, and, not, comparison, + -, * / %, ^, unary minus, primary.
  function expression(): Expr {
    let l = conjunction();
    while (isWord(lx.peek(), 'or')) {
      lx.next();
      l = { k: 'op', op: 'or', l, r: conjunction() };
    }
    return l;
  }
  function conjunction(): Expr {
    let l = negation();
    while (isWord(lx.peek(), 'and')) {
      lx.next();
      l = { k: 'op', op: 'and', l, r: negation() };
    }
    return l;
  }
  function negation(): Expr {
    if (isWord(lx.peek(), 'not')) {
      lx.next();
      return { k: 'not', e: negation() };
    }
    return comparison();
  }
  function comparison(): Expr {
    const l = additive();
    const t = lx.peek();
    if (t.type === 'op' && ['=', '==', '!=', '<>', '<', '<=', '>', '>='].includes(t.text)) {
      lx.next();
      const op = t.text === '==' ? '=' : t.text === '<>' ? '!=' : t.text;
      return { k: 'op', op, l, r: additive() };
    }
    if (isOp(t, '=~')) {
      lx.next();
      return { k: 'like', not: false, l, r: additive() };
    }
    let not = false;
    if (isWord(t, 'not')) {
      const at = lx.pos;
      lx.next();
      const after = lx.peek();
      if (!isWord(after, 'like') && !isWord(after, 'in')) {
        lx.pos = at;
        return l;
      }
      not = true;
    }
    const w = lx.peek();
    if (isWord(w, 'like')) {
      lx.next();
      return { k: 'like', not, l, r: additive() };
    }
    if (isWord(w, 'in')) {
      lx.next();
      expectOp('[');
      const items = isOp(lx.peek(), ']') ? [] : list(expression);
      expectOp(']');
      return { k: 'in', not, l, items };
    }
    return l;
  }
  function additive(): Expr {
    let l = multiplicative();
    for (let t = lx.peek(); isOp(t, '+') || isOp(t, '-'); t = lx.peek()) {
      lx.next();
      l = { k: 'op', op: t.text, l, r: multiplicative() };
    }
    return l;
  }
  function multiplicative(): Expr {
    let l = power();
    for (let t = lx.peek(); isOp(t, '*') || isOp(t, '/') || isOp(t, '%'); t = lx.peek()) {
      lx.next();
      l = { k: 'op', op: t.text, l, r: power() };
    }
    return l;
  }
  function power(): Expr {
    const l = unary();
    if (!isOp(lx.peek(), '^')) return l;
    lx.next();
    return { k: 'op', op: '^', l, r: power() };
  }
  function unary(): Expr {
    if (isOp(lx.peek(true), '-')) {
      lx.next();
      return { k: 'neg', e: unary() };
    }
    return primary();
  }
  function primary(): Expr {
    const t = lx.next(true);
    switch (t.type) {
      case 'num':
        return { k: 'lit', v: t.value as number };
      case 'str':
        return { k: 'lit', v: t.value as string };
      case 'dur':
        return { k: 'dur', ms: t.value as number };
      case 'regex':
        return { k: 'regex', re: insightsRegex(String(t.value), query, t) };
      case 'op':
        if (t.text === '(') {
          const e = expression();
          expectOp(')');
          return e;
        }
        if (t.text === '[') {
          const items = isOp(lx.peek(true), ']') ? [] : list(expression);
          expectOp(']');
          return { k: 'list', items };
        }
        return fail(t);
      case 'id': {
        const word = t.text.toLowerCase();
        if (word === 'true' || word === 'false') return { k: 'lit', v: word === 'true' };
        if (word === 'null') return { k: 'lit', v: null };
        if (t.text.startsWith('`')) return { k: 'field', name: String(t.value) };
        if (isOp(lx.peek(), '(')) {
          lx.next();
          if (isOp(lx.peek(), '*')) {
            lx.next();
            expectOp(')');
            return { k: 'call', fn: word, args: [], star: true };
          }
          const args = isOp(lx.peek(true), ')') ? [] : list(expression);
          expectOp(')');
          return { k: 'call', fn: word, args };
        }
        if (KEYWORDS.has(word)) return fail(t);
        return { k: 'field', name: t.text };
      }
      default:
        return fail(t);
    }
  }

  function parsePattern(): ParsePattern {
    const t = lx.next(true);
    if (t.type === 'regex') {
      const names = [...String(t.value).matchAll(/\(\?P?<([A-Za-z_@][\w.@]*)>/g)].map((m) => m[1]!);
      if (!names.length) throw malformed(query, t.start, t.end, 'regular expression without named groups found');
      // JavaScript's group names may not hold `@` or `.`: the groups are renamed by position.
      let n = 0;
      const source = String(t.value).replace(/\(\?P?<([A-Za-z_@][\w.@]*)>/g, () => `(?<g${n++}>`);
      return { kind: 'regex', re: insightsRegex(source, query, t), names };
    }
    if (t.type !== 'str') return fail(t);
    const glob = String(t.value);
    const stars = glob.split('*').length - 1;
    if (stars === 0) throw malformed(query, t.start, t.end, `pattern ${t.text} without a * found`);
    if (!isWord(lx.next(), 'as')) fail(lx.peek());
    const names = list(fieldName);
    if (names.length !== stars) throw malformed(query, t.start, lx.pos, `${stars} wildcards but ${names.length} field names found`);
    const source = glob
      .split('*')
      .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('(.*?)');
    // The last * takes the rest of the line when the pattern ends with it.
    return { kind: 'glob', re: new RegExp(glob.endsWith('*') ? source.replace(/\(\.\*\?\)$/, '(.*)') : source, 's'), names };
  }

  function command(): Command {
    const t = lx.next();
    const word = t.type === 'id' ? t.text.toLowerCase() : '';
    if (!COMMANDS.includes(word)) return fail(t);
    switch (word) {
      case 'fields':
        return { k: 'fields', items: list(named) };
      case 'display':
        return { k: 'display', names: list(fieldName) };
      case 'filter':
        return { k: 'filter', expr: expression() };
      case 'stats': {
        const aggs = list(named);
        let by: Named[] = [];
        if (isWord(lx.peek(), 'by')) {
          lx.next();
          by = list(named);
        }
        return { k: 'stats', aggs, by };
      }
      case 'sort': {
        if (isWord(lx.peek(), 'by')) lx.next();
        const keys = list(() => {
          const expr = expression();
          const dir = lx.peek();
          if (isWord(dir, 'asc') || isWord(dir, 'desc')) lx.next();
          return { expr, desc: !isWord(dir, 'asc') };
        });
        return { k: 'sort', keys };
      }
      case 'limit': {
        const n = lx.next();
        if (n.type !== 'num' || !Number.isInteger(n.value) || (n.value as number) < 1) return fail(n);
        return { k: 'limit', n: n.value as number };
      }
      case 'parse': {
        const next = lx.peek(true);
        const field = next.type === 'id' ? fieldName() : '@message';
        return { k: 'parse', field, pattern: parsePattern() };
      }
      default:
        return { k: 'dedup', names: list(fieldName) };
    }
  }

  for (;;) {
    commands.push(command());
    const t = lx.next();
    if (t.type === 'eof') break;
    if (!isOp(t, '|')) fail(t);
  }
  return commands;
}
