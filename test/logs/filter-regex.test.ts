import { CloudWatchLogsClient, CreateLogGroupCommand, PutMetricFilterCommand, TestMetricFilterCommand } from '@aws-sdk/client-cloudwatch-logs';
import { compileFilterPattern, FilterPatternError, matchesFilterPattern } from '../../emulator/logs/filter-pattern';
import { compileFilterRegex } from '../../emulator/logs/filter-regex';
import { clientConfig, useEmulator } from '../helpers/emulator';

/*
 * Filter patterns with regular expressions between % signs were refused ("not supported by the emulator"), so a
 * metric filter, subscription filter or FilterLogEvents call written for AWS failed here. The examples below are the
 * ones CloudWatch Logs' documentation gives for each operator, with what it says they match.
 */
const matching = (pattern: string, messages: string[]) => messages.filter((m) => matchesFilterPattern(pattern, m));
const regex = (source: string, values: string[]) => values.filter((v) => compileFilterRegex(source).test(v));

describe('filter pattern regular expressions: the documented operators', () => {
  it('a whole-pattern regex matches anywhere in the event', () => {
    expect(matching('%AUTHORIZED%', ['[ERROR 401] UNAUTHORIZED REQUEST', '[SUCCESS 200] AUTHORIZED REQUEST', 'authorized'])).toEqual([
      '[ERROR 401] UNAUTHORIZED REQUEST',
      '[SUCCESS 200] AUTHORIZED REQUEST',
    ]);
    expect(matching('%\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}%', ['from 10.0.12.7 ok', 'from 10.0.x.7', 'v1.2.3'])).toEqual(['from 10.0.12.7 ok']);
    expect(matching('%[Ee]rror|[Ff]ail%', ['Error', 'an error', 'FAIL', 'it failed', 'ok'])).toEqual(['Error', 'an error', 'it failed']);
  });

  it('^ and $ anchor, ? * + {m,n} repeat the character or class before them, . is any character', () => {
    expect(regex('^[hc]at', ['hat', 'cat', 'that', 'chat', 'cats'])).toEqual(['hat', 'cat', 'cats']);
    expect(regex('[hc]at$', ['hat', 'cats', 'that'])).toEqual(['hat', 'that']);
    expect(regex('^colou?r$', ['color', 'colour', 'colouur'])).toEqual(['color', 'colour']);
    expect(regex('^a{3,5}$', ['aa', 'aaa', 'aaaaa', 'aaaaaa'])).toEqual(['aaa', 'aaaaa']);
    expect(regex('^a{2}$', ['a', 'aa', 'aaa'])).toEqual(['aa']);
    expect(regex('^a{2,}$', ['a', 'aa', 'aaaaaaa'])).toEqual(['aa', 'aaaaaaa']);
    expect(regex('^ab*c$', ['ac', 'abc', 'abbbc', 'abd'])).toEqual(['ac', 'abc', 'abbbc']);
    expect(regex('^ab+c$', ['ac', 'abc', 'abbbc'])).toEqual(['abc', 'abbbc']);
    expect(regex('^a.c$', ['abc', 'a-c', 'ac', 'a\nc'])).toEqual(['abc', 'a-c']);
    expect(regex('gra|ey', ['gray', 'grey', 'green'])).toEqual(['gray', 'grey']);
  });

  it('classes: ranges, lists, negation, escapes; \\ makes an operator literal; case counts', () => {
    expect(regex('^[abcx-z]$', ['a', 'c', 'd', 'y', 'Z'])).toEqual(['a', 'c', 'y']);
    expect(regex('^[^0-9]+$', ['abc', 'a1c'])).toEqual(['abc']);
    expect(regex('^\\w+@\\w+$', ['me@host', 'me@', 'm e@host'])).toEqual(['me@host']);
    expect(regex('^10\\.10\\.0\\.1$', ['10.10.0.1', '10a10b0c1'])).toEqual(['10.10.0.1']);
    expect(regex('^\\S+\\s\\S+$', ['two\twords', 'one'])).toEqual(['two\twords']);
    expect(regex('^[\\d-]+$', ['2026-12-07', '2026/12'])).toEqual(['2026-12-07']);
    expect(regex('ERROR', ['error'])).toEqual([]);
  });

  it('refuses what the documentation rules out: parentheses, other symbols, spaces, multi-byte characters', () => {
    for (const bad of ['(ab)+', 'something!', 'two words', 'caf\u00e9', '', 'a**', '*a', 'a{2,1}', 'a{1001}', '[z-a]', '[abc', 'a^b', 'a$b', ']', 'a\\']) {
      expect(() => compileFilterRegex(bad)).toThrow(FilterPatternError);
    }
    expect(() => compileFilterPattern('%abc')).toThrow(FilterPatternError);
    expect(() => compileFilterPattern('%a% %b%')).toThrow(FilterPatternError);
  });

  it('runs in linear time where a backtracking engine would not finish', () => {
    const line = 'a'.repeat(20_000);
    // A RegExp would try about 20,000^6 ways before giving up.
    expect(compileFilterRegex('.*.*.*.*.*.*b').test(line)).toBe(false);
    expect(compileFilterRegex('a*a*a*a*a*a*$').test(line)).toBe(true);
  });
});

