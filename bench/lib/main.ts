import path from 'node:path';

/**
 * True when `filename` is the script being run. bin/run-ts.js loads scripts with require(), so
 * `require.main === module` is false there; it does put the script's path in process.argv[1].
 */
export function isMain(filename: string): boolean {
  const arg = process.argv[1];
  if (!arg) return false;
  const resolved = path.resolve(arg);
  return resolved === filename || resolved.replace(/\.ts$/, '') === filename.replace(/\.ts$/, '');
}
