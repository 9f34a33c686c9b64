/** One thing the deployment lint found: which resource, what is wrong, and how to fix it. */
export interface Finding {
  severity: 'error' | 'warning';
  rule: string;
  resource: string;
  message: string;
  fix: string;
}

export function formatFindings(findings: Finding[]): string {
  if (findings.length === 0) return 'lint: no findings';
  return findings
    .map((f) => `${f.severity.toUpperCase().padEnd(7)} ${f.rule}  ${f.resource}\n        ${f.message}\n        fix: ${f.fix}`)
    .join('\n');
}
