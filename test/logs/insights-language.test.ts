import { CloudWatchLogsClient, StartQueryCommand } from '@aws-sdk/client-cloudwatch-logs';
import { parseQuery } from '../../emulator/logs/insights/parser';
import { sortCompare } from '../../emulator/logs/insights/sort-order';
import { checkFunctions } from '../../emulator/logs/insights/stats';
import { clientConfig, useEmulator } from '../helpers/emulator';
import { seconds, T0, writeEvents } from './insights-helpers';

/* The Logs Insights query language: each command parses to what it means; what does not parse is MalformedQueryException. */

const compile = (q: string) => {
  const commands = parseQuery(q);
  checkFunctions(commands, q);
  return commands;
};
const codeOf = (q: string) => {
  try {
    compile(q);
    return 'ok';
  } catch (e) {
    return (e as Error).name;
  }
};

it('parses every command, with pipes and comments', () => {
  const commands = compile(`# errors of the processor
    fields @timestamp, @message as m, strlen(@message) | filter level = 'ERROR' and not ispresent(skip) # trailing
    | parse @message "user=* id=*" as user, id
    | parse @message /key=(?<key>\\S+)/
    | stats count(*) as n, avg(latency) by bin(5m), user
    | sort n desc, user
    | limit 20
    | dedup user
    | display n, user`);
  expect(commands.map((c) => c.k)).toEqual(['fields', 'filter', 'parse', 'parse', 'stats', 'sort', 'limit', 'dedup', 'display']);
  expect(commands[0]).toMatchObject({ items: [{ name: '@timestamp' }, { name: 'm' }, { name: 'strlen(@message)' }] });
  expect(commands[2]).toMatchObject({ field: '@message', pattern: { kind: 'glob', names: ['user', 'id'] } });
  expect(commands[3]).toMatchObject({ pattern: { kind: 'regex', names: ['key'] } });
  expect(commands[4]).toMatchObject({ aggs: [{ name: 'n' }, { name: 'avg(latency)' }], by: [{ name: 'bin(5m)', expr: { k: 'call', fn: 'bin', args: [{ k: 'dur', ms: 300_000 }] } }, { name: 'user' }] });
  expect(commands[5]).toMatchObject({ keys: [{ desc: true }, { desc: true }] });
  expect(commands[6]).toEqual({ k: 'limit', n: 20 });
});

it('tells division from a regular expression by position, and reads precedence', () => {
  const [fields] = compile('fields @memorySize / 1000000 / 2 as mb, -a + b * c ^ 2 as x');
  expect(fields).toMatchObject({ items: [{ expr: { k: 'op', op: '/', l: { k: 'op', op: '/' } } }, { expr: { k: 'op', op: '+', l: { k: 'neg' }, r: { k: 'op', op: '*', r: { k: 'op', op: '^' } } } }] });
  const [filter] = compile('filter @message like /(?i)timeout/ or x not in [1, 2] and y =~ /a\\/b/');
  expect(filter).toMatchObject({ expr: { k: 'op', op: 'or', l: { k: 'like', r: { k: 'regex' } }, r: { k: 'op', op: 'and', l: { k: 'in', not: true } } } });
  expect((filter as any).expr.l.r.re.flags).toBe('i');
});

it.each([
  ['fields', 'MalformedQueryException'],
  ['fields @message |', 'MalformedQueryException'],
  ['filter x = ', 'MalformedQueryException'],
  ['select * from x', 'MalformedQueryException'],
  ['filter x = "unterminated', 'MalformedQueryException'],
  ['stats count(*) by', 'MalformedQueryException'],
  ['limit 0', 'MalformedQueryException'],
  ['parse @message "no wildcard" as a', 'MalformedQueryException'],
  ['parse @message "a=* b=*" as a', 'MalformedQueryException'],
  ['parse @message /no groups/', 'MalformedQueryException'],
  ['filter nosuchfn(x)', 'MalformedQueryException'],
  ['filter count(*) > 1', 'MalformedQueryException'],
  ['fields x | filter a like /(/', 'MalformedQueryException'],
  ['fields bin(5parsecs)', 'MalformedQueryException'],
  ['fields `quoted field`, a.b.0 | sort `quoted field` asc', 'ok'],
])('%s → %s', (q, code) => {
  expect(codeOf(q)).toBe(code);
});

describe('through the SDK', () => {
  const emulator = useEmulator({ log: () => {} });
  it('answers MalformedQueryException with where the query went wrong', async () => {
    const logs = new CloudWatchLogsClient(clientConfig(emulator()));
    await writeEvents(logs, '/lang/g', 's', [{ timestamp: T0, message: 'x' }]);
    const err = await logs
      .send(new StartQueryCommand({ logGroupName: '/lang/g', startTime: seconds(T0), endTime: seconds(T0), queryString: 'fields @message\n| frobnicate x' }))
      .catch((e) => e);
    expect(err).toMatchObject({ name: 'MalformedQueryException', $metadata: { httpStatusCode: 400 } });
    expect(err.message).toBe('unexpected symbol found frobnicate at line 2 and position 3');
    expect(err.queryCompileError).toEqual({ location: { startCharOffset: 18, endCharOffset: 27 }, message: err.message });
  });
});

it("sorts as AWS documents: text before numbers, text in natural order, numbers by value; descending reverses", () => {
  const values = ['3', '01', 'a12345hfh', '5A', '@_', '!:', 'A9876fghj', '111A', '2345_', '0', '#', '2', '1', '*%04', '@', 'A', '0#'];
  expect([...values].sort(sortCompare)).toEqual(['!:', '#', '*%04', '0#', '5A', '111A', '2345_', '@', '@_', 'A', 'A9876fghj', 'a12345hfh', '0', '01', '1', '2', '3']);
});
