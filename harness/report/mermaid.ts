import { buildLanes, type LaneHop, type LaneOptions } from './lanes';
import type { Trace, TraceHop } from './trace-file';

/**
 * One object's journey as a Mermaid `sequenceDiagram`, for pasting into a bug report (inside a ```mermaid
 * block). One arrow per hop of the object's lanes, a note per injected fault.
 *
 * Mermaid's sequence grammar ends message text at `#`, `;` and newlines, treats `%%` as a comment and `<br>`
 * as markup, and matches keywords (`end`, `note`, `opt`…) at the start of a participant id. So ids are
 * generated (`Q_ingest_queue`), and every label character outside a small safe set is written as a Mermaid
 * entity code (`#60;` for `<`), which Mermaid turns back into the character when it draws.
 */

export interface MermaidOptions extends LaneOptions {
  /** Longest label text before it is cut (default 100 characters). */
  maxLabel?: number;
}

const SAFE = /[A-Za-z0-9 _.,/@=+\-():[\]]/;

/** Text safe anywhere Mermaid takes free text (messages, notes, aliases, comments). */
export function mermaidText(text: string, max = 100): string {
  let value = text.replace(/\s+/g, ' ').trim();
  const chars = [...value];
  if (chars.length > max) value = `${chars.slice(0, max - 1).join('')}…`;
  let out = '';
  for (const ch of value) out += SAFE.test(ch) ? ch : `#${ch.codePointAt(0)};`;
  // Text that starts with `wrap:`/`nowrap:` (or `:`) would be read as a wrap directive.
  return /^:|^(no)?wrap:/i.test(out) ? `#32;${out}` : out;
}

/** A participant id: letters, digits and `_`, behind a prefix that starts no Mermaid keyword. */
const idPart = (name: string) => name.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 40) || 'x';

/** The resource name at the end of an ARN (`arn:aws:sqs:…:name`, `…:function:name[:qualifier]`, `…:event-bus/name`). */
function arnName(arn: string): string {
  const parts = arn.split(':');
  if (parts[2] === 'lambda' && parts[5] === 'function') return parts[6] ?? arn;
  const last = parts.slice(5).join(':');
  return last.includes('/') ? last.slice(last.lastIndexOf('/') + 1) : last || arn;
}
const arnService = (arn: string): string | undefined => (arn.startsWith('arn:') ? arn.split(':')[2] : undefined);

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined);

class Participants {
  private readonly byKey = new Map<string, string>();
  private readonly ids = new Set<string>();
  readonly declared: { id: string; label: string }[] = [];

  constructor(private readonly dlqs: Set<string>) {}

  private get(key: string, prefix: string, name: string, label: string): string {
    const known = this.byKey.get(key);
    if (known) return known;
    let id = name ? `${prefix}_${idPart(name)}` : prefix;
    for (let n = 2; this.ids.has(id); n++) id = `${prefix}_${idPart(name)}_${n}`;
    this.ids.add(id);
    this.byKey.set(key, id);
    this.declared.push({ id, label });
    return id;
  }

  client = () => this.get('client', 'Client', '', 'Client');
  s3 = (bucket: string | undefined) => this.get(`s3:${bucket ?? ''}`, 'S3', '', bucket ? `S3 ${bucket}` : 'S3');
  lambdaService = () => this.get('lambda-service', 'Svc_lambda', '', 'Lambda service');
  consumer = () => this.get('consumer', 'Consumer', '', 'Consumer');
  fn = (name: string) => this.get(`fn:${name}`, 'Fn', name, `Lambda ${name}`);
  topic = (arn: string) => this.get(`sns:${arn}`, 'Topic', arnName(arn), `SNS ${arnName(arn)}`);
  bus = (name: string) => this.get(`events:${name}`, 'Bus', name, `EventBridge ${name}`);
  queue = (arn: string) => {
    const name = arnName(arn);
    const dlq = this.dlqs.has(arn) || /dlq|dead/i.test(name);
    return this.get(`sqs:${arn}`, dlq ? 'DLQ' : 'Q', name, `${dlq ? 'DLQ' : 'SQS'} ${name}`);
  };

