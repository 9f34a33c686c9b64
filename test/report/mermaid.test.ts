import { join } from 'node:path';
import { buildLanes, lanesForKey, mermaidText, readTrace, renderMermaid, type Trace } from '../../harness/report';

const SAMPLE = join(__dirname, '../fixtures/traces/sample.jsonl');
const KEY_A = 'incoming/orders-1.csv';
const KEY_B = 'incoming/<script>window.__pwned=1;</script> "Q4 #1".csv';
const KEY_C = 'daily report.csv';

/** Free text as renderMermaid writes it: safe characters and entity codes only. */
const TEXT = String.raw`(?:[A-Za-z0-9 _.,/@=+\-():\[\]]|#\d+;)+`;
const ID = String.raw`[A-Za-z][A-Za-z0-9_]*`;
const LINE_SHAPES = {
  header: /^sequenceDiagram$/,
  comment: /^ {2}%% [^{\n][^\n]*$/,
  autonumber: /^ {2}autonumber$/,
  participant: new RegExp(`^ {2}participant (${ID}) as ${TEXT}$`),
  arrow: new RegExp(`^ {2}(${ID})(->>|-->>|-x|--x)(${ID}): (${TEXT})$`),
  note: new RegExp(`^ {2}Note over (${ID}): (${TEXT})$`),
};
/** Words Mermaid's sequence lexer matches at the start of a token, so no participant id may begin with one. */
const KEYWORDS = ['participant', 'actor', 'create', 'destroy', 'box', 'loop', 'rect', 'opt', 'alt', 'else', 'par', 'and', 'critical', 'option', 'break', 'end', 'left of', 'right of', 'links', 'link', 'properties', 'details', 'over', 'note', 'activate', 'deactivate', 'title', 'autonumber', 'off', 'sequencediagram'];

const decode = (text: string) => text.replace(/#(\d+);/g, (_m, n: string) => String.fromCodePoint(Number(n)));

function parse(diagram: string) {
  const lines = diagram.trimEnd().split('\n');
  const shapes = lines.map((line) => {
    const shape = Object.entries(LINE_SHAPES).find(([, re]) => re.test(line))?.[0];
    if (!shape) throw new Error(`line does not match any Mermaid statement shape: ${JSON.stringify(line)}`);
    return shape;
  });
  const participants = lines.filter((_, i) => shapes[i] === 'participant').map((l) => LINE_SHAPES.participant.exec(l)![1]!);
  const arrows = lines.filter((_, i) => shapes[i] === 'arrow').map((l) => LINE_SHAPES.arrow.exec(l)!);
  const notes = lines.filter((_, i) => shapes[i] === 'note').map((l) => LINE_SHAPES.note.exec(l)!);
  return { lines, shapes, participants, arrows, notes };
}

describe('renderMermaid', () => {
  let trace: Trace;
  beforeAll(() => {
    trace = readTrace(SAMPLE);
  });

  it.each([KEY_A, KEY_B, KEY_C])('draws %s as a well-formed sequence diagram: one arrow per hop, a note per fault', (key) => {
    const diagram = renderMermaid(trace, key);
    const { shapes, participants, arrows, notes } = parse(diagram);
    expect(shapes[0]).toBe('header');
    expect(diagram.startsWith('sequenceDiagram\n')).toBe(true);

    const hops = lanesForKey(buildLanes(trace), key).flatMap((l) => l.hops);
    const faults = hops.filter((h) => h.hop.type.startsWith('fault.'));
    expect(arrows).toHaveLength(hops.length - faults.length);
    expect(notes).toHaveLength(faults.length);
    // Arrows in trace order, each naming its hop type.
    const nonFaults = hops.filter((h) => !h.hop.type.startsWith('fault.')).sort((a, b) => a.hop.seq - b.hop.seq);
    expect(arrows.map((a) => a[4]!.split(' ').find((w) => w.includes('.')) ?? a[4])).toEqual(nonFaults.map((h) => h.hop.type));

    // Every arrow and note uses a declared participant; no id starts with a Mermaid keyword.
    for (const a of arrows) expect(participants).toEqual(expect.arrayContaining([a[1], a[3]]));
    for (const n of notes) expect(participants).toContain(n[1]);
    for (const id of participants) expect(KEYWORDS.filter((k) => id.toLowerCase().startsWith(k))).toEqual([]);
    expect(new Set(participants).size).toBe(participants.length);
  });

  it('encodes the hostile key instead of writing <, >, ;, # or quotes', () => {
    const diagram = renderMermaid(trace, KEY_B);
    // Only the arrows themselves may hold a `>`; in text every special character is an entity code.
    const texts = diagram.replace(/#\d+;/g, '').replace(/^( {2}[A-Za-z0-9_]+)(-->>|->>|--x|-x)/gm, '$1');
    expect(texts).not.toMatch(/[<>;#"]/);
    expect(diagram).not.toMatch(/%%\{/);
    expect(diagram.split('\n').filter((l) => l.includes('%%')).every((l) => l.startsWith('  %% '))).toBe(true);
    // Decoded, the object line names the key exactly.
    expect(decode(diagram)).toContain(`s3://uploads/${KEY_B} (1 lane, 18 hops)`);
  });

  it('shows the failure path: errors as crosses back to the queue, the redrive into the DLQ participant', () => {
    const { arrows, lines } = parse(renderMermaid(trace, KEY_B));
    expect(lines).toContain('  participant DLQ_ingest_dlq as DLQ ingest-dlq');
    const errors = arrows.filter((a) => a[4]!.startsWith('lambda.invoke.error'));
    expect(errors.map((a) => [a[1], a[2], a[3]])).toEqual([
      ['Fn_pipeline_processor', '--x', 'Q_ingest_queue'],
      ['Fn_pipeline_processor', '--x', 'Q_ingest_queue'],
    ]);
    expect(arrows.find((a) => a[4]!.startsWith('sqs.redrive'))!.slice(1, 4)).toEqual(['Q_ingest_queue', '->>', 'DLQ_ingest_dlq']);
    expect(arrows.find((a) => a[4]!.startsWith('lambda.invoke.start request LE1'))![1]).toBe('DLQ_ingest_dlq');
  });

  it('marks the duplicate and tags arrows with their write when a key has several', () => {
    const a = parse(renderMermaid(trace, KEY_A));
    expect(a.arrows.filter((x) => x[4]!.includes('[DUPLICATE]')).map((x) => x[4]!.split(' ')[0])).toEqual(['sqs.send', 'lambda.invoke.start']);
    const c = parse(renderMermaid(trace, KEY_C));
    expect(c.notes.map((n) => n[0])).toEqual(['  Note over Q_ingest_queue: (write 1) fault.coalesced [COALESCED]']);
    expect(c.arrows.every((x) => /^\(write [12]\) /.test(x[4]!))).toBe(true);
  });

  it('draws a single lane when given its id', () => {
    const lane = buildLanes(trace).lanes.find((l) => l.key === KEY_C && l.writeIndex === 2)!;
    const { arrows, notes } = parse(renderMermaid(trace, lane.id));
    expect(arrows).toHaveLength(lane.hops.length);
    expect(notes).toHaveLength(0);
  });

  it('names the keys it knows when the key is not in the trace', () => {
    expect(() => renderMermaid(trace, 'nope.csv')).toThrow(/no object with key "nope.csv".*"incoming\/orders-1.csv"/);
  });
});

describe('mermaidText', () => {
  it.each([
    ['a<b>c', 'a#60;b#62;c'],
    ['semi;colon # hash', 'semi#59;colon #35; hash'],
    ['100%% sure', '100#37;#37; sure'],
    ['line\nbreak  and\ttab', 'line break and tab'],
    ['wrap:me', '#32;wrap:me'],
    ['"q" \'s\' `t`', '#34;q#34; #39;s#39; #96;t#96;'],
    ['ключ 🙂', '#1082;#1083;#1102;#1095; #128578;'],
  ])('%j → %j', (input, expected) => {
    expect(mermaidText(input)).toBe(expected);
  });

  it('cuts long text', () => {
    expect(decode(mermaidText('x'.repeat(500), 20))).toBe(`${'x'.repeat(19)}…`);
  });
});
