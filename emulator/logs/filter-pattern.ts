/**
 * CloudWatch Logs filter patterns, the plain-term kind: `ERROR`, `"exact phrase"`, `ERROR Exception`
 * (all terms), `?ERROR ?WARN` (any term), `-DEBUG` (exclusion). Terms are case-sensitive, as on AWS.
 * JSON (`{ $.x = … }`) and space-delimited (`[a, b]`) patterns are not supported: they match nothing
 * rather than everything, so a test relying on them fails visibly.
 */
export function matchesFilterPattern(pattern: string | undefined, message: string): boolean {
  const text = (pattern ?? '').trim();
  if (text === '' || text === '""') return true;
  if (text.startsWith('{') || text.startsWith('[')) return false;
  const terms = tokenize(text);
  const optional = terms.filter((t) => t.startsWith('?')).map((t) => t.slice(1));
  const excluded = terms.filter((t) => t.startsWith('-')).map((t) => t.slice(1));
  const required = terms.filter((t) => !t.startsWith('?') && !t.startsWith('-'));
  if (excluded.some((t) => message.includes(t))) return false;
  if (!required.every((t) => message.includes(t))) return false;
  return optional.length === 0 || optional.some((t) => message.includes(t));
}

function tokenize(text: string): string[] {
  const out: string[] = [];
  const re = /([?-]?)"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[2] !== undefined) out.push(`${m[1]}${m[2].replace(/\\(.)/g, '$1')}`);
    else out.push(m[3]!);
  }
  return out;
}
