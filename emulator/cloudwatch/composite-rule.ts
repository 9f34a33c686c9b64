import { AwsError } from '../core/errors';
import type { AlarmState } from './alarms';

/**
 * The AlarmRule language of composite alarms: ALARM(x), OK(x), INSUFFICIENT_DATA(x), TRUE, FALSE, NOT, AND, OR,
 * parentheses, and AT_LEAST(n | n%, [NOT] STATE, (x, y, …)). `x` is an alarm name or ARN, in double quotes or bare
 * (a bare one ends at the closing parenthesis, or at a comma inside AT_LEAST). NOT binds tighter than AND, AND
 * tighter than OR.
 */
export type Rule =
  | { kind: 'const'; value: boolean }
  | { kind: 'state'; state: AlarmState; ref: string }
  | { kind: 'not'; rule: Rule }
  | { kind: 'and' | 'or'; left: Rule; right: Rule }
  | { kind: 'atLeast'; count: number; percent: boolean; negate: boolean; state: AlarmState; refs: string[] };

const STATES: AlarmState[] = ['ALARM', 'OK', 'INSUFFICIENT_DATA'];
/** AlarmRule's length limit in the API model. */
export const MAX_RULE_LENGTH = 10240;
/** "The rule expression of a composite alarm can include as many as 100 underlying alarms." */
export const MAX_RULE_ALARMS = 100;

const ruleError = (detail: string) => new AwsError('ValidationException', `Error in AlarmRule [${detail}]`, 400);

class RuleParser {
  private pos = 0;
  constructor(private readonly text: string) {}

  parse(): Rule {
    const rule = this.or();
    this.skipSpace();
    if (this.pos < this.text.length) throw this.unsupported();
    return rule;
  }

  private skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos]!)) this.pos++;
  }

  /** The word (letters, digits, underscores) at the cursor, without consuming it. */
  private peekWord(): string {
    this.skipSpace();
    return /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.text.slice(this.pos))?.[0] ?? '';
  }

  private unsupported(): AwsError {
    this.skipSpace();
    if (this.pos >= this.text.length) return ruleError(`Unexpected end of expression at char ${this.pos}`);
    const token = this.peekWord() || this.text[this.pos]!;
    return ruleError(`Unsupported token '${token}' at char ${this.pos}`);
  }

  private expect(ch: string): void {
    this.skipSpace();
    if (this.text[this.pos] !== ch) throw this.unsupported();
    this.pos++;
  }

  private or(): Rule {
    let left = this.and();
    while (this.peekWord() === 'OR') {
      this.pos += 2;
      left = { kind: 'or', left, right: this.and() };
    }
    return left;
  }

  private and(): Rule {
    let left = this.unary();
    while (this.peekWord() === 'AND') {
      this.pos += 3;
      left = { kind: 'and', left, right: this.unary() };
    }
    return left;
  }

  private unary(): Rule {
    const word = this.peekWord();
    if (word === 'NOT') {
      this.pos += 3;
      return { kind: 'not', rule: this.unary() };
    }
    if (word.toUpperCase() === 'TRUE' || word.toUpperCase() === 'FALSE') {
      this.pos += word.length;
      return { kind: 'const', value: word.toUpperCase() === 'TRUE' };
    }
    if ((STATES as string[]).includes(word)) {
      this.pos += word.length;
      this.expect('(');
      const ref = this.reference(')');
      this.expect(')');
      return { kind: 'state', state: word as AlarmState, ref };
    }
    if (word === 'AT_LEAST') {
      this.pos += word.length;
      return this.atLeast();
    }
    if (word === '' && this.text[this.pos] === '(') {
      this.pos++;
      const inner = this.or();
      this.expect(')');
      return inner;
    }
    throw this.unsupported();
  }

  /** AT_LEAST(2, ALARM, (a, b)) or AT_LEAST(50%, NOT OK, ("a", "b")). */
  private atLeast(): Rule {
    this.expect('(');
    this.skipSpace();
    const m = /^(\d+)(%?)/.exec(this.text.slice(this.pos));
    if (!m) throw this.unsupported();
    this.pos += m[0].length;
    const count = Number(m[1]);
    const percent = m[2] === '%';
    if (count < 1 || (percent && count > 100)) throw ruleError(`Invalid AT_LEAST threshold '${m[0]}'`);
    this.expect(',');
    let negate = false;
    if (this.peekWord() === 'NOT') {
      negate = true;
      this.pos += 3;
    }
    const state = this.peekWord();
    if (!(STATES as string[]).includes(state)) throw this.unsupported();
    this.pos += state.length;
    this.expect(',');
    this.expect('(');
    const refs = [this.reference(',)')];
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] !== ',') break;
      this.pos++;
      refs.push(this.reference(',)'));
    }
    this.expect(')');
    this.expect(')');
    if (!percent && count > refs.length) throw ruleError(`AT_LEAST threshold ${count} is greater than the number of alarms (${refs.length})`);
    return { kind: 'atLeast', count, percent, negate, state: state as AlarmState, refs };
  }

  /** An alarm name or ARN: quoted, or bare up to one of `stops`. */
  private reference(stops: string): string {
    this.skipSpace();
    if (this.text[this.pos] === '"') {
      const end = this.text.indexOf('"', this.pos + 1);
      if (end < 0) throw ruleError(`Unterminated quoted alarm name at char ${this.pos}`);
      const ref = this.text.slice(this.pos + 1, end);
      this.pos = end + 1;
      if (!ref) throw ruleError(`Empty alarm name at char ${this.pos - 2}`);
      return ref;
    }
    const start = this.pos;
    while (this.pos < this.text.length && !stops.includes(this.text[this.pos]!)) this.pos++;
    const ref = this.text.slice(start, this.pos).trim();
    if (!ref) throw this.unsupported();
    return ref;
  }
}

