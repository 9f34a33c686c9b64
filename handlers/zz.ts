import { parse } from 'csv-parse/sync';
export const x: number = parse('a,b\n1,2', { columns: false });
