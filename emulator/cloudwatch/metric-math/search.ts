import { statistic, STATISTICS, type MetricId, type MetricStore } from '../metrics';
import { MathError } from './parser';
import { build, MAX_DATAPOINTS, type MathContext, type Series } from './series';

/**
 * The query of a SEARCH() expression (CloudWatch's "search expression syntax"): an optional metric schema
 * `{Namespace, DimensionName, …}` (only metrics with exactly those dimensions), then search terms joined by AND
 * (or nothing), OR, NOT and parentheses (uppercase only). A bare term matches by token, a term in double quotes
 * exactly, and `Designator=term` looks only at the metric name (MetricName), the namespace (Namespace) or one
 * dimension's value.
 *
 * Tokens (per the docs): names split at camel case, at digits and at other characters. A term matches the whole
 * name without its separators in any case (`customcount1`); a term of one token matches any token in any case; a
 * term of several tokens run together (`CustomCount`, `Count1`) must appear in that case, consecutively; terms split
 * by other characters (`network-errors`) need each of their parts.
 */
export interface SearchQuery {
  schema?: { namespace: string; keys: string[] };
  term?: Term;
}

type Term =
  | { type: 'match'; exact: boolean; text: string; designator?: string }
  | { type: 'and' | 'or'; left: Term; right: Term }
  | { type: 'not'; arg: Term };

/** The longest query AWS takes. */
export const MAX_SEARCH_LENGTH = 1024;

interface Token {
  kind: 'word' | 'quoted' | 'op' | 'end';
  text: string;
  at: number;
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) i++;
    else if ('(){},='.includes(c)) tokens.push({ kind: 'op', text: c, at: i++ });
    else if (c === '"') {
      let value = '';
      let j = i + 1;
      for (; j < text.length && text[j] !== '"'; j++) {
        // \" \\ \( \) stand for the character itself.
        if (text[j] === '\\' && j + 1 < text.length) j++;
        value += text[j];
      }
      if (j >= text.length) throw new MathError(`Unterminated double quote at position ${i + 1} of the search query.`);
      tokens.push({ kind: 'quoted', text: value, at: i });
      i = j + 1;
    } else {
      const word = /^[^\s(){},="]+/.exec(text.slice(i))![0];
      tokens.push({ kind: 'word', text: word, at: i });
      i += word.length;
    }
  }
  tokens.push({ kind: 'end', text: '', at: text.length });
  return tokens;
}

export function parseSearch(text: string): SearchQuery {
  if (text.length > MAX_SEARCH_LENGTH) throw new MathError(`The search query is ${text.length} characters long; at most ${MAX_SEARCH_LENGTH} are allowed.`);
  const tokens = tokenize(text);
  let pos = 0;
  const peek = () => tokens[pos]!;
  const isOp = (op: string, t = peek()) => t.kind === 'op' && t.text === op;
  const isWord = (w: string, t = peek()) => t.kind === 'word' && t.text === w;
  const unexpected = (t: Token) => new MathError(t.kind === 'end' ? 'Unexpected end of the search query.' : `Unexpected '${t.text}' at position ${t.at + 1} of the search query.`);
  const expect = (op: string) => {
    if (!isOp(op)) throw unexpected(peek());
    pos++;
  };
  const query: SearchQuery = {};
  if (isOp('{')) {
    pos++;
    const names: string[] = [];
    for (;;) {
      const t = peek();
      if (t.kind !== 'word' && t.kind !== 'quoted') throw unexpected(t);
      names.push(t.text);
      pos++;
      if (isOp('}')) break;
      expect(',');
    }
    pos++;
    query.schema = { namespace: names[0]!, keys: names.slice(1) };
    if (isOp(',')) pos++; // the docs write `{MyNamespace}, "CustomCount1"`
  }

  let depth = 0;
  const nested = <T>(parse: () => T): T => {
    if (++depth > 64) throw new MathError('The search query nests more than 64 levels deep.');
    const result = parse();
    depth--;
    return result;
  };
  const startsTerm = (t: Token) => t.kind === 'word' || t.kind === 'quoted' || isOp('(', t) || isWord('NOT', t);
  const or = (designator?: string): Term => {
    let left = and(designator);
    while (isWord('OR')) {
      pos++;
      left = { type: 'or', left, right: and(designator) };
    }
    return left;
  };
  const and = (designator?: string): Term => {
    let left = not(designator);
    for (;;) {
      if (isWord('AND')) pos++;
      else if (!startsTerm(peek()) || isWord('OR')) return left;
      left = { type: 'and', left, right: not(designator) };
    }
  };
  const not = (designator?: string): Term => {
    if (isWord('NOT')) {
      pos++;
      return { type: 'not', arg: nested(() => not(designator)) };
    }
    return primary(designator);
  };
  const primary = (designator?: string): Term => {
    const t = peek();
    if (isOp('(')) {
      pos++;
      const inner = nested(() => or(designator));
      expect(')');
      return inner;
    }
    if (t.kind !== 'word' && t.kind !== 'quoted') throw unexpected(t);
    pos++;
    if (isOp('=')) {
      // A designator: `MetricName="Errors"`, `InstanceType=micro`, `"InstanceId"=("i-1" OR "i-2")`.
      if (designator !== undefined) throw unexpected(peek());
      pos++;
      return primary(t.text);
    }
    return { type: 'match', exact: t.kind === 'quoted', text: t.text, ...(designator !== undefined ? { designator } : {}) };
  };
  if (peek().kind !== 'end') query.term = or();
  if (peek().kind !== 'end') throw unexpected(peek());
  if (!query.schema && !query.term) throw new MathError('A search query needs a metric schema ({Namespace, …}), a search term, or both.');
  return query;
}

