/**
 * Trace reports: the trace file (read, write, record from a bus), lanes per object version, the HTML
 * timeline and Mermaid sequence diagrams, and the `report` CLI command.
 */
export {
  TRACE_VERSION,
  TraceFormatError,
  TraceRecorder,
  formatTrace,
  makeHeader,
  parseTrace,
  readTrace,
  toTraceHop,
  writeTrace,
  type HeaderInput,
  type HopSource,
  type OutcomeInput,
  type Trace,
  type TraceHeader,
  type TraceHop,
  type TraceLine,
  type TraceOutcome,
} from './trace-file';
export { buildLanes, categoryOf, hopFlags, lanesForKey, type HopCategory, type HopFlag, type Lane, type LaneFlags, type LaneHop, type LaneModel, type LaneOptions, type LinkReason } from './lanes';
export { escapeHtml, jsonForScript, renderTimeline, timelineData, type TimelineData, type TimelineHop, type TimelineLane, type TimelineOptions } from './html';
export { mermaidText, renderMermaid, type MermaidOptions } from './mermaid';
export { writeReport, type WrittenReport } from './write-report';
export { REPORT_USAGE, defaultHtmlPath, reportCommand, type ReportIo } from './cli';
