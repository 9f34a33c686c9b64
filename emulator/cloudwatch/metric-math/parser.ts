/**
 * The metric math language as CloudWatch reads it: numbers, query ids (lowercase first letter), uppercase
 * function calls, `[a, b]` arrays, strings (METRICS' filter), the FILL keywords REPEAT and LINEAR, and the
 * operators below, loosest first. `^` binds tighter than unary minus (`-2^2` is -4) and groups to the right.
 */
export class MathError extends Error {
  override name = 'MathError';
}

export type BinaryOp = '+' | '-' | '*' | '/' | '^' | '==' | '!=' | '<' | '<=' | '>' | '>=' | 'AND' | 'OR';

export type Node =
  | { type: 'number'; value: number }
  | { type: 'string'; value: string }
  | { type: 'keyword'; name: 'REPEAT' | 'LINEAR' }
  | { type: 'ref'; id: string }
  | { type: 'array'; items: Node[] }
  | { type: 'unary'; op: '-' | 'NOT'; arg: Node }
  | { type: 'binary'; op: BinaryOp; left: Node; right: Node }
  | { type: 'call'; name: string; args: Node[] };

interface Token {
  kind: 'number' | 'string' | 'word' | 'op' | 'end';
  text: string;
  at: number;
}

const OPERATORS = ['==', '!=', '<=', '>=', '&&', '||', '+', '-', '*', '/', '^', '<', '>', '!', '(', ')', '[', ']', ','];
/** Alternative spellings of the logical operators. */
const SPELLED: Record<string, string> = { '&&': 'AND', '||': 'OR', '!': 'NOT' };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const number = /^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(text.slice(i));
    if (number) {
      tokens.push({ kind: 'number', text: number[0], at: i });
      i += number[0].length;
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i));
    if (word) {
      tokens.push({ kind: 'word', text: word[0], at: i });
      i += word[0].length;
      continue;
    }
    if (c === '"' || c === "'") {
      const close = text.indexOf(c, i + 1);
      if (close < 0) throw new MathError(`Unterminated string starting at position ${i + 1}.`);
      tokens.push({ kind: 'string', text: text.slice(i + 1, close), at: i });
      i = close + 1;
      continue;
    }
    const op = OPERATORS.find((o) => text.startsWith(o, i));
    if (!op) throw new MathError(`Unexpected character '${c}' at position ${i + 1}.`);
    tokens.push({ kind: 'op', text: SPELLED[op] ?? op, at: i });
    i += op.length;
  }
  tokens.push({ kind: 'end', text: '', at: text.length });
  return tokens;
}

/**
 * How deep parentheses, brackets, calls and unary operators may nest. Real expressions nest a few levels; the
 * parser recurses about ten frames a level, so a bound keeps a hostile expression from exhausting the stack.
 */
export const MAX_NESTING = 64;

/** Binary operator levels, loosest first. */
const LEVELS: BinaryOp[][] = [['OR'], ['AND'], ['==', '!=', '<', '<=', '>', '>='], ['+', '-'], ['*', '/']];

export function parseExpression(text: string): Node {
  if (!text.trim()) throw new MathError('The expression is empty.');
  const tokens = tokenize(text);
  let pos = 0;
  const peek = () => tokens[pos]!;
  const isOp = (t: Token, ...ops: string[]) => (t.kind === 'op' || t.kind === 'word') && ops.includes(t.text);
  let depth = 0;
  /** Parses one nested level (a parenthesised or bracketed group, a call's arguments, a unary operand). */
  const nested = <T>(parse: () => T, at: Token): T => {
    if (++depth > MAX_NESTING) throw new MathError(`The expression nests more than ${MAX_NESTING} levels deep at position ${at.at + 1}.`);
    const result = parse();
    depth--;
    return result;
  };
  const unexpected = (t: Token): MathError =>
    new MathError(t.kind === 'end' ? 'Unexpected end of expression.' : `Unexpected '${t.kind === 'string' ? `"${t.text}"` : t.text}' at position ${t.at + 1}.`);
  const expect = (op: string) => {
    if (!isOp(peek(), op)) throw unexpected(peek());
    pos++;
  };

  const binary = (level: number): Node => {
    if (level === LEVELS.length) return unary();
    let left = binary(level + 1);
    while (isOp(peek(), ...LEVELS[level]!)) {
      const op = tokens[pos++]!.text as BinaryOp;
      left = { type: 'binary', op, left, right: binary(level + 1) };
    }
    return left;
  };
  const unary = (): Node => {
    const t = peek();
    if (isOp(t, '-', 'NOT')) {
      pos++;
      return { type: 'unary', op: t.text as '-' | 'NOT', arg: nested(unary, t) };
    }
    if (isOp(t, '+')) {
      pos++;
      return nested(unary, t);
    }
    return power();
  };
  const power = (): Node => {
    const base = primary();
    if (!isOp(peek(), '^')) return base;
    pos++;
    return { type: 'binary', op: '^', left: base, right: nested(unary, tokens[pos - 1]!) };
  };
  const list = (close: string): Node[] => {
    const items: Node[] = [];
    if (isOp(peek(), close)) {
      pos++;
      return items;
    }
    for (;;) {
      items.push(binary(0));
      if (isOp(peek(), close)) {
        pos++;
        return items;
      }
      expect(',');
    }
  };
  const primary = (): Node => {
    const t = tokens[pos++]!;
    if (t.kind === 'number') return { type: 'number', value: Number(t.text) };
    if (t.kind === 'string') return { type: 'string', value: t.text };
    if (isOp(t, '(')) {
      const inner = nested(() => binary(0), t);
      expect(')');
      return inner;
    }
    if (isOp(t, '[')) return { type: 'array', items: nested(() => list(']'), t) };
    if (t.kind === 'word' && !['AND', 'OR', 'NOT'].includes(t.text)) {
      if (isOp(peek(), '(')) {
        pos++;
        return { type: 'call', name: t.text, args: nested(() => list(')'), t) };
      }
      if (t.text === 'REPEAT' || t.text === 'LINEAR') return { type: 'keyword', name: t.text };
      if (/^[a-z]/.test(t.text)) return { type: 'ref', id: t.text };
      throw new MathError(`Unrecognized identifier '${t.text}' at position ${t.at + 1}: ids start with a lowercase letter and functions are called with parentheses.`);
    }
    pos--;
    throw unexpected(t);
  };

  const node = binary(0);
  if (peek().kind !== 'end') throw unexpected(peek());
  return node;
}
