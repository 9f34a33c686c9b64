/** Where a statement sits in its policy's text, as the policy simulator reports it. */
export interface StatementSpan {
  StartPosition: { Line: number; Column: number };
  EndPosition: { Line: number; Column: number };
}

/**
 * The span of each statement of a policy document's top-level `Statement` (one object, or each object of an array),
 * in document order. Lines count from 1; a column is the one just past the brace, counted from 1, as IAM's
 * simulator reports it (`{"Version":"2012-10-17","Statement":{…}}` starts its statement at column 38). The text is
 * assumed to be valid JSON (it was parsed before); a scan, not a parse, so any layout keeps its positions.
 */
export function statementSpans(text: string): StatementSpan[] {
  const spans: StatementSpan[] = [];
  // Each open container: its kind, and for objects the key whose value comes next.
  const stack: { kind: '{' | '['; key?: string; isStatement?: boolean }[] = [];
  let line = 1;
  let lineStart = 0;
  let lastString: string | undefined;
  let open: StatementSpan['StartPosition'] | undefined;
  const position = (i: number) => ({ Line: line, Column: i - lineStart + 2 });
  /** A statement is an object that is the top object's `Statement` value, or directly inside that array. */
  const startsStatement = () => {
    const parent = stack[stack.length - 1];
    if (stack.length === 1) return parent?.kind === '{' && parent.key === 'Statement';
    return stack.length === 2 && parent?.kind === '[' && stack[0]?.key === 'Statement';
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\n') {
      line++;
      lineStart = i + 1;
    } else if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      lastString = JSON.parse(text.slice(i, j + 1)) as string;
      i = j;
    } else if (c === ':') {
      const top = stack[stack.length - 1];
      if (top?.kind === '{') top.key = lastString;
    } else if (c === '{' || c === '[') {
      const isStatement = c === '{' && startsStatement();
      if (isStatement) open = position(i);
      stack.push({ kind: c, isStatement });
    } else if (c === '}' || c === ']') {
      const closed = stack.pop();
      if (closed?.isStatement && open) spans.push({ StartPosition: open, EndPosition: position(i) });
    } else if (c === ',') {
      const top = stack[stack.length - 1];
      if (top?.kind === '{') top.key = undefined;
    }
  }
  return spans;
}
