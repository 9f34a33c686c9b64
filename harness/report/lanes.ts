import type { Trace, TraceHop } from './trace-file';

/**
 * Groups a trace's hops into lanes, one per object version, and flags what went wrong in each.
 *
 * A lane is `bucket/key@versionId`; in an unversioned bucket every write (or delete) of a key starts a new
 * lane, in write order, so two quick overwrites of one key (the coalescing case) stay apart. Hops that name
 * the object (bucket + key) go to its lane; the others are linked by ids: a hop that names the object and
 * carries a messageId (or requestId, eventId) teaches that id, and later hops with it follow. Ids seen on
 * two different lanes (a batch, a multi-object delete) become ambiguous and link nothing. Fault hops that
 * name only a function or queue are attached to the nearest hop about that resource, flagged `inferred`.
 * Whatever is left goes to the "other" lane.
 */

export type HopCategory = 's3' | 'notification' | 'sqs' | 'sns' | 'lambda' | 'events' | 'fault' | 'delivery' | 'cloudwatch' | 'other';
export type HopFlag = 'error' | 'retry' | 'duplicate' | 'dlq' | 'coalesced' | 'delay' | 'fault' | 'inferred';
/** How a hop got to its lane. */
export type LinkReason = 'key' | 'versionId' | 'sequencer' | 'requestId' | 'messageId' | 'eventId' | 'nearby' | 'none';

export interface LaneHop {
  hop: TraceHop;
  category: HopCategory;
  flags: HopFlag[];
  linkedBy: LinkReason;
}

export type LaneFlags = Record<Exclude<HopFlag, 'inferred'>, number>;

export interface Lane {
  /** `s3://bucket/key@versionId`, `s3://bucket/key#2` (second write of an unversioned key), or `other`. */
  id: string;
  other: boolean;
  bucket?: string;
  key?: string;
  /** Absent for unversioned objects. */
  versionId?: string;
  /** Unversioned lanes of one key, numbered from 1 in write order. */
  writeIndex?: number;
  label: string;
  hops: LaneHop[];
  /** How many hops of this lane carry each flag. */
  flags: LaneFlags;
}

export interface LaneModel {
  /** Object lanes, in order of their first hop. */
  lanes: Lane[];
  /** Hops no object could be found for. */
  other: Lane;
}

export interface LaneOptions {
  /** Attach `fault.fail|throttle|timeout|duplicate-receive|lose-delete|sns-fail` hops by proximity (default true). */
  inferFaults?: boolean;
}

/** One S3 event (a write, a delete, a tagging…) within a lane: duplicates are counted per event. */
interface EventRef {
  lane: Lane;
  id: string;
}

const ID_FIELDS = ['messageId', 'requestId', 'eventId'] as const;
type IdField = (typeof ID_FIELDS)[number];

/** S3 hops that are object events (see emulator/s3/notify.ts). */
const S3_OBJECT_EVENTS = new Set(['s3.write', 's3.delete', 's3.tagging', 's3.restore', 's3.event']);
/** S3 events that make a new object (or delete marker) in an unversioned bucket. */
const S3_NEW_OBJECT = new Set(['s3.write', 's3.delete']);
const ERROR_TYPES = new Set(['lambda.throttle', 'sqs.expired']);
const DLQ_TYPES = new Set(['lambda.dlq', 'sns.dlq', 'sqs.redrive', 'events.dlq']);

/** Fault hops that name only a resource, and the hops that resource shows up in. */
const RESOURCE_FAULTS: Record<string, { field: string; matches: (type: string) => boolean }> = {
  'fault.fail': { field: 'functionName', matches: (t) => t.startsWith('lambda.') },
  'fault.throttle': { field: 'functionName', matches: (t) => t.startsWith('lambda.') },
  'fault.timeout': { field: 'functionName', matches: (t) => t.startsWith('lambda.') },
  'fault.duplicate-receive': { field: 'queueArn', matches: (t) => t === 'sqs.receive' },
  'fault.lose-delete': { field: 'queueArn', matches: (t) => t === 'sqs.delete' },
  'fault.sns-fail': { field: 'endpoint', matches: (t) => t.startsWith('sns.') },
};
/** How far (in hops) to look for the hop a resource fault belongs to. */
const NEARBY_HOPS = 20;

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
/** `null` is S3's version id for objects written while versioning was off. */
const versionOf = (hop: TraceHop): string | undefined => {
  const v = str(hop.versionId);
  return v && v !== 'null' ? v : undefined;
};

export function categoryOf(type: string): HopCategory {
  const prefix = type.split('.', 1)[0];
  switch (prefix) {
    case 's3':
    case 'notification':
    case 'sqs':
    case 'sns':
    case 'lambda':
    case 'events':
    case 'fault':
    case 'delivery':
    case 'cloudwatch':
      return prefix;
    default:
      return 'other';
  }
}

