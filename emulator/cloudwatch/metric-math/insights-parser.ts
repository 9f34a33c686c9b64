import { MathError } from './parser';

/**
 * The Metrics Insights query language (CloudWatch's "Query components and syntax"):
 *
 *   SELECT FUNCTION(metricName) FROM namespace | SCHEMA(namespace[, labelKey, …])
 *   [WHERE condition] [GROUP BY labelKey[, …]] [ORDER BY FUNCTION() [ASC | DESC]] [LIMIT n]
 *
 * Keywords are case-insensitive, names are not. A name holding anything but letters, digits and underscores (or
 * spelled like a keyword) is written in double quotes, a label value always in single quotes; a quote inside either
 * is escaped with a backslash. Conditions compare a label with `=`, `!=`, `[NOT] LIKE` (`%` for any run of
 * characters), `[NOT] IN (…)`, joined with AND, OR, NOT and parentheses.
 */
export const INSIGHTS_FUNCTIONS = ['AVG', 'COUNT', 'MAX', 'MIN', 'SUM'] as const;
export type InsightsFunction = (typeof INSIGHTS_FUNCTIONS)[number];

export type Condition =
  | { type: 'compare'; key: string; op: '=' | '!='; value: string }
  | { type: 'like'; key: string; negated: boolean; pattern: string }
  | { type: 'in'; key: string; negated: boolean; values: string[] }
  | { type: 'and' | 'or'; left: Condition; right: Condition }
  | { type: 'not'; arg: Condition };

export interface InsightsQuery {
  fn: InsightsFunction;
  metricName: string;
  namespace: string;
  /** SCHEMA's label keys: only metrics with exactly these dimensions match. Absent for a bare namespace. */
  schema?: string[];
  where?: Condition;
  groupBy: string[];
  orderBy?: { fn: InsightsFunction; descending: boolean };
  limit?: number;
}

/** The most series a query returns, and so the largest LIMIT. */
export const MAX_INSIGHTS_SERIES = 500;
/** How deep conditions may nest in parentheses and NOTs: the parser recurses once per level. */
const MAX_CONDITION_NESTING = 64;

/** Whether an expression is a Metrics Insights query rather than metric math. */
export const isInsightsQuery = (expression: string): boolean => /^\s*select\b/i.test(expression);

const KEYWORDS = new Set(['SELECT', 'FROM', 'SCHEMA', 'WHERE', 'AND', 'OR', 'NOT', 'LIKE', 'IN', 'GROUP', 'ORDER', 'BY', 'ASC', 'DESC', 'LIMIT']);

interface Token {
  /** `word`: unquoted letters, digits and underscores; `name`: double-quoted; `string`: single-quoted. */
  kind: 'word' | 'name' | 'string' | 'op' | 'end';
  text: string;
  at: number;
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const word = /^[A-Za-z0-9_]+/.exec(text.slice(i, i + 1024));
    if (word) {
      tokens.push({ kind: 'word', text: word[0], at: i });
      i += word[0].length;
      continue;
    }
    if (c === '"' || c === "'") {
      let value = '';
      let j = i + 1;
      for (; j < text.length && text[j] !== c; j++) {
        // A backslash takes the next character as it is: \" and \' are quotes inside the quotes.
        if (text[j] === '\\' && j + 1 < text.length) j++;
        value += text[j];
      }
      if (j >= text.length) throw new MathError(`Unterminated ${c === '"' ? 'quoted name' : 'string'} starting at position ${i + 1}.`);
      tokens.push({ kind: c === '"' ? 'name' : 'string', text: value, at: i });
      i = j + 1;
      continue;
    }
    const op = ['!=', '(', ')', ',', '='].find((o) => text.startsWith(o, i));
    if (!op) throw new MathError(`Unexpected character '${c}' at position ${i + 1}.`);
    tokens.push({ kind: 'op', text: op, at: i });
    i += op.length;
  }
  tokens.push({ kind: 'end', text: '', at: text.length });
  return tokens;
}

