import * as fs from 'node:fs/promises';
import { AwsError } from '../../core/errors';
import { forgetTempDir, removeOnExit } from './host-exit';
import { ownedTempPrefix } from './temp-dirs';
import type { FunctionSpec, LayerContent } from './types';
import { extractZip } from './zip';

interface OptDir {
  functionName: string;
  version: string;
  dir: Promise<string>;
  /** Environments started on it and not dead yet. */
  users: number;
  /** The version has other layers now: the folder goes when its last environment does. */
  superseded: boolean;
}

/** One environment's hold on its /opt folder. */
export interface OptDirHold {
  dir: Promise<string>;
  /** The environment is dead (or never started). */
  release(): void;
}

/**
 * The folders that play /opt: one per function version and list of layers, made when its first environment
 * starts and shared by the environments that follow. A change of layers gets a new folder; the old one goes
 * once the environments still running on it are gone. A function's folders go when it is retired whole, all
 * of them on close, and with the process otherwise (host-exit.ts), like the pool's own scratch.
 */
export class OptDirs {
  private readonly dirs = new Map<string, OptDir>();

  /** The /opt of this spec's layers, unpacked on first use, held until release(); undefined without layers. */
  acquire(spec: FunctionSpec): OptDirHold | undefined {
    if (!spec.layers?.length) return undefined;
    const version = spec.version ?? '$LATEST';
    const key = JSON.stringify([spec.functionName, version, spec.layers.map((l) => [l.arn, l.sha256])]);
    for (const [other, d] of this.dirs) {
      if (other === key || d.functionName !== spec.functionName || d.version !== version) continue;
      d.superseded = true;
      if (d.users === 0) void this.drop(other, d);
    }
    let entry = this.dirs.get(key);
    if (!entry) {
      const created: OptDir = { functionName: spec.functionName, version, dir: unpackLayers(spec.layers), users: 0, superseded: false };
      // A failed unpack is not remembered: the next environment tries again.
      created.dir.catch(() => this.dirs.get(key) === created && this.dirs.delete(key));
      this.dirs.set(key, (entry = created));
    }
    const held = entry;
    held.superseded = false;
    held.users++;
    let released = false;
    return {
      dir: held.dir,
      release: () => {
        if (released) return;
        released = true;
        held.users--;
        if (held.superseded && held.users === 0 && this.dirs.get(key) === held) void this.drop(key, held);
      },
    };
  }

  /** Removes one function's folders (it was deleted), or every folder. */
  async remove(functionName?: string): Promise<void> {
    const going = [...this.dirs].filter(([, d]) => functionName === undefined || d.functionName === functionName);
    await Promise.all(going.map(([key, d]) => this.drop(key, d)));
  }

  private async drop(key: string, d: OptDir): Promise<void> {
    this.dirs.delete(key);
    await d.dir.then(removeDir, () => undefined);
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