  /** Any destination: a queue, topic, function or bus ARN, or an SNS endpoint (email, URL). */
  of = (target: string): string => {
    switch (arnService(target)) {
      case 'sqs':
        return this.queue(target);
      case 'sns':
        return this.topic(target);
      case 'lambda':
        return this.fn(arnName(target));
      case 'events':
        return this.bus(arnName(target));
      case 's3':
        return this.s3(arnName(target));
      default:
        return this.get(`endpoint:${target}`, 'Sub', target, target);
    }
  };
}

type Arrow = '->>' | '-->>' | '-x' | '--x';
type Step = { arrow: Arrow; from: string; to: string; text: string } | { note: string; text: string };

/** What the diagram says about one hop. */
class Narrator {
  /** messageId → the queue it was last received from; requestId → who invoked the function. */
  private readonly receivedFrom = new Map<string, string>();
  private readonly invokedBy = new Map<string, string>();
  private readonly consumerOf = new Map<string, string>();

  constructor(
    private readonly p: Participants,
    private readonly hops: readonly LaneHop[],
  ) {}

  private flagText(laneHop: LaneHop): string {
    const shown = laneHop.flags.filter((f) => f !== 'fault');
    return shown.length ? ` [${shown.map((f) => f.toUpperCase()).join(', ')}]` : '';
  }

  /** Who processes a message: the function of the next invocation for it, else a generic consumer. */
  private consumerFor(messageId: string | undefined, fromIndex: number): string {
    if (!messageId) return this.p.consumer();
    const known = this.consumerOf.get(messageId);
    for (let i = fromIndex; i < this.hops.length; i++) {
      const h = this.hops[i]!.hop;
      if (h.type === 'lambda.invoke.start' && h.messageId === messageId && str(h.functionName)) return this.p.fn(String(h.functionName));
    }
    return known ?? this.p.consumer();
  }

  /** The sender of a delivery, from what the hop says about its origin. */
  private sender(h: TraceHop): string {
    if (h.principal === 's3.amazonaws.com' || (h.eventName !== undefined && h.key !== undefined)) return this.p.s3(str(h.bucket));
    const subscription = str(h.subscriptionArn);
    if (subscription) return this.p.topic(subscription.slice(0, subscription.lastIndexOf(':')));
    if (str(h.topicArn)) return this.p.topic(String(h.topicArn));
    if (str(h.functionName)) return this.p.fn(String(h.functionName));
    if (str(h.sourceArn)) return this.p.of(String(h.sourceArn));
    return this.p.client();
  }

  /** The resource a fault is about, for its note. */
  private faultSubject(h: TraceHop): string {
    if (str(h.destination)) return this.p.of(String(h.destination));
    if (str(h.functionName)) return this.p.fn(String(h.functionName));
    if (str(h.queueArn)) return this.p.queue(String(h.queueArn));
    if (str(h.endpoint)) return this.p.of(String(h.endpoint));
    return this.p.s3(str(h.bucket));
  }

