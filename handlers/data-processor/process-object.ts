import { parse } from 'csv-parse/sync';
import { listFromEnv } from '../shared/env';

/**
 * The pure part of the data processor: what an object's content says, or why it is rejected.
 * No AWS here, so it is tested on strings.
 */

/** The content is wrong (or of a kind we do not handle): retrying will not help; quarantine may. */
export class InvalidObjectError extends Error {
  override name = 'InvalidObjectError';
}

export type ObjectFormat = 'csv' | 'json';

export interface ContentSummary {
  format: ObjectFormat;
  /** CSV: data rows (header excluded); JSON: objects (1 for a single object). */
  rows: number;
  /** CSV only: the header's column names. */
  columns?: string[];
}

export interface ValidationRules {
  /** CSV columns that must be in the header (env REQUIRED_COLUMNS). */
  requiredColumns: string[];
  /** JSON fields every object must have (env REQUIRED_FIELDS). */
  requiredFields: string[];
}

export function rulesFromEnv(env: Record<string, string | undefined>): ValidationRules {
  return { requiredColumns: listFromEnv(env.REQUIRED_COLUMNS), requiredFields: listFromEnv(env.REQUIRED_FIELDS) };
}

/** Decides the format from the key's extension (case-insensitive); throws for anything else. */
export function formatOf(key: string): ObjectFormat {
  const base = key.slice(key.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  const ext = dot > 0 ? base.slice(dot + 1).toLowerCase() : '';
  if (ext === 'csv' || ext === 'json') return ext;
  throw new InvalidObjectError(
    `Unsupported file type ${ext ? `".${ext}"` : '(no extension)'} for ${key}: expected .csv or .json`,
  );
}

export function processObject(
  key: string,
  bodyText: string,
  rules: ValidationRules = rulesFromEnv(process.env),
): ContentSummary {
  return formatOf(key) === 'csv' ? summarizeCsv(key, bodyText, rules) : summarizeJson(key, bodyText, rules);
}

function summarizeCsv(key: string, text: string, rules: ValidationRules): ContentSummary {
  let records: string[][];
  try {
    // The real parser: quoted fields, embedded newlines and quotes, CRLF, BOM; rows of unequal length throw.
    records = parse(text, { bom: true, skip_empty_lines: true });
  } catch (e) {
    throw new InvalidObjectError(`Invalid CSV in ${key}: ${(e as Error).message}`);
  }
  if (records.length === 0) throw new InvalidObjectError(`Invalid CSV in ${key}: empty file, no header row`);
  const columns = records[0].map((name) => name.trim());
  const empty = columns.flatMap((name, i) => (name === '' ? [i + 1] : []));
  if (empty.length > 0) {
    throw new InvalidObjectError(`Invalid CSV header in ${key}: empty column name at position ${empty.join(', ')}`);
  }
  const duplicates = [...new Set(columns.filter((name, i) => columns.indexOf(name) !== i))];
  if (duplicates.length > 0) {
    throw new InvalidObjectError(`Invalid CSV header in ${key}: duplicate column ${duplicates.map(quote).join(', ')}`);
  }
  const missing = rules.requiredColumns.filter((name) => !columns.includes(name));
  if (missing.length > 0) {
    throw new InvalidObjectError(`Invalid CSV header in ${key}: missing required column ${missing.map(quote).join(', ')}`);
  }
  return { format: 'csv', rows: records.length - 1, columns };
}

function summarizeJson(key: string, text: string, rules: ValidationRules): ContentSummary {
  let value: unknown;
  try {
    value = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    throw new InvalidObjectError(`Invalid JSON in ${key}: ${(e as Error).message}`);
  }
  const items = Array.isArray(value) ? value : [value];
  items.forEach((item, i) => {
    const where = Array.isArray(value) ? `element ${i}` : 'the document';
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      throw new InvalidObjectError(
        `Invalid JSON in ${key}: ${where} is ${kindOf(item)}; expected an object or an array of objects`,
      );
    }
    const missing = rules.requiredFields.filter((field) => !Object.prototype.hasOwnProperty.call(item, field));
    if (missing.length > 0) {
      throw new InvalidObjectError(`Invalid JSON in ${key}: ${where} is missing required field ${missing.map(quote).join(', ')}`);
    }
  });
  return { format: 'json', rows: items.length };
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

const quote = (s: string) => JSON.stringify(s);