/** Flags that follow from a hop alone. Duplicates, and retries that need context, are added by `buildLanes`. */
export function hopFlags(hop: TraceHop): HopFlag[] {
  const flags = new Set<HopFlag>();
  const { type } = hop;
  if (type.startsWith('fault.')) flags.add('fault');
  if (type === 'fault.duplicate' || type === 'fault.duplicate-receive') flags.add('duplicate');
  if (type === 'fault.coalesced') flags.add('coalesced');
  if (type === 'fault.delay') flags.add('delay');
  if (ERROR_TYPES.has(type) || /\.(error|failed)$/.test(type) || (hop.error !== undefined && hop.error !== null && hop.error !== false && hop.error !== '')) {
    flags.add('error');
  }
  const attempt = num(hop.attempt);
  if (type === 'lambda.retry' || type === 'sqs.visibility-expired') flags.add('retry');
  if (attempt !== undefined && attempt > 1 && (type.startsWith('lambda.') || type.startsWith('events.'))) flags.add('retry');
  if (type === 'sqs.receive' && (num(hop.receiveCount) ?? 0) > 1) flags.add('retry');
  if (DLQ_TYPES.has(type)) flags.add('dlq');
  if (type === 'lambda.destination' && /fail/i.test(String(hop.condition ?? hop.destinationType ?? hop.outcome ?? ''))) flags.add('dlq');
  return [...flags];
}

const emptyFlags = (): LaneFlags => ({ error: 0, retry: 0, duplicate: 0, dlq: 0, coalesced: 0, delay: 0, fault: 0 });

class Linker {
  readonly lanes: Lane[] = [];
  readonly other: Lane = { id: 'other', other: true, label: 'other (not linked to an object)', hops: [], flags: emptyFlags() };
  private readonly laneById = new Map<string, Lane>();
  /** Lanes of one object (bucket + key), in write order. */
  private readonly lanesOfObject = new Map<string, Lane[]>();
  private readonly latestEvent = new Map<Lane, EventRef>();
  /** Object + sequencer / requestId → the S3 event. */
  private readonly eventByObjectId = new Map<string, EventRef>();
  /** `field:value` → the event the id was first seen with; null once seen with two lanes. */
  private readonly eventById = new Map<string, EventRef | null>();
  /** seq → event, for hops already placed. */
  readonly placed = new Map<number, { event: EventRef; laneHop: LaneHop }>();

  place(hop: TraceHop): LaneHop {
    const found = hop.key !== undefined && hop.key !== null ? this.byObject(hop) : this.byIds(hop);
    const laneHop: LaneHop = { hop, category: categoryOf(hop.type), flags: hopFlags(hop), linkedBy: found?.by ?? 'none' };
    // Unlinked hops go to the other lane later, once resource faults have had their chance (`adopt`).
    if (!found) return laneHop;
    found.event.lane.hops.push(laneHop);
    this.placed.set(hop.seq, { event: found.event, laneHop });
    this.learn(hop, found.event);
    return laneHop;
  }

  /** Puts an unlinked hop into an event's lane after all (resource faults placed by proximity). */
  adopt(laneHop: LaneHop, event: EventRef): void {
    laneHop.linkedBy = 'nearby';
    laneHop.flags.push('inferred');
    const hops = event.lane.hops;
    let at = hops.length;
    while (at > 0 && hops[at - 1]!.hop.seq > laneHop.hop.seq) at--;
    hops.splice(at, 0, laneHop);
    this.placed.set(laneHop.hop.seq, { event, laneHop });
  }

  private byObject(hop: TraceHop): { event: EventRef; by: LinkReason } {
    const bucket = str(hop.bucket) ?? '';
    const key = String(hop.key);
    const object = `${bucket}\u0000${key}`;
    const version = versionOf(hop);
    const sequencer = str(hop.sequencer);
    const requestId = str(hop.requestId);

    if (hop.type.startsWith('s3.') && S3_OBJECT_EVENTS.has(hop.type)) {
      let lane: Lane;
      if (version) lane = this.versionLane(bucket, key, version);
      else if (S3_NEW_OBJECT.has(hop.type)) lane = this.newUnversionedLane(bucket, key);
      else lane = this.latestLane(object) ?? this.newUnversionedLane(bucket, key);
      const event: EventRef = { lane, id: `s3#${hop.seq}` };
      this.latestEvent.set(lane, event);
      if (sequencer) this.eventByObjectId.set(`${object}\u0000sequencer\u0000${sequencer}`, event);
      if (requestId) this.eventByObjectId.set(`${object}\u0000requestId\u0000${requestId}`, event);
      return { event, by: 'key' };
    }

    const bySequencer = sequencer && this.eventByObjectId.get(`${object}\u0000sequencer\u0000${sequencer}`);
    if (bySequencer) return { event: bySequencer, by: 'sequencer' };
    const byRequest = requestId && this.eventByObjectId.get(`${object}\u0000requestId\u0000${requestId}`);
    if (byRequest) return { event: byRequest, by: 'requestId' };
    if (version) return { event: this.eventOf(this.versionLane(bucket, key, version)), by: 'versionId' };
    const latest = this.latestLane(object);
    return { event: this.eventOf(latest ?? this.newUnversionedLane(bucket, key)), by: 'key' };
  }

