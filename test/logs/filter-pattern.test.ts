import { compileFilterPattern, matchesFilterPattern } from '../../emulator/logs/filter-pattern';

const matching = (pattern: string, messages: string[]) => messages.filter((m) => matchesFilterPattern(pattern, m));

describe('CloudWatch Logs filter patterns: terms', () => {
  it('a ? term starts an alternative and the plain terms after it belong to it (CDK anyTermGroup)', () => {
    // FilterPattern.anyTermGroup(['ERROR', 'MainThread'], ['WARN', 'Deadlock']) renders this pattern, documented as
    // "either contain both ERROR and MainThread, or both WARN and Deadlock".
    const pattern = '?"ERROR" "MainThread" ?"WARN" "Deadlock"';
    expect(matching(pattern, ['ERROR in MainThread', 'WARN Deadlock found', 'ERROR Deadlock', 'WARN MainThread', 'INFO'])).toEqual([
      'ERROR in MainThread',
      'WARN Deadlock found',
    ]);
  });

  it('plain terms before the first ? are required by every alternative; -terms exclude whatever the alternative', () => {
    expect(matching('ERROR ?WARN ?FATAL', ['ERROR WARN', 'ERROR FATAL', 'ERROR', 'WARN FATAL'])).toEqual(['ERROR WARN', 'ERROR FATAL']);
    expect(matching('?ERROR ?WARN -Exiting', ['ERROR', 'WARN', 'ERROR Exiting', 'INFO'])).toEqual(['ERROR', 'WARN']);
  });

  it('" " (a quoted space) matches every event, as the documentation shows for "match everything"', () => {
    expect(matching('" "', ['hello', 'a b', '', '{"a":1}'])).toEqual(['hello', 'a b', '', '{"a":1}']);
    expect(matching('""', ['hello'])).toEqual(['hello']);
  });

  it('a quoted phrase matches as a whole, a plain pair of terms anywhere', () => {
    expect(matching('"INTERNAL SERVER ERROR"', ['[ERROR 500] INTERNAL SERVER ERROR', '[ERROR 500] INTERNAL SERVER'])).toEqual(['[ERROR 500] INTERNAL SERVER ERROR']);
    expect(matching('Cloud watch', ['Cloud logs watch'])).toEqual(['Cloud logs watch']);
  });

  it('compiles each pattern once', () => {
    expect(compileFilterPattern('ERROR')).toBe(compileFilterPattern('ERROR'));
  });
});

describe('CloudWatch Logs filter patterns: JSON', () => {
  it('a selector names only the event’s own fields, not properties every JavaScript object inherits', () => {
    expect(matching('{ $.constructor NOT EXISTS }', ['{"a":1}'])).toEqual(['{"a":1}']);
    expect(matching('{ $.toString = * }', ['{"a":1}'])).toEqual([]);
    expect(matching('{ $.a.length = 1 }', ['{"a":"x"}', '{"a":{"length":1}}'])).toEqual(['{"a":{"length":1}}']);
  });

  it('many * wildcards against a long value that almost matches answer at once (a RegExp backtracked for seconds)', () => {
    // As a RegExp, ^.*a.*a.*a.*b$ against 400 a's takes ~16 s of CPU, the emulator's event loop blocked all along.
    const long = JSON.stringify({ a: 'a'.repeat(400) });
    const started = performance.now();
    expect(matching('{ $.a = "*a*a*a*b" }', [long])).toEqual([]);
    expect(matching('{ $.a != "*a*a*a*b" }', [long])).toEqual([long]);
    expect(matching('{ $.a = "a*a" }', [long])).toEqual([long]);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('a long literal after a * against events of the largest size answers in time linear in them', () => {
    // Patterns may be 1,024 characters and events 256 KB. Matched by stepping back one character at a time, a
    // literal of 1,000 a's after a * against 256 KB of a's takes ~1.5 s per event, the event loop blocked.
    const events = Array.from({ length: 5 }, () => JSON.stringify({ a: 'a'.repeat(256 * 1024 - 16) }));
    const started = performance.now();
    expect(matching(`{ $.a = "*${'a'.repeat(1000)}b" }`, events)).toEqual([]);
    expect(matching(`{ $.a = "*${'a'.repeat(1000)}" }`, events)).toEqual(events);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
