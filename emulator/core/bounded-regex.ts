import vm from 'node:vm';

/**
 * Runs a user-supplied regular expression with a time limit. A pattern such as `^(a+)+$` backtracks
 * exponentially on a value that almost matches (`aaaa…!`), and V8 offers no limit of its own: run on the event
 * loop, it would hold the whole emulator. A script run in a context with `timeout` is stopped by V8 even inside
 * the regex engine. The context is made once; each call costs ~0.1 ms (the timeout's watchdog), so this is for
 * patterns users write (SSM AllowedPattern), not for hot paths.
 */
let context: vm.Context | undefined;
const testScript = new vm.Script('pattern.test(value)');

/** `re.test(value)`, or 'timeout' when it did not finish within `ms`. */
export function testWithin(re: RegExp, value: string, ms: number): boolean | 'timeout' {
  context ??= vm.createContext({});
  context.pattern = re;
  context.value = value;
  try {
    return testScript.runInContext(context, { timeout: ms }) === true;
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') return 'timeout';
    throw e;
  } finally {
    context.pattern = undefined;
    context.value = undefined;
    re.lastIndex = 0;
  }
}
