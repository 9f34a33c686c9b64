import type { Random } from '../harness/random';

/** A CSV with a header and `rows` data rows of seeded content. */
export function csv(random: Random, rows: number, columns = ['id', 'name', 'amount']): string {
  const lines = [columns.join(',')];
  for (let i = 1; i <= rows; i++) lines.push([i, random.word(6), random.int(0, 9999)].slice(0, columns.length).join(','));
  return `${lines.join('\n')}\n`;
}

/** A JSON array of `items` objects with seeded content. */
export function jsonArray(random: Random, items: number): string {
  return JSON.stringify(Array.from({ length: items }, (_, i) => ({ id: i + 1, name: random.word(8), amount: random.int(0, 9999) })));
}

/** The number of data rows a CSV body has (header excluded), for checking a report against the write it came from. */
export const csvRowCount = (body: string): number => body.split('\n').filter((l) => l.trim() !== '').length - 1;
