import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { parseCommand, type CommandSpec } from '../../harness/cli/args';
import { COMMANDS } from '../../harness/cli/main';
import { paritySpec } from '../../harness/cli/parity';
import { runSpec } from '../../harness/cli/run';
import { DEFAULT_LOCALSTACK_IMAGE } from '../../harness/backends/localstack';

/**
 * .github/workflows/ci.yml runs only what exists: every `npm run X` is a package.json script, every
 * `npx s3-event-harness Y …` a CLI command whose flags parse, every other `npx T` a binary from the
 * dependencies, every script file it names is in the repository; LocalStack is the pinned image.
 */
const ROOT = path.resolve(__dirname, '..', '..');
const workflow = parse(readFileSync(path.join(ROOT, '.github', 'workflows', 'ci.yml'), 'utf8')) as {
  jobs: Record<string, { 'runs-on': string; container?: string; env?: Record<string, string>; steps: { uses?: string; run?: string; with?: Record<string, unknown>; if?: string; name?: string }[] }>;
};
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string>; dependencies: Record<string, string>; devDependencies: Record<string, string> };

/** Shell words of one command line: enough for what a workflow writes (quotes, no expansions). */
function words(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
}

/** Every command line of every `run:` step, `&&`/`;`/`|` chains split, comments and continuations handled. */
function commandLines(): { job: string; line: string }[] {
  const out: { job: string; line: string }[] = [];
  for (const [job, j] of Object.entries(workflow.jobs)) {
    for (const step of j.steps) {
      if (!step.run) continue;
      const text = step.run.replace(/\\\n\s*/g, ' ');
      for (const raw of text.split('\n')) {
        const line = raw.replace(/(^|\s)#.*$/, '').trim();
        if (!line) continue;
        for (const part of line.split(/&&|\|\||;|\|/)) if (part.trim()) out.push({ job, line: part.trim() });
      }
    }
  }
  return out;
}

const lines = commandLines();
const specs: Record<string, CommandSpec> = { parity: paritySpec, run: runSpec };

describe('.github/workflows/ci.yml', () => {
  it('has the two jobs: npm test on the embedded emulator, and LocalStack with the parity run', () => {
    expect(Object.keys(workflow.jobs)).toEqual(['test', 'localstack']);
    expect(lines.filter((l) => l.job === 'test').map((l) => l.line)).toContain('bash .ci/run');
    expect(workflow.jobs.test!.container).toMatch(/^node:20(-|$)/);
    const setupNode = workflow.jobs.localstack!.steps.find((s) => s.uses?.startsWith('actions/setup-node@'));
    expect(String(setupNode?.with?.['node-version'])).toBe('20');
    expect(lines.some((l) => l.job === 'localstack' && /^npx s3-event-harness parity .*--backends embedded,localstack/.test(l.line))).toBe(true);
  });

  it('every `npm run X` is a package.json script', () => {
    const runs = lines.flatMap((l) => [...l.line.matchAll(/\bnpm run(?:-script)? ([\w:.-]+)/g)].map((m) => m[1]!));
    for (const script of runs) expect({ script, exists: script in pkg.scripts }).toEqual({ script, exists: true });
    // npm test / npm start need their scripts too.
    for (const l of lines) for (const m of l.line.matchAll(/\bnpm (test|start)\b/g)) expect(pkg.scripts[m[1]!]).toBeDefined();
  });

  it('every `npx s3-event-harness <command>` exists and its flags parse; every other npx tool is a dependency', () => {
    const npx = lines.filter((l) => /^(?:\w+=\S+\s+)*npx\s/.test(l.line));
    expect(npx.length).toBeGreaterThan(0);
    for (const { line } of npx) {
      const argv = words(line).filter((w, i, all) => !(i < all.indexOf('npx') && /^\w+=/.test(w)));
      const [, tool, ...rest] = argv;
      if (tool === 's3-event-harness') {
        const [command, ...flags] = rest;
        expect({ line, command: command in COMMANDS }).toEqual({ line, command: true });
        const spec = specs[command!];
        if (spec) expect(() => parseCommand(flags, spec, () => {})).not.toThrow();
      } else {
        expect({ line, tool, dependency: Boolean(pkg.dependencies[tool!] ?? pkg.devDependencies[tool!]) }).toEqual({ line, tool, dependency: true });
        expect(existsSync(path.join(ROOT, 'node_modules', '.bin', tool!))).toBe(true);
      }
    }
  });

  it('names only files that exist (scripts it runs, tests it selects)', () => {
    for (const { line } of lines) {
      for (const w of words(line)) {
        if (/^(\.ci\/|scenarios\/|test\/)\S+$/.test(w)) expect({ line, file: w, exists: existsSync(path.join(ROOT, w)) }).toEqual({ line, file: w, exists: true });
      }
    }
  });

  it('uses the pinned LocalStack image and uploads the parity report and traces even when a step failed', () => {
    expect(workflow.jobs.localstack!.env?.LOCALSTACK_IMAGE).toBe(DEFAULT_LOCALSTACK_IMAGE);
    const upload = workflow.jobs.localstack!.steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'));
    expect(upload?.if).toMatch(/always\(\)/);
    const parity = lines.find((l) => /s3-event-harness parity/.test(l.line))!.line;
    const outDir = path.dirname(words(parity)[words(parity).indexOf('--out') + 1]!);
    const tracesDir = words(parity)[words(parity).indexOf('--traces') + 1]!;
    expect(String(upload?.with?.path).replace(/\/$/, '')).toBe(outDir);
    expect(tracesDir.startsWith(`${outDir}/`)).toBe(true);
  });
});
