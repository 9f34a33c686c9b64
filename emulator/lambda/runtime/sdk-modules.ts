import * as fs from 'node:fs/promises';
import * as path from 'node:path';

/** Scopes the Node runtime provides without bundling, as Lambda's /var/runtime/node_modules does. */
const PROVIDED_SCOPES = ['@aws-sdk', '@smithy', '@aws-crypto'];

/** The node_modules folder this project's SDK is installed in, or undefined when it is not installed. */
export function projectNodeModules(): string | undefined {
  try {
    const entry = require.resolve('@aws-sdk/client-s3');
    const marker = `${path.sep}node_modules${path.sep}`;
    const at = entry.lastIndexOf(marker + '@aws-sdk' + path.sep);
    return at < 0 ? undefined : entry.slice(0, at + marker.length - 1);
  } catch {
    return undefined;
  }
}

/**
 * Makes `<dir>/node_modules` holding links to the SDK scopes only, for NODE_PATH. Pointing NODE_PATH at the
 * project's node_modules instead would let functions require jest, yauzl… and pass here but fail on AWS.
 * Returns the folder to put on NODE_PATH, or undefined when the SDK is not installed.
 */
export async function linkProvidedModules(dir: string): Promise<string | undefined> {
  const source = projectNodeModules();
  if (!source) return undefined;
  const target = path.join(dir, 'node_modules');
  await fs.mkdir(target, { recursive: true });
  for (const scope of PROVIDED_SCOPES) {
    const from = path.join(source, scope);
    const exists = await fs.stat(from).then(() => true, () => false);
    // 'junction' matters on Windows only (no admin rights needed); POSIX ignores the type.
    if (exists) await fs.symlink(from, path.join(target, scope), 'junction');
  }
  return target;
}
