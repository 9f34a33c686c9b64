import { DeleteQueueCommand } from '@aws-sdk/client-sqs';
import { expect, scenario } from '../harness/scenario';
import { csv, jsonArray } from './support';

// S3 sends every event of the bucket to EventBridge; the rule keeps the data objects' created and deleted events
// (data/*.csv, data/*.json) and sends them to the processor's queue (and a probe queue, which the scenario reads).
// Anything else never reaches the function.
scenario('S3 → EventBridge → SQS → Lambda: one report per object, deletes seen, the rest filtered', { topology: 'eventbridge' }, async (s) => {
  // The wiring is sound: nothing the lint counts as an error (the scenario's short visibility timeout is a warning).
  expect((await s.lint()).filter((f) => f.severity === 'error')).toEqual([]);
  const rows = s.random.int(1, 30);
  const items = s.random.int(1, 10);
  const table = await s.upload('data/table.csv', csv(s.random, rows));
  const list = await s.upload('data/list.json', jsonArray(s.random, items));
  await s.upload('data/notes.txt', 'not data');
  await s.upload('other/table.csv', csv(s.random, 2));
  await s.expectReport(table, (r) => expect(r.rows).toBe(rows));
  await s.expectReport(list, (r) => expect(r.rows).toBe(items));
  await s.delete('data/table.csv');
  const [ignored] = await s.expectLogs('processor', (e) => e.msg === 'ignored event' && e.object === `s3://${s.bucket}/data/table.csv`, 1);
  expect((ignored as Record<string, string>).eventName).toBe('ObjectRemoved:Delete');
  // What the rule matched, as EventBridge delivered it (its probe target): the two data objects and the delete.
  const events = await s.expectDeliveries('objects', 3);
  expect(events.map((e) => `${e.json['detail-type']} ${e.json.detail.object.key} ${e.json.detail.reason}`)).toEqual([
    'Object Created data/table.csv PutObject',
    'Object Created data/list.json PutObject',
    'Object Deleted data/table.csv DeleteObject',
  ]);
  expect(events[2]!.json.detail['deletion-type']).toBe('Permanently Deleted');
  await s.expectNothing({ within: '1s' });
  expect((await s.reports()).map((r) => r.key).sort()).toEqual(['data/list.json', 'data/table.csv']);
  const ledger = await s.expectConservation();
  expect(ledger.entries.map((e) => `${e.write.op} ${e.write.key}: ${e.outcome}`)).toEqual([
    'put data/table.csv: processed',
    'put data/list.json: processed',
    'put data/notes.txt: filtered',
    'put other/table.csv: filtered',
    'delete data/table.csv: processed',
  ]);
});

// The rule's target queue is gone: EventBridge does not retry a target that no longer exists and sends the event
// to the target's DLQ, which the error handler reads → alert naming the object.
scenario('an event EventBridge cannot deliver goes to the rule target DLQ and raises an alert', { topology: 'eventbridge' }, async (s) => {
  await s.clients.sqs.send(new DeleteQueueCommand({ QueueUrl: s.resources.queues.events!.url }));
  await s.upload('data/stranded.csv', csv(s.random, 3));
  const [alert] = await s.expectAlerts(1, { match: (a) => a.json.key === 'data/stranded.csv' });
  expect(alert!.json.sourceQueue).toBe(s.resources.queues['events-rule-dlq']!.arn);
  // The DLQ message carries EventBridge's ERROR_CODE / ERROR_MESSAGE attributes, which the alert passes on.
  expect(alert!.json.errorCode).toEqual(expect.any(String));
  expect(alert!.json.error).toEqual(expect.any(String));
  expect(await s.reports()).toEqual([]);
  expect((await s.expectConservation()).entries.map((e) => `${e.write.key}: ${e.outcome}`)).toEqual(['data/stranded.csv: dead-lettered']);
});

// The rule invokes the processor itself (asynchronously, as S3 does in `direct`): a good object gets its report; a
// bad one fails its attempt and its one retry, then Lambda sends it to the function's DLQ → alert.
scenario('S3 → EventBridge → Lambda: reports, and a failing object through retries to the function DLQ', { topology: 'eventbridge', ruleTarget: 'function', asyncRetries: 1 }, async (s) => {
  const rows = s.random.int(1, 20);
  const good = await s.upload('data/good.csv', csv(s.random, rows));
  await s.expectReport(good, (r) => expect(r.rows).toBe(rows));
  await s.upload('data/broken.json', '{"id": 1, ');
  const [alert] = await s.expectAlerts(1, { match: (a) => a.json.key === 'data/broken.json' });
  expect(alert!.json.sourceQueue).toBe(s.resources.queues['processor-dlq']!.arn);
  expect(alert!.json.error).toMatch(/Invalid JSON/);
  // The good object once; the broken one's attempt and its one retry.
  await s.expectInvocations('processor', 3);
  await s.expectDlq(0, { queue: 'events-rule-dlq' });
  expect((await s.expectConservation()).entries.map((e) => `${e.write.key}: ${e.outcome}`)).toEqual(['data/good.csv: processed', 'data/broken.json: dead-lettered']);
});