  private byIds(hop: TraceHop): { event: EventRef; by: LinkReason } | undefined {
    for (const field of ID_FIELDS) {
      const value = str(hop[field]);
      const event = value ? this.eventById.get(`${field}:${value}`) : undefined;
      if (event) return { event, by: field };
    }
    // A receiver's hop names the sender's message as sourceMessageId (SNS → SQS, S3 → SNS).
    const source = str(hop.sourceMessageId);
    const bySource = source ? this.eventById.get(`messageId:${source}`) : undefined;
    if (bySource) return { event: bySource, by: 'messageId' };
    // A batch (e.g. one invocation for several SQS messages) links only when all its messages are one lane's.
    if (Array.isArray(hop.messageIds) && hop.messageIds.length > 0) {
      const events = hop.messageIds.map((id) => this.eventById.get(`messageId:${str(id)}`));
      const first = events[0];
      if (first && events.every((e) => e && e.lane === first.lane)) return { event: first, by: 'messageId' };
    }
    return undefined;
  }

  private learn(hop: TraceHop, event: EventRef): void {
    for (const field of ID_FIELDS) this.teach(field, str(hop[field]), event);
    if (Array.isArray(hop.messageIds)) for (const id of hop.messageIds) this.teach('messageId', str(id), event);
  }

  private teach(field: IdField, value: string | undefined, event: EventRef): void {
    if (!value) return;
    const id = `${field}:${value}`;
    const known = this.eventById.get(id);
    if (known === undefined) this.eventById.set(id, event);
    else if (known !== null && known.lane !== event.lane) this.eventById.set(id, null);
  }

  private eventOf(lane: Lane): EventRef {
    let event = this.latestEvent.get(lane);
    if (!event) {
      // The trace does not hold the write itself (it started later): the lane is its own event.
      event = { lane, id: `lane:${lane.id}` };
      this.latestEvent.set(lane, event);
    }
    return event;
  }

  private latestLane(object: string): Lane | undefined {
    const lanes = this.lanesOfObject.get(object);
    return lanes?.[lanes.length - 1];
  }

  private versionLane(bucket: string, key: string, versionId: string): Lane {
    const id = `s3://${bucket}/${key}@${versionId}`;
    return this.laneById.get(id) ?? this.addLane({ id, bucket, key, versionId });
  }

  private newUnversionedLane(bucket: string, key: string): Lane {
    const object = `${bucket}\u0000${key}`;
    const writeIndex = (this.lanesOfObject.get(object)?.filter((l) => l.versionId === undefined).length ?? 0) + 1;
    return this.addLane({ id: `s3://${bucket}/${key}#${writeIndex}`, bucket, key, writeIndex });
  }

  private addLane(fields: Pick<Lane, 'id' | 'bucket' | 'key' | 'versionId' | 'writeIndex'>): Lane {
    const lane: Lane = { ...fields, other: false, label: '', hops: [], flags: emptyFlags() };
    this.lanes.push(lane);
    this.laneById.set(lane.id, lane);
    const object = `${lane.bucket}\u0000${lane.key}`;
    this.lanesOfObject.set(object, [...(this.lanesOfObject.get(object) ?? []), lane]);
    return lane;
  }

  /** Labels, once all lanes are known: the write number shows only when a key has several unversioned lanes. */
  label(): void {
    for (const lane of this.lanes) {
      const siblings = this.lanesOfObject.get(`${lane.bucket}\u0000${lane.key}`) ?? [];
      const name = lane.bucket ? `${lane.bucket}/${lane.key}` : String(lane.key);
      if (lane.versionId) lane.label = `${name} @${lane.versionId}`;
      else if (siblings.filter((l) => l.versionId === undefined).length > 1) lane.label = `${name} (write ${lane.writeIndex})`;
      else lane.label = name;
    }
  }
}

