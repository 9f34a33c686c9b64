/**
 * Module resolve hook for ES-module handlers. CommonJS `require('@aws-sdk/…')` falls back to NODE_PATH, but
 * `import` ignores NODE_PATH; on Lambda both find the SDK the runtime provides. This hook retries a bare
 * specifier that failed from inside each NODE_PATH folder.
 */
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

let parents = [];

export function initialize(data) {
  // A file URL inside <dir>: resolution then looks in <dir>'s parent's node_modules, i.e. <dir> itself.
  parents = ((data && data.dirs) || []).map((dir) => pathToFileURL(path.join(dir, '__runtime_resolve__.js')).href);
}

const isBare = (s) => !/^(\.{0,2}\/|[a-zA-Z][a-zA-Z\d+.-]*:|#)/.test(s);

export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (err) {
    if (!err || err.code !== 'ERR_MODULE_NOT_FOUND' || !isBare(specifier)) throw err;
    for (const parentURL of parents) {
      try {
        return await nextResolve(specifier, { ...context, parentURL });
      } catch {
        // try the next folder
      }
    }
    throw err;
  }
}
