import * as fs from 'node:fs/promises';
import { AwsError } from '../../core/errors';
import { forgetTempDir, removeOnExit } from './host-exit';
import { ownedTempPrefix } from './temp-dirs';
import type { FunctionSpec, LayerContent } from './types';
import { extractZip } from './zip';

interface OptDir {
  functionName: string;
  dir: Promise<string>;
}

/**
 * The folders that play /opt: one per function version and list of layers, made when its first environment
 * starts and shared by the environments that follow. A change of layers gets a new folder (busy environments
 * keep the old one until the function goes); a function's folders go when it is retired whole, all of them on
 * close, and with the process otherwise (host-exit.ts), like the pool's own scratch.
 */
export class OptDirs {
  private readonly dirs = new Map<string, OptDir>();

  /** The /opt of this spec's layers, unpacked on first use; undefined for a function without layers. */
  prepare(spec: FunctionSpec): Promise<string> | undefined {
    if (!spec.layers?.length) return undefined;
    const key = JSON.stringify([spec.functionName, spec.version ?? '$LATEST', spec.layers.map((l) => [l.arn, l.sha256])]);
    let known = this.dirs.get(key);
    if (!known) {
      const entry: OptDir = { functionName: spec.functionName, dir: unpackLayers(spec.layers) };
      // A failed unpack is not remembered: the next environment tries again.
      entry.dir.catch(() => this.dirs.get(key) === entry && this.dirs.delete(key));
      this.dirs.set(key, (known = entry));
    }
    return known.dir;
  }

  /** Removes one function's folders (it was deleted), or every folder. */
  async remove(functionName?: string): Promise<void> {
    const going = [...this.dirs].filter(([, d]) => functionName === undefined || d.functionName === functionName);
    for (const [key] of going) this.dirs.delete(key);
    await Promise.all(going.map(([, d]) => d.dir.then(removeDir, () => undefined)));
  }
}

/** Extracts the layers in order into a fresh folder: a later layer's files replace an earlier one's, as in /opt. */
async function unpackLayers(layers: LayerContent[]): Promise<string> {
  const dir = await fs.mkdtemp(ownedTempPrefix('lambda-opt-'));
  removeOnExit(dir);
  try {
    for (const layer of layers) await extractZip(layer.zip, dir);
    return dir;
  } catch (e) {
    await removeDir(dir);
    // Two layers can clash (a file in one where the other has a folder): the invocation says which and why.
    throw new AwsError('InvalidParameterValueException', `The function's layers could not be unpacked into /opt: ${(e as Error).message}`, 400, { Type: 'User' });
  }
}

async function removeDir(dir: string): Promise<void> {
  await fs.rm(dir, { recursive: true, force: true }).catch(() => undefined);
  forgetTempDir(dir);
}
