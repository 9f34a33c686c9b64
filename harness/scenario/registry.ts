import { readdirSync } from 'node:fs';
import path from 'node:path';
import type { ScenarioBody, ScenarioDefinition, ScenarioOptions } from './types';

/**
 * Scenario files declare scenarios at load time with `scenario(name, options, body)`; loading a file
 * collects what it declared. The same files are loaded by jest (scenarios/scenarios.test.ts) and by the CLI.
 */
const declared: ScenarioDefinition[] = [];
let loadingFile: string | undefined;
const byFile = new Map<string, ScenarioDefinition[]>();

export function scenario(name: string, options: ScenarioOptions, body: ScenarioBody): ScenarioDefinition {
  if (!name.trim()) throw new Error('a scenario needs a name');
  const def: ScenarioDefinition = { name, options, body, ...(loadingFile ? { file: loadingFile } : {}) };
  declared.push(def);
  return def;
}

export const SCENARIOS_DIR = path.resolve(__dirname, '..', '..', 'scenarios');

/** scenarios/*.scenario.ts, sorted. */
export function defaultScenarioFiles(dir = SCENARIOS_DIR): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.scenario.ts'))
    .sort()
    .map((f) => path.join(dir, f));
}

/** Loads files (once each) and returns their scenarios in file order; names must be unique. */
export function loadScenarioFiles(files: string[]): ScenarioDefinition[] {
  const all: ScenarioDefinition[] = [];
  for (const file of files) {
    const abs = path.resolve(file);
    let defs = byFile.get(abs);
    if (!defs) {
      const before = declared.length;
      loadingFile = abs;
      try {
        require(abs);
      } finally {
        loadingFile = undefined;
      }
      defs = declared.slice(before);
      byFile.set(abs, defs);
      if (defs.length === 0) throw new Error(`${file} declares no scenario (call scenario(name, options, body) at the top level)`);
    }
    all.push(...defs);
  }
  const names = new Map<string, string | undefined>();
  for (const d of all) {
    if (names.has(d.name)) throw new Error(`two scenarios are named "${d.name}" (${names.get(d.name)} and ${d.file})`);
    names.set(d.name, d.file);
  }
  return all;
}