/** Parses an AlarmRule, or throws the ValidationError AWS answers for it. */
export function parseRule(text: string): Rule {
  if (text.length > MAX_RULE_LENGTH) {
    throw new AwsError(
      'ValidationException',
      `1 validation error detected: Value at 'alarmRule' failed to satisfy constraint: Member must have length less than or equal to ${MAX_RULE_LENGTH}`,
      400,
    );
  }
  return new RuleParser(text).parse();
}

/** Every alarm reference in the rule (names or ARNs as written), each once, in order. */
export function ruleReferences(rule: Rule): string[] {
  const out = new Set<string>();
  const walk = (r: Rule): void => {
    if (r.kind === 'state') out.add(r.ref);
    else if (r.kind === 'atLeast') r.refs.forEach((x) => out.add(x));
    else if (r.kind === 'not') walk(r.rule);
    else if (r.kind === 'and' || r.kind === 'or') {
      walk(r.left);
      walk(r.right);
    }
  };
  walk(rule);
  return [...out];
}

/** The rule's value given each referenced alarm's state (undefined: no such alarm, which matches no state). */
export function evaluateRule(rule: Rule, stateOf: (ref: string) => AlarmState | undefined): boolean {
  switch (rule.kind) {
    case 'const':
      return rule.value;
    case 'state':
      return stateOf(rule.ref) === rule.state;
    case 'not':
      return !evaluateRule(rule.rule, stateOf);
    case 'and':
      return evaluateRule(rule.left, stateOf) && evaluateRule(rule.right, stateOf);
    case 'or':
      return evaluateRule(rule.left, stateOf) || evaluateRule(rule.right, stateOf);
    case 'atLeast': {
      const matching = rule.refs.filter((ref) => (stateOf(ref) === rule.state) !== rule.negate).length;
      return rule.percent ? matching * 100 >= rule.count * rule.refs.length : matching >= rule.count;
    }
  }
}