export function parseInsightsQuery(text: string): InsightsQuery {
  const tokens = tokenize(text);
  let pos = 0;
  const peek = () => tokens[pos]!;
  const describe = (t: Token) => (t.kind === 'end' ? 'the end of the query' : `'${t.kind === 'string' ? `'${t.text}'` : t.kind === 'name' ? `"${t.text}"` : t.text}' at position ${t.at + 1}`);
  const unexpected = (t: Token, wanted: string) => new MathError(`Expected ${wanted} but found ${describe(t)}.`);
  const isKeyword = (t: Token, ...words: string[]) => t.kind === 'word' && words.includes(t.text.toUpperCase());
  const keyword = (word: string) => {
    if (!isKeyword(peek(), word)) throw unexpected(peek(), word);
    pos++;
  };
  const op = (symbol: string) => {
    const t = peek();
    if (t.kind !== 'op' || t.text !== symbol) throw unexpected(t, `'${symbol}'`);
    pos++;
  };
  const isOp = (symbol: string) => peek().kind === 'op' && peek().text === symbol;
  /** A metric name, namespace or label key: unquoted unless it needs quotes or is spelled like a keyword. */
  const name = (what: string): string => {
    const t = peek();
    if (t.kind === 'name' || (t.kind === 'word' && !KEYWORDS.has(t.text.toUpperCase()))) {
      pos++;
      if (!t.text) throw new MathError(`The ${what} at position ${t.at + 1} is empty.`);
      return t.text;
    }
    throw unexpected(t, t.kind === 'word' ? `a ${what} (a keyword used as a name is written in double quotes)` : `a ${what}`);
  };
  const string = (): string => {
    const t = peek();
    if (t.kind !== 'string') throw unexpected(t, 'a label value in single quotes');
    pos++;
    return t.text;
  };
  const fn = (): InsightsFunction => {
    const t = peek();
    const upper = t.text.toUpperCase();
    if (t.kind !== 'word' || !(INSIGHTS_FUNCTIONS as readonly string[]).includes(upper)) throw unexpected(t, `one of the functions ${INSIGHTS_FUNCTIONS.join(', ')}`);
    pos++;
    return upper as InsightsFunction;
  };
  const list = <T>(item: () => T): T[] => {
    const items = [item()];
    while (isOp(',')) {
      pos++;
      items.push(item());
    }
    return items;
  };

  let depth = 0;
  const condition = (): Condition => {
    let left = conjunction();
    while (isKeyword(peek(), 'OR')) {
      pos++;
      left = { type: 'or', left, right: conjunction() };
    }
    return left;
  };
  const conjunction = (): Condition => {
    let left = negation();
    while (isKeyword(peek(), 'AND')) {
      pos++;
      left = { type: 'and', left, right: negation() };
    }
    return left;
  };
  const nested = <T>(parse: () => T, at: Token): T => {
    if (++depth > MAX_CONDITION_NESTING) throw new MathError(`The WHERE clause nests more than ${MAX_CONDITION_NESTING} levels deep at position ${at.at + 1}.`);
    const result = parse();
    depth--;
    return result;
  };
  const negation = (): Condition => {
    const t = peek();
    if (isKeyword(t, 'NOT')) {
      pos++;
      return { type: 'not', arg: nested(negation, t) };
    }
    if (isOp('(')) {
      pos++;
      const inner = nested(condition, t);
      op(')');
      return inner;
    }
    return comparison();
  };
  const comparison = (): Condition => {
    const key = name('label key');
    const t = peek();
    if (t.kind === 'op' && (t.text === '=' || t.text === '!=')) {
      pos++;
      return { type: 'compare', key, op: t.text, value: string() };
    }
    const negated = isKeyword(t, 'NOT');
    if (negated) pos++;
    if (isKeyword(peek(), 'LIKE')) {
      pos++;
      return { type: 'like', key, negated, pattern: string() };
    }
    if (isKeyword(peek(), 'IN')) {
      pos++;
      op('(');
      const values = list(string);
      op(')');
      return { type: 'in', key, negated, values };
    }
    throw unexpected(peek(), negated ? 'LIKE or IN' : "an operator (=, !=, LIKE, IN, NOT LIKE or NOT IN)");
  };

  keyword('SELECT');
  const selected = fn();
  op('(');
  const metricName = name('metric name');
  op(')');
  keyword('FROM');
  let namespace: string;
  let schema: string[] | undefined;
  if (isKeyword(peek(), 'SCHEMA') && tokens[pos + 1]?.kind === 'op' && tokens[pos + 1]?.text === '(') {
    pos += 2;
    namespace = name('namespace');
    schema = [];
    while (isOp(',')) {
      pos++;
      schema.push(name('label key'));
    }
    op(')');
  } else namespace = name('namespace');
  const query: InsightsQuery = { fn: selected, metricName, namespace, groupBy: [] };
  if (schema) query.schema = schema;
  if (isKeyword(peek(), 'WHERE')) {
    pos++;
    query.where = condition();
  }
  if (isKeyword(peek(), 'GROUP')) {
    pos++;
    keyword('BY');
    query.groupBy = list(() => name('label key'));
  }
  if (isKeyword(peek(), 'ORDER')) {
    pos++;
    keyword('BY');
    const by = fn();
    op('(');
    op(')');
    const direction = isKeyword(peek(), 'ASC', 'DESC') ? tokens[pos++]!.text.toUpperCase() : 'ASC';
    query.orderBy = { fn: by, descending: direction === 'DESC' };
  }
  if (isKeyword(peek(), 'LIMIT')) {
    pos++;
    const t = peek();
    const n = t.kind === 'word' && /^\d+$/.test(t.text) ? Number(t.text) : NaN;
    if (!(n >= 1 && n <= MAX_INSIGHTS_SERIES)) throw new MathError(`LIMIT must be a whole number from 1 to ${MAX_INSIGHTS_SERIES}, not ${describe(t)}.`);
    pos++;
    query.limit = n;
  }
  if (peek().kind !== 'end') throw unexpected(peek(), 'the end of the query');
  return query;
}
