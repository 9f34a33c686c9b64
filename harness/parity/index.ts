/**
 * Backend parity: the same scenarios on two or more backends, their observable records compared hop by hop
 * (hops.ts), after normalising ids, times, ARNs and prefixes (normalise.ts); known differences are listed in
 * parity-allowlist.json (allowlist.ts). `s3-event-harness parity` (harness/cli/parity.ts) runs it.
 */
export { HOPS, emptyHops, observeHops, settledObservations, type DivergenceHop, type HopName, type Json, type JsonObject, type Observations } from './hops';
export { flatten, matchKey, normaliseHop, normaliseObservations, type NormaliseContext, type NormalisedHops, type NormalisedRecord } from './normalise';
export { DEFAULT_ALLOWLIST, AllowlistError, allowedBy, checkEntries, globMatch, loadAllowlist, type Allowlist, type AllowlistEntry } from './allowlist';
export { DIVERGENCE_ORDER, flavourOf, compareHop, compareSides, diffRecords, firstDivergence, type Divergence, type FieldDifference, type Side } from './compare';
export { PARITY_REPORT_KIND, markdownPathFor, renderMarkdown, renderText, sideBySide, writeParityReport, type ParityReport, type ScenarioParity } from './report';
export { BackendListError, executeParity, parseBackendList, type BackendSpec, type ParityRequest } from './run';
