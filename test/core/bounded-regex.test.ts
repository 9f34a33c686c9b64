import { testWithin } from '../../emulator/core/bounded-regex';

describe('testWithin', () => {
  it('answers as RegExp.test does', () => {
    expect(testWithin(/^\d{1,5}$/, '8080', 100)).toBe(true);
    expect(testWithin(/^\d{1,5}$/, 'eighty', 100)).toBe(false);
  });

  it('stops a pattern that backtracks for ever and says so', () => {
    expect(testWithin(/^(a+)+$/, `${'a'.repeat(40)}!`, 50)).toBe('timeout');
    expect(testWithin(/^(a+)+$/, 'aaaa', 50)).toBe(true); // usable again after a timeout
  });

  it('leaves a global pattern ready for the next value', () => {
    const re = /a/g;
    expect(testWithin(re, 'a', 100)).toBe(true);
    expect(re.lastIndex).toBe(0);
    expect(testWithin(re, 'a', 100)).toBe(true);
  });
});
