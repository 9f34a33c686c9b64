import { enrichedEvents } from '../../emulator/pipes/poller';
import { dynamicValue, renderPipeTemplate } from '../../emulator/pipes/templates';

/** Input templates and enrichment answers, without an emulator. */
const vars = {
  pipeArn: 'arn:aws:pipes:us-east-1:000000000000:pipe/p',
  pipeName: 'p',
  sourceArn: 'arn:aws:sqs:us-east-1:000000000000:src',
  targetArn: 'arn:aws:sqs:us-east-1:000000000000:dst',
  ingestionTime: Date.UTC(2026, 0, 2, 3, 4, 5),
};
const record = { messageId: 'm-1', body: JSON.stringify({ order: { id: 7, items: ['a', 'b'] }, note: 'say "hi"' }), attributes: { SenderId: 'AIDA1' } };

describe('renderPipeTemplate', () => {
  it('reads JSON bodies implicitly: a value as JSON outside strings, as escaped text inside them', () => {
    const out = renderPipeTemplate('{"id": <$.body.order.id>, "first": "<$.body.order.items[0]>", "items": <$.body.order.items>, "text": "<$.body.note>"}', record, vars);
    expect(JSON.parse(out)).toEqual({ id: 7, first: 'a', items: ['a', 'b'], text: 'say "hi"' });
  });

  it('fills the reserved aws.pipes variables', () => {
    const out = renderPipeTemplate(
      '{"n": "<aws.pipes.pipe-name>", "a": "<aws.pipes.pipe-arn>", "s": "<aws.pipes.source-arn>", "t": "<aws.pipes.target-arn>", "e": "<aws.pipes.enrichment-arn>", "at": "<aws.pipes.event.ingestion-time>", "ev": <aws.pipes.event.json>}',
      record,
      vars,
    );
    expect(JSON.parse(out)).toEqual({
      n: 'p',
      a: vars.pipeArn,
      s: vars.sourceArn,
      t: vars.targetArn,
      e: '',
      at: '2026-01-02T03:04:05.000Z',
      ev: { ...record, body: JSON.parse(record.body) },
    });
  });

  it('keeps <aws.pipes.event> as received (the body still a string) and writes null for a missing path', () => {
    expect(JSON.parse(renderPipeTemplate('{"raw": <aws.pipes.event>, "none": <$.body.nothing>}', record, vars))).toEqual({ raw: record, none: null });
  });

  it('leaves free text and unknown placeholders as written', () => {
    expect(renderPipeTemplate('Hello <name>, from "<$.attributes.SenderId>"', record, vars)).toBe('Hello <name>, from "AIDA1"');
  });
});

describe('dynamicValue', () => {
  it('reads a $. path from the event and takes anything else literally', () => {
    expect(dynamicValue('$.body.order.id', record)).toBe('7');
    expect(dynamicValue('$.attributes.SenderId', record)).toBe('AIDA1');
    expect(dynamicValue('group-1', record)).toBe('group-1');
    expect(dynamicValue('$.body.missing', record)).toBeUndefined();
  });
});

describe('enrichedEvents', () => {
  it('takes an array as the events, an empty answer as none, anything else as one event', () => {
    expect(enrichedEvents('[{"a":1},{"a":2}]')).toEqual([{ a: 1 }, { a: 2 }]);
    for (const empty of ['', '""', '{}', '[]', 'null']) expect(enrichedEvents(empty)).toEqual([]);
    expect(enrichedEvents('[{}]')).toEqual([{}]);
    expect(enrichedEvents('{"a":1}')).toEqual([{ a: 1 }]);
    expect(enrichedEvents('"text"')).toEqual(['text']);
  });
});
