export {
  validateNotificationConfiguration,
  matchingConfigurations,
  keyFilterOf,
  prefixesOverlap,
  suffixesOverlap,
  defaultConfigurationId,
  type NotificationConfiguration,
  type MatchedDestination,
  type DestinationKind,
  type KeyFilter,
  type MatchingOptions,
  type ValidateNotificationOptions,
} from './config';
export {
  CONFIGURABLE_EVENTS,
  isConfigurableEvent,
  eventCovers,
  expandEvent,
  eventsOverlap,
  defaultEventVersion,
  withS3Prefix,
} from './events';
export { encodeEventKey, decodeEventKey } from './key-encoding';
export {
  buildEventRecord,
  buildTestEvent,
  wrapRecords,
  type EventRecordParams,
  type S3EventRecord,
  type S3TestEvent,
} from './records';
export { SequencerSource, compareSequencers } from './sequencer';
