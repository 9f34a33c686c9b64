/**
 * The JSONPath subset EventBridge accepts in InputPath and InputPathsMap: `$`, `$.a.b`, `$.a[0]`, `$['a-b']`.
 */
export function readPath(doc: unknown, path: string): unknown {
  if (!path.startsWith('$')) throw new Error(`JSONPath must start with $: ${path}`);
  const steps: (string | number)[] = [];
  const re = /\.([^.[\]]+)|\[(\d+)\]|\['([^']*)'\]|\["([^"]*)"\]/g;
  let consumed = 1;
  for (let m = re.exec(path.slice(1)); m; m = re.exec(path.slice(1))) {
    if (m.index + 1 !== consumed) break;
    consumed += m[0].length;
    steps.push(m[1] ?? (m[2] !== undefined ? Number(m[2]) : (m[3] ?? m[4])!));
  }
  if (consumed !== path.length) throw new Error(`unsupported JSONPath: ${path}`);
  let cur: any = doc;
  for (const s of steps) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = cur[s];
  }
  return cur;
}

/**
 * Renders an InputTemplate. A `<name>` placeholder inside a JSON string literal gets the value's text
 * (escaped for that string); outside a string it gets the value's JSON. Unknown names stay as written.
 */
export function renderTemplate(template: string, values: Record<string, unknown>): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < template.length; i++) {
    const c = template[i]!;
    if (c === '\\' && inString) {
      out += c + (template[i + 1] ?? '');
      i++;
      continue;
    }
    if (c === '"') inString = !inString;
    if (c === '<') {
      const end = template.indexOf('>', i);
      const name = end > i ? template.slice(i + 1, end) : '';
      if (/^[A-Za-z0-9_.-]+$/.test(name) && name in values) {
        const v = values[name];
        if (inString) {
          const text = typeof v === 'string' ? v : v === undefined ? '' : JSON.stringify(v);
          out += JSON.stringify(text).slice(1, -1);
        } else out += v === undefined ? 'null' : JSON.stringify(v);
        i = end;
        continue;
      }
    }
    out += c;
  }
  return out;
}