  step(index: number): Step {
    const laneHop = this.hops[index]!;
    const h = laneHop.hop;
    const flags = this.flagText(laneHop);
    const t = (detail: string) => `${h.type}${detail ? ` ${detail}` : ''}${flags}`;
    const fn = str(h.functionName) ? this.p.fn(String(h.functionName)) : undefined;
    const queue = str(h.queueArn) ? this.p.queue(String(h.queueArn)) : undefined;
    const messageId = str(h.messageId);
    const requestId = str(h.requestId);
    const error = str(h.error) ? ` error=${String(h.error)}` : '';

    if (h.type.startsWith('fault.')) {
      const what = [str(h.delayMs) ? `${h.delayMs}ms` : '', str(h.attempt) ? `attempt ${h.attempt}` : ''].filter(Boolean).join(' ');
      return { note: this.faultSubject(h), text: t(what) };
    }
    if (h.type.startsWith('s3.')) {
      const version = str(h.versionId) && h.versionId !== 'null' ? `version ${h.versionId}` : str(h.sequencer) ? `sequencer ${h.sequencer}` : '';
      return { arrow: '->>', from: this.p.client(), to: this.p.s3(str(h.bucket)), text: t([str(h.eventName), version].filter(Boolean).join(' ')) };
    }
    switch (h.type) {
      case 'notification.emitted':
      case 'notification.test':
        return { arrow: '->>', from: this.p.s3(str(h.bucket)), to: this.p.of(String(h.destination ?? 'unknown')), text: t(str(h.eventName) ?? '') };
      case 'delivery.failed':
        return { arrow: '-x', from: this.sender(h), to: this.p.of(String(h.destination ?? 'unknown')), text: t(error.trim()) };
      case 'sqs.send':
        return { arrow: '->>', from: this.sender(h), to: queue ?? this.p.consumer(), text: t(`message ${messageId ?? '?'}`) };
      case 'sqs.receive': {
        if (messageId && queue) this.receivedFrom.set(messageId, queue);
        const consumer = this.consumerFor(messageId, index);
        if (messageId) this.consumerOf.set(messageId, consumer);
        return { arrow: '-->>', from: queue ?? this.p.consumer(), to: consumer, text: t(`message ${messageId ?? '?'} receive ${h.receiveCount ?? '?'}`) };
      }
      case 'sqs.delete':
        return { arrow: '->>', from: (messageId && this.consumerOf.get(messageId)) || this.p.consumer(), to: queue ?? this.p.consumer(), text: t(`message ${messageId ?? '?'}`) };
      case 'sqs.visibility-expired':
      case 'sqs.expired':
        return { arrow: h.type === 'sqs.expired' ? '-x' : '->>', from: queue ?? this.p.consumer(), to: queue ?? this.p.consumer(), text: t(`message ${messageId ?? '?'} after receive ${h.receiveCount ?? '?'}`) };
      case 'sqs.redrive':
      case 'sqs.move':
        return { arrow: '->>', from: queue ?? this.p.consumer(), to: this.p.of(String(h.dlqArn ?? h.destinationArn ?? 'DLQ')), text: t(`message ${messageId ?? '?'} after ${h.receiveCount ?? '?'} receives`) };
      case 'sns.publish':
        return { arrow: '->>', from: this.sender({ ...h, topicArn: undefined }), to: this.p.topic(String(h.topicArn)), text: t(`message ${messageId ?? '?'}`) };
      case 'sns.deliver':
      case 'sns.deliver.failed':
        return {
          arrow: h.type === 'sns.deliver' ? '->>' : '-x',
          from: this.p.topic(String(h.topicArn)),
          to: this.p.of(String(h.endpoint ?? h.subscriptionArn ?? 'subscriber')),
          text: t(`${str(h.protocol) ?? ''}${error}`.trim()),
        };
      case 'sns.dlq':
        return { arrow: '->>', from: this.p.topic(String(h.topicArn)), to: this.p.of(String(h.dlqArn ?? h.queueArn ?? 'DLQ')), text: t(`message ${messageId ?? '?'}`) };
      case 'lambda.invoke.start': {
        const source = (messageId && this.receivedFrom.get(messageId)) || (h.eventName !== undefined ? this.p.s3(str(h.bucket)) : this.p.lambdaService());
        if (requestId) this.invokedBy.set(requestId, source);
        return { arrow: '->>', from: source, to: fn ?? this.p.lambdaService(), text: t(`request ${requestId ?? '?'} attempt ${h.attempt ?? 1}`) };
      }
      case 'lambda.invoke.end':
      case 'lambda.invoke.error':
        return {
          arrow: h.type === 'lambda.invoke.end' ? '-->>' : '--x',
          from: fn ?? this.p.lambdaService(),
          to: (requestId && this.invokedBy.get(requestId)) || this.p.lambdaService(),
          text: t(`${str(h.durationMs) ? `${h.durationMs}ms` : ''}${error}`.trim()),
        };
      case 'lambda.retry':
        return { arrow: '->>', from: this.p.lambdaService(), to: fn ?? this.p.lambdaService(), text: t(`attempt ${h.attempt ?? '?'}`) };
      case 'lambda.throttle':
        return { arrow: '--x', from: this.p.lambdaService(), to: fn ?? this.p.lambdaService(), text: t('') };
      case 'lambda.dlq':
      case 'lambda.destination':
        return { arrow: '->>', from: fn ?? this.p.lambdaService(), to: this.p.of(String(h.dlqArn ?? h.targetArn ?? h.destination ?? h.queueArn ?? 'DLQ')), text: t(error.trim()) };
      case 'events.put':
        return { arrow: '->>', from: this.sender(h), to: this.p.bus(String(h.eventBus ?? 'default')), text: t(`event ${h.eventId ?? '?'}`) };
      case 'events.match':
        return { arrow: '->>', from: this.p.bus(String(h.eventBus ?? 'default')), to: this.p.bus(String(h.eventBus ?? 'default')), text: t(`rule ${h.rule ?? '?'}`) };
      case 'events.target.delivered':
      case 'events.target.failed':
      case 'events.dlq':
        return {
          arrow: h.type === 'events.target.failed' ? '-x' : '->>',
          from: this.p.bus(String(h.eventBus ?? 'default')),
          to: this.p.of(String(h.type === 'events.dlq' ? (h.dlqArn ?? h.targetArn) : h.targetArn)),
          text: t(`${h.attempt !== undefined ? `attempt ${h.attempt}` : ''}${error}`.trim()),
        };
      default: {
        // A hop type this diagram does not know: a self-arrow on the resource it names.
        const subject = fn ?? queue ?? (str(h.topicArn) ? this.p.topic(String(h.topicArn)) : this.p.s3(str(h.bucket)));
        return { arrow: '->>', from: subject, to: subject, text: t(error.trim()) };
      }
    }
  }
}

