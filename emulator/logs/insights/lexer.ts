import { AwsError } from '../../core/errors';

/**
 * Tokens of the Logs Insights query language, read on demand: whether `/` starts a regular expression or divides
 * depends on where the parser is (`like /x/` against `a / 2`), so the parser says which it expects.
 */
export type TokenType = 'id' | 'num' | 'dur' | 'str' | 'regex' | 'op' | 'eof';
export interface Token {
  type: TokenType;
  text: string;
  /** A string's unescaped value, a number's value, a duration in ms, a regex's source. */
  value?: string | number;
  start: number;
  end: number;
}

/** Duration units `bin()` and `datefloor()` take, in ms. */
const UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  sec: 1000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
  hr: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
};

const OPERATORS = ['!=', '<=', '>=', '==', '=~', '<>', '=', '<', '>', '+', '-', '*', '/', '%', '^', '(', ')', '[', ']', ',', '|'];

/** AWS's answer to a query it cannot compile, with where it stopped (`queryCompileError`). */
export function malformed(query: string, start: number, end: number, what: string): AwsError {
  const before = query.slice(0, start).split('\n');
  const message = `${what} at line ${before.length} and position ${before.at(-1)!.length + 1}`;
  const detail = { queryCompileError: { location: { startCharOffset: start, endCharOffset: Math.max(start, end - 1) }, message } };
  return new AwsError('MalformedQueryException', message, 400, detail as unknown as Record<string, string>);
}

export class Lexer {
  pos = 0;
  constructor(readonly query: string) {}

  /** Skips blanks and `#` comments (to the end of the line). */
  private skip(): void {
    const q = this.query;
    for (;;) {
      while (this.pos < q.length && /\s/.test(q[this.pos]!)) this.pos++;
      if (q[this.pos] !== '#') return;
      while (this.pos < q.length && q[this.pos] !== '\n') this.pos++;
    }
  }

  peek(regexAllowed = false): Token {
    const at = this.pos;
    const t = this.next(regexAllowed);
    this.pos = at;
    return t;
  }

  next(regexAllowed = false): Token {
    this.skip();
    const q = this.query;
    const start = this.pos;
    if (start >= q.length) return { type: 'eof', text: '<EOF>', start, end: start };
    const c = q[start]!;
    const tok = (type: TokenType, end: number, value?: string | number): Token => {
      this.pos = end;
      return { type, text: q.slice(start, end), value, start, end };
    };
    if (c === '"' || c === "'") {
      let out = '';
      for (let i = start + 1; i < q.length; i++) {
        const ch = q[i]!;
        if (ch === '\\' && i + 1 < q.length) {
          const n = q[++i]!;
          out += n === 'n' ? '\n' : n === 't' ? '\t' : n === c || n === '\\' ? n : `\\${n}`;
        } else if (ch === c) return tok('str', i + 1, out);
        else out += ch;
      }
      throw malformed(q, start, q.length, 'unterminated string literal found');
    }
    if (c === '`') {
      const end = q.indexOf('`', start + 1);
      if (end < 0) throw malformed(q, start, q.length, 'unterminated quoted field name found');
      return tok('id', end + 1, q.slice(start + 1, end));
    }
    if (c === '/' && regexAllowed) {
      let i = start + 1;
      for (; i < q.length && q[i] !== '/'; i++) if (q[i] === '\\') i++;
      if (i >= q.length) throw malformed(q, start, q.length, 'unterminated regular expression found');
      return tok('regex', i + 1, q.slice(start + 1, i));
    }
    const num = /^(\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)([a-zA-Z]*)/.exec(q.slice(start));
    if (num) {
      const [all, n, unit] = num;
      if (!unit) return tok('num', start + all.length, Number(n));
      const ms = UNITS[unit.toLowerCase()];
      if (ms === undefined) throw malformed(q, start, start + all.length, `unexpected symbol found ${all}`);
      return tok('dur', start + all.length, Number(n) * ms);
    }
    const id = /^[@A-Za-z_$][\w$@]*(?:\.[\w$@]+)*/.exec(q.slice(start));
    if (id) return tok('id', start + id[0].length, id[0]);
    const op = OPERATORS.find((o) => q.startsWith(o, start));
    if (op) return tok('op', start + op.length);
    throw malformed(q, start, start + 1, `unexpected symbol found ${c}`);
  }
}
