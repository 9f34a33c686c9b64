import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

/**
 * Processor (TypeScript variant of python/processor.py, same behaviour and report): for each new CSV under
 * data/, count its rows and columns and write a JSON report under reports/.
 *
 * An invalid CSV (no header, or a row whose column count differs from the header's) throws, so the
 * asynchronous invocation fails: Lambda retries it twice, then sends the event to the dead-letter queue.
 *
 * Env: REPORT_PREFIX (default "reports/"). The SDK reads AWS_REGION (and AWS_ENDPOINT_URL, if set).
 * Bundled by provision.sh with esbuild into index.js; @aws-sdk/* is left out, the nodejs20.x runtime has it.
 */

interface S3EventRecord {
  eventSource: string;
  s3: { bucket: { name: string }; object: { key: string; versionId?: string } };
}

export interface Report {
  bucket: string;
  key: string;
  versionId: string | null;
  size: number;
  columns: string[];
  rows: number;
  runtime: 'node';
  status: 'ok';
}

class InvalidCsv extends Error {
  override name = 'InvalidCsv';
}

const s3 = new S3Client({});
const REPORT_PREFIX = process.env.REPORT_PREFIX ?? 'reports/';

/** RFC 4180 fields: quoted fields may hold commas, doubled quotes and line breaks. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(field), (field = '');
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field), rows.push(row), (row = []), (field = '');
    } else field += c;
  }
  if (field !== '' || row.length) row.push(field), rows.push(row);
  return rows;
}

export function summarize(text: string): { columns: string[]; rows: number } {
  const rows = parseCsv(text);
  const header = rows[0];
  if (!header || !header.some((cell) => cell.trim())) throw new InvalidCsv('the file has no header row');
  rows.slice(1).forEach((row, i) => {
    if (row.length !== header.length) {
      throw new InvalidCsv(`line ${i + 2} has ${row.length} columns, the header has ${header.length}`);
    }
  });
  return { columns: header, rows: rows.length - 1 };
}

async function processRecord(record: S3EventRecord): Promise<string | undefined> {
  const bucket = record.s3.bucket.name;
  // Keys arrive URL-encoded, with spaces as '+'.
  const key = decodeURIComponent(record.s3.object.key.replace(/\+/g, ' '));
  const versionId = record.s3.object.versionId;
  if (key.startsWith(REPORT_PREFIX)) return undefined; // our own output: never process it, or we would loop
  const obj = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }));
  const text = (await obj.Body?.transformToString('utf-8')) ?? '';
  let summary: { columns: string[]; rows: number };
  try {
    summary = summarize(text);
  } catch (e) {
    if (e instanceof InvalidCsv) throw new InvalidCsv(`s3://${bucket}/${key}: ${e.message}`);
    throw e;
  }
  const report: Report = {
    bucket,
    key,
    versionId: versionId ?? null,
    size: obj.ContentLength ?? Buffer.byteLength(text),
    ...summary,
    runtime: 'node',
    status: 'ok',
  };
  const reportKey = `${REPORT_PREFIX}${key}.json`;
  await s3.send(
    new PutObjectCommand({ Bucket: bucket, Key: reportKey, Body: JSON.stringify(report), ContentType: 'application/json' }),
  );
  console.log(JSON.stringify({ level: 'info', msg: 'processed', object: `s3://${bucket}/${key}`, report: reportKey, rows: summary.rows }));
  return reportKey;
}

export async function handler(event: { Records?: S3EventRecord[] }): Promise<{ reports: string[] }> {
  const reports: string[] = [];
  for (const record of event.Records ?? []) {
    if (record.eventSource !== 'aws:s3') continue;
    const reportKey = await processRecord(record);
    if (reportKey) reports.push(reportKey);
  }
  return { reports };
}