/** A name's parts: runs of letters and digits split at camel case and where digits start. */
const parts = (text: string): string[][] =>
  text
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((chunk) => chunk.match(/[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+/g) ?? []);

function tokenMatches(term: string, field: string): boolean {
  const fieldParts = parts(field);
  const atoms = fieldParts.flat();
  const whole = atoms.join('').toLowerCase();
  // Each separated part of the term must match on its own.
  return parts(term).every((termAtoms) => {
    if (termAtoms.join('').toLowerCase() === whole) return true;
    if (termAtoms.length === 1) {
      const t = termAtoms[0]!.toLowerCase();
      return atoms.some((a) => a.toLowerCase() === t);
    }
    // Composite: consecutive tokens of one part of the name, case as written.
    const composite = termAtoms.join('');
    return fieldParts.some((p) => {
      for (let i = 0; i + termAtoms.length <= p.length; i++) if (p.slice(i, i + termAtoms.length).join('') === composite) return true;
      return false;
    });
  });
}

/** The strings a term looks at: one for a designator, else the name, namespace and every dimension's name and value. */
function fields(id: MetricId, designator: string | undefined): string[] {
  if (designator === 'MetricName') return [id.name];
  if (designator === 'Namespace') return [id.namespace];
  if (designator !== undefined) return id.dimensions.filter((d) => d.Name === designator).map((d) => d.Value);
  return [id.name, id.namespace, ...id.dimensions.flatMap((d) => [d.Name, d.Value])];
}

function holds(term: Term, id: MetricId): boolean {
  switch (term.type) {
    case 'and':
      return holds(term.left, id) && holds(term.right, id);
    case 'or':
      return holds(term.left, id) || holds(term.right, id);
    case 'not':
      return !holds(term.arg, id);
    case 'match':
      return fields(id, term.designator).some((f) => (term.exact ? f === term.text : tokenMatches(term.text, f)));
  }
}

export function searchMatches(query: SearchQuery, id: MetricId): boolean {
  if (query.schema) {
    const { namespace, keys } = query.schema;
    const wanted = new Set(keys);
    if (id.namespace !== namespace || id.dimensions.length !== wanted.size || !id.dimensions.every((d) => wanted.has(d.Name))) return false;
  }
  return !query.term || holds(query.term, id);
}

/** The most series one SEARCH returns. */
export const MAX_SEARCH_SERIES = 500;

/**
 * SEARCH(query, statistic, period): one series per matching metric, the statistic per period over the request's
 * range. A series is labelled with its dimension values; when that does not tell two results apart (or there are
 * none), the metric name is added, as AWS makes labels unique.
 */
export function runSearch(store: MetricStore, text: string, stat: string, periodMs: number, ctx: MathContext): Series[] {
  const query = parseSearch(text);
  if (!STATISTICS.includes(stat as never)) throw new MathError(`'${stat}' is not a statistic SEARCH can use: ${STATISTICS.join(', ')}.`);
  const periods = Math.ceil((ctx.end - ctx.start) / periodMs);
  if (periods > MAX_DATAPOINTS) {
    throw new MathError(`The time range holds ${periods} periods of ${periodMs / 1000} seconds, more than the ${MAX_DATAPOINTS} data points a request can return: shorten the range or lengthen the period.`);
  }
  const found: { id: MetricId; label: string }[] = [];
  for (const { id } of store.allSeries()) {
    if (!searchMatches(query, id)) continue;
    const keys = query.schema?.keys;
    const dims = keys?.length ? keys.map((k) => id.dimensions.find((d) => d.Name === k)!) : id.dimensions;
    found.push({ id, label: dims.map((d) => d.Value).join(' ') });
  }
  const counts = new Map<string, number>();
  for (const f of found) counts.set(f.label, (counts.get(f.label) ?? 0) + 1);
  for (const f of found) if (!f.label || counts.get(f.label)! > 1) f.label = `${f.label} ${f.id.name}`.trim();
  found.sort((a, b) => (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
  return found.slice(0, MAX_SEARCH_SERIES).map(({ id, label }) =>
    build(label, periodMs, ctx, (set) => {
      for (const [t, p] of store.aggregate(id, ctx.start, ctx.end, periodMs)) set(t, statistic(p, stat));
    }),
  );
}
