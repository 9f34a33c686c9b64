import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { renderTimeline, type TimelineOptions } from './html';
import { buildLanes } from './lanes';
import { readTrace } from './trace-file';

export interface WrittenReport {
  outPath: string;
  /** Object lanes drawn (the "other" lane not counted). */
  lanes: number;
  hops: number;
}

/** Reads a trace file and writes its HTML timeline (creating the folder). */
export async function writeReport(tracePath: string, outHtmlPath: string, opts: TimelineOptions = {}): Promise<WrittenReport> {
  const trace = readTrace(tracePath);
  const html = renderTimeline(trace, opts);
  await mkdir(dirname(outHtmlPath), { recursive: true });
  await writeFile(outHtmlPath, html);
  return { outPath: outHtmlPath, lanes: buildLanes(trace, opts).lanes.length, hops: trace.hops.length };
}