/** The Mermaid sequence diagram of one object key (every version or write of it), or of one lane id. */
export function renderMermaid(trace: Trace, key: string, options: MermaidOptions = {}): string {
  const max = options.maxLabel ?? 100;
  const model = buildLanes(trace, options);
  const lanes = model.lanes.filter((l) => l.key === key || l.id === key);
  if (lanes.length === 0) {
    const keys = [...new Set(model.lanes.map((l) => JSON.stringify(l.key)))];
    throw new Error(`no object with key ${JSON.stringify(key)} in the trace (keys: ${keys.join(', ') || 'none'})`);
  }
  const laneOf = new Map<LaneHop, string>();
  for (const lane of lanes) for (const h of lane.hops) laneOf.set(h, lane.versionId ? `v ${lane.versionId}` : `write ${lane.writeIndex}`);
  const hops = lanes.flatMap((l) => l.hops).sort((a, b) => a.hop.seq - b.hop.seq);

  const dlqs = new Set<string>();
  for (const { hop } of hops) for (const f of ['dlqArn', 'targetArn'] as const) if (hop.type.endsWith('dlq') || hop.type === 'sqs.redrive') if (str(hop[f])) dlqs.add(String(hop[f]));
  const participants = new Participants(dlqs);
  // Client and S3 first: every story starts with a write.
  participants.client();
  participants.s3(lanes[0]!.bucket);
  const narrator = new Narrator(participants, hops);
  const tagLanes = lanes.length > 1;
  const body = hops.map((laneHop, i) => {
    const step = narrator.step(i);
    const text = mermaidText(tagLanes ? `(${laneOf.get(laneHop)}) ${step.text}` : step.text, max);
    return 'note' in step ? `  Note over ${step.note}: ${text}` : `  ${step.from}${step.arrow}${step.to}: ${text}`;
  });

  const { header } = trace;
  const facts = [
    header.scenario !== undefined ? `scenario ${header.scenario}` : '',
    header.seed !== undefined ? `seed ${header.seed}` : '',
    header.faults ? `faults ${header.faults}` : '',
    header.backend !== undefined ? `backend ${header.backend}` : '',
  ].filter(Boolean);
  return [
    'sequenceDiagram',
    `  %% s3-event-harness trace: ${mermaidText(facts.join(', '), 300)}`,
    `  %% object: ${mermaidText(`s3://${lanes[0]!.bucket}/${lanes[0]!.key}`, 300)} (${lanes.length} lane${lanes.length === 1 ? '' : 's'}, ${hops.length} hops)`,
    '  autonumber',
    ...participants.declared.map((d) => `  participant ${d.id} as ${mermaidText(d.label, max)}`),
    ...body,
    '',
  ].join('\n');
}