describe('regular expressions inside JSON and space-delimited patterns', () => {
  it('compares a JSON value with = or != (numbers by their text)', () => {
    const events = ['{"eventType":"UpdateTrail","code":503}', '{"eventType":"CreateTrail","code":200}', '{"eventType":"DeleteBucket"}'];
    expect(matching('{ $.eventType = %Trail$% }', events)).toEqual(events.slice(0, 2));
    expect(matching('{ $.eventType != %^Update% }', events)).toEqual(events.slice(1));
    expect(matching('{ $.code = %^5\\d\\d$% }', events)).toEqual([events[0]]);
    expect(matching('{ $.eventType = %Trail% && $.code = %^2% }', events)).toEqual([events[1]]);
  });

  it('compares a space-delimited field, and names the field for a metric value', () => {
    const pattern = '[ip, user, status = %^4\\d\\d$%, bytes]';
    expect(matching(pattern, ['10.0.0.1 bob 404 512', '10.0.0.1 bob 200 512', '10.0.0.1 bob 4040 512'])).toEqual(['10.0.0.1 bob 404 512']);
    expect(compileFilterPattern(pattern)('10.0.0.1 bob 403 77')?.values).toEqual({ $ip: '10.0.0.1', $user: 'bob', $status: '403', $bytes: '77' });
  });

  it('allows two regular expressions in one pattern, not three, and only with = or !=', () => {
    expect(() => compileFilterPattern('{ $.a = %x% || $.b = %y% }')).not.toThrow();
    expect(() => compileFilterPattern('{ $.a = %x% || $.b = %y% || $.c = %z% }')).toThrow(FilterPatternError);
    expect(() => compileFilterPattern('{ $.a > %1% }')).toThrow(FilterPatternError);
  });
});

describe('through the API', () => {
  const emulator = useEmulator();

  it('TestMetricFilter and PutMetricFilter take a regex pattern; a bad one is InvalidParameterException', async () => {
    const logs = new CloudWatchLogsClient(clientConfig(emulator()));
    const out = await logs.send(new TestMetricFilterCommand({ filterPattern: '%ERROR|FATAL%', logEventMessages: ['ERROR 1', 'INFO 2', 'FATAL 3'] }));
    expect(out.matches?.map((m) => m.eventMessage)).toEqual(['ERROR 1', 'FATAL 3']);

    await logs.send(new CreateLogGroupCommand({ logGroupName: '/regex' }));
    const metricTransformations = [{ metricName: 'Errors', metricNamespace: 'App', metricValue: '1' }];
    await logs.send(new PutMetricFilterCommand({ logGroupName: '/regex', filterName: 'errors', filterPattern: '%[Ee]rror%', metricTransformations }));
    await expect(
      logs.send(new PutMetricFilterCommand({ logGroupName: '/regex', filterName: 'bad', filterPattern: '%(a)%', metricTransformations })),
    ).rejects.toMatchObject({ name: 'InvalidParameterException', $metadata: { httpStatusCode: 400 } });
  });

  it('keeps to 5 filters with a regular expression per log group; replacing one, or one without, is fine', async () => {
    const logs = new CloudWatchLogsClient(clientConfig(emulator()));
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/quota' }));
    const metricTransformations = [{ metricName: 'M', metricNamespace: 'App', metricValue: '1' }];
    const put = (filterName: string, filterPattern: string) =>
      logs.send(new PutMetricFilterCommand({ logGroupName: '/quota', filterName, filterPattern, metricTransformations }));
    for (let i = 0; i < 4; i++) await put(`r${i}`, `%code${i}%`);
    await put('json', '{ $.level = %^ERR% }');
    await expect(put('sixth', '[a, b = %x%]')).rejects.toMatchObject({ name: 'LimitExceededException', $metadata: { httpStatusCode: 400 } });
    await put('r0', '%other%');
    await put('plain', 'ERROR "100%"');
  });
});
