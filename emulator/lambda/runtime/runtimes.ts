import { execFile } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import { AwsError } from '../../core/errors';

/** How to start one runtime family: the interpreter, its arguments, and what goes on PATH. */
export interface Launcher {
  family: 'node' | 'python';
  command: string;
  /** Arguments before the per-environment ones (the log marker token). */
  args: (memorySizeMb: number, markerToken: string) => string[];
  /** LAMBDA_RUNTIME_DIR: where the bootstrap lives. */
  runtimeDir: string;
  /** Directories the interpreter needs on the function's PATH. */
  binDirs: string[];
}

export const BOOTSTRAP_DIR = path.join(__dirname, 'bootstrap');
const NODE_RUNTIME_DIR = path.join(BOOTSTRAP_DIR, 'node');
const PYTHON_RUNTIME_DIR = path.join(BOOTSTRAP_DIR, 'python');

export const runtimeFamily = (runtime: string): 'node' | 'python' | undefined =>
  /^nodejs\d+\.x$/.test(runtime) ? 'node' : /^python3\.\d+$/.test(runtime) ? 'python' : undefined;

/**
 * Node functions run on the Node that runs the emulator, whatever nodejsNN.x they name: the bootstrap
 * and the SDK are plain JS, and a second Node install is not something a test machine can be asked for.
 */
const nodeLauncher: Launcher = {
  family: 'node',
  command: process.execPath,
  args: (mb, token) => [...lambdaNodeFlags(mb), path.join(NODE_RUNTIME_DIR, 'bootstrap.js'), token, ...nodeCodeCacheArgs()],
  runtimeDir: NODE_RUNTIME_DIR,
  binDirs: [path.dirname(process.execPath)],
};

/**
 * The folder Node functions keep compiled code in across environments and emulator runs (bootstrap/node/
 * code-cache.js): `HARNESS_CODE_CACHE_DIR`, `off` for none, by default one per user under the temp folder.
 */
export function nodeCodeCacheDir(): string | undefined {
  const chosen = process.env.HARNESS_CODE_CACHE_DIR;
  if (chosen === 'off') return undefined;
  const user = typeof process.getuid === 'function' ? process.getuid() : os.userInfo().username;
  return chosen || path.join(os.tmpdir(), `s3-event-harness-code-cache-${user}`);
}

function nodeCodeCacheArgs(): string[] {
  const dir = nodeCodeCacheDir();
  return dir ? [dir] : [];
}

/**
 * The flags Lambda's Node bootstrap starts node with: a tenth of the memory size is the young generation (two
 * semi-spaces), the rest the old space; `global.gc` exposed; headers up to 80 KiB.
 */
function lambdaNodeFlags(memorySizeMb: number): string[] {
  const newSpace = Math.floor(memorySizeMb / 10);
  return [
    '--expose-gc',
    '--max-http-header-size=81920',
    `--max-semi-space-size=${Math.max(1, Math.floor(newSpace / 2))}`,
    `--max-old-space-size=${memorySizeMb - newSpace}`,
  ];
}

interface PythonInfo {
  executable: string;
  version: string;
}

/** Resolved once per interpreter name: `python3` may be a shim (pyenv) that needs the host's env to run. */
const pythonCache = new Map<string, Promise<PythonInfo>>();

function probePython(pythonPath: string): Promise<PythonInfo> {
  return new Promise((resolve, reject) => {
    execFile(
      pythonPath,
      ['-c', 'import sys; print(sys.executable); print("%d.%d.%d" % sys.version_info[:3])'],
      { timeout: 15_000, windowsHide: true },
      (err, stdout, stderr) => {
        const [executable, version] = String(stdout).trim().split(/\r?\n/);
        if (err || !executable || !version) {
          const why = (err as NodeJS.ErrnoException | null)?.code === 'ENOENT'
            ? 'was not found on PATH'
            : `could not be run (${(String(stderr).trim() || err?.message || 'no output').slice(0, 300)})`;
          reject(new Error(`"${pythonPath}" ${why}`));
        } else {
          resolve({ executable, version });
        }
      },
    );
  });
}

async function pythonInfo(pythonPath: string): Promise<PythonInfo> {
  let pending = pythonCache.get(pythonPath);
  if (!pending) {
    pending = probePython(pythonPath);
    pythonCache.set(pythonPath, pending);
    // A failure is not remembered: installing Python (or fixing the path) should work without a restart.
    pending.catch(() => pythonCache.delete(pythonPath));
  }
  return pending;
}

/** The launcher for `runtime`, or an AwsError saying exactly what is missing. */
export async function launcherFor(runtime: string, pythonPath = 'python3'): Promise<Launcher> {
  const family = runtimeFamily(runtime);
  if (family === 'node') return nodeLauncher;
  if (family === 'python') {
    let info: PythonInfo;
    try {
      info = await pythonInfo(pythonPath);
    } catch (e) {
      throw new AwsError(
        'InvalidRuntimeException',
        `The ${runtime} runtime needs a Python 3 interpreter, but ${(e as Error).message}. ` +
          'Install Python 3 or point the emulator at one (pythonPath).',
        502,
      );
    }
    if (!info.version.startsWith('3.')) {
      throw new AwsError(
        'InvalidRuntimeException',
        `The ${runtime} runtime needs Python 3, but "${pythonPath}" is Python ${info.version}.`,
        502,
      );
    }
    return {
      family: 'python',
      command: info.executable,
      // Python has no heap flag; the bootstrap applies a generous address-space limit itself.
      args: (mb, token) => ['-u', path.join(PYTHON_RUNTIME_DIR, 'bootstrap.py'), token, String(mb)],
      runtimeDir: PYTHON_RUNTIME_DIR,
      binDirs: [path.dirname(info.executable)],
    };
  }
  throw new AwsError(
    'InvalidRuntimeException',
    `The runtime "${runtime}" is not supported by the emulator (nodejsNN.x and python3.x are).`,
    502,
  );
}