/** Which delivery a hop is, for duplicate counting: the same event delivered twice to one place. */
function deliveryOf(laneHop: LaneHop, receiveCounts: Map<string, number>, failedSubscriptions: Set<string>): string | undefined {
  const { hop, flags } = laneHop;
  if (flags.includes('retry')) return undefined;
  switch (hop.type) {
    case 'sqs.send':
      // A FIFO deduplicated send was not delivered.
      return hop.duplicate === true ? undefined : `sqs:${str(hop.queueArn)}`;
    case 'sns.publish':
      return `sns:${str(hop.topicArn)}`;
    case 'sns.deliver':
      // After a failed delivery to the same subscription, the next one is SNS's retry.
      if (failedSubscriptions.has(String(hop.subscriptionArn))) {
        flags.push('retry');
        return undefined;
      }
      return `sns-deliver:${str(hop.subscriptionArn)}`;
    case 'lambda.invoke.start': {
      const messageId = str(hop.messageId);
      // An invocation for a message received again (visibility timeout) is a retry, not a duplicate.
      if (messageId && (receiveCounts.get(messageId) ?? 0) > 1) {
        flags.push('retry');
        return undefined;
      }
      return `lambda:${str(hop.functionName) ?? str(hop.functionArn)}`;
    }
    case 'events.put':
      return `events:${str(hop.eventBus)}`;
    default:
      return undefined;
  }
}

/** Adds context flags (duplicates, redeliveries) and counts flags per lane. */
function flagLane(lane: Lane, eventOf: (seq: number) => EventRef | undefined): void {
  const deliveries = new Map<string, number>();
  /** messageId → receive count of its latest receive (a redrive to a DLQ starts it again at 1). */
  const receiveCounts = new Map<string, number>();
  const failedSubscriptions = new Set<string>();
  for (const laneHop of lane.hops) {
    const { hop, flags } = laneHop;
    const messageId = str(hop.messageId);
    if (hop.type === 'sqs.receive' && messageId) receiveCounts.set(messageId, num(hop.receiveCount) ?? 1);
    const delivery = deliveryOf(laneHop, receiveCounts, failedSubscriptions);
    if (hop.type === 'sns.deliver.failed') failedSubscriptions.add(String(hop.subscriptionArn));
    const event = eventOf(hop.seq);
    // Unlinked hops (the other lane) have no event to be a duplicate of.
    if (delivery && event) {
      const id = `${event.id}\u0000${delivery}`;
      const n = (deliveries.get(id) ?? 0) + 1;
      deliveries.set(id, n);
      if (n > 1 && !flags.includes('duplicate')) flags.push('duplicate');
    }
    for (const flag of flags) if (flag !== 'inferred') lane.flags[flag]++;
  }
}

/** The nearest placed hop about the same resource as a resource fault: closest in virtual time, then in seq. */
function nearestFor(hop: TraceHop, ordered: readonly TraceHop[], index: number, placed: Linker['placed']): EventRef | undefined {
  const rule = RESOURCE_FAULTS[hop.type];
  const resource = rule && str(hop[rule.field]);
  if (!rule || !resource) return undefined;
  let best: { event: EventRef; dt: number; ds: number } | undefined;
  for (let i = Math.max(0, index - NEARBY_HOPS); i < Math.min(ordered.length, index + NEARBY_HOPS + 1); i++) {
    const other = ordered[i]!;
    const at = placed.get(other.seq);
    if (i === index || !at || other.type.startsWith('fault.') || !rule.matches(other.type) || str(other[rule.field]) !== resource) continue;
    const dt = Math.abs(other.time - hop.time);
    const ds = Math.abs(i - index) - (i > index ? 0.5 : 0); // on a tie, the hop after the fault (its effect) wins
    if (!best || dt < best.dt || (dt === best.dt && ds < best.ds)) best = { event: at.event, dt, ds };
  }
  return best?.event;
}

export function buildLanes(source: Trace | readonly TraceHop[], options: LaneOptions = {}): LaneModel {
  const hops = [...('hops' in source ? source.hops : source)].sort((a, b) => a.seq - b.seq);
  const linker = new Linker();
  const unplaced: { laneHop: LaneHop; index: number }[] = [];
  hops.forEach((hop, index) => {
    const laneHop = linker.place(hop);
    if (laneHop.linkedBy === 'none') unplaced.push({ laneHop, index });
  });
  for (const { laneHop, index } of unplaced) {
    const event = options.inferFaults !== false && RESOURCE_FAULTS[laneHop.hop.type] ? nearestFor(laneHop.hop, hops, index, linker.placed) : undefined;
    if (event) linker.adopt(laneHop, event);
    else linker.other.hops.push(laneHop);
  }
  linker.label();
  const eventOf = (seq: number) => linker.placed.get(seq)?.event;
  for (const lane of linker.lanes) flagLane(lane, eventOf);
  flagLane(linker.other, eventOf);
  return { lanes: linker.lanes, other: linker.other };
}

/** Lanes of one object key (every version or write of it), in order. */
export function lanesForKey(model: LaneModel, key: string): Lane[] {
  return model.lanes.filter((l) => l.key === key);
}
