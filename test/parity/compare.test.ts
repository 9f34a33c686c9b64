import { main } from '../../harness/cli/main';
import {
  AllowlistError,
  checkEntries,
  compareSides,
  emptyHops,
  firstDivergence,
  flavourOf,
  globMatch,
  loadAllowlist,
  normaliseObservations,
  parseBackendList,
  renderText,
  sideBySide,
  type Allowlist,
  type JsonObject,
  type Side,
} from '../../harness/parity';

/** An S3 event record as a backend would deliver it; ids, times, prefix and account vary per run. */
function s3Record(o: { prefix: string; requestId: string; sequencer: string; time: string; key?: string; etag?: string; size?: number }): JsonObject {
  return {
    via: 'events',
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: 'us-east-1',
    eventTime: o.time,
    eventName: 'ObjectCreated:Put',
    userIdentity: { principalId: 'AWS:AIDAEXAMPLE1234' },
    requestParameters: { sourceIPAddress: '127.0.0.1' },
    responseElements: { 'x-amz-request-id': o.requestId, 'x-amz-id-2': `${o.requestId}/host` },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: 'n1',
      bucket: { name: `${o.prefix}-data`, ownerIdentity: { principalId: 'A3NL1KOZZKExample' }, arn: `arn:aws:s3:::${o.prefix}-data` },
      object: { key: o.key ?? 'data/a.csv', size: o.size ?? 12, eTag: o.etag ?? 'abc123', sequencer: o.sequencer },
    },
  };
}

function side(label: string, backend: string, prefix: string, hops: Partial<Record<keyof ReturnType<typeof emptyHops>, JsonObject[]>>, status: Side['status'] = 'passed'): Side {
  return {
    backend,
    label,
    status,
    hops: normaliseObservations({ hops: { ...emptyHops(), ...hops }, unobservable: {} }, { prefix, accountId: '000000000000' }),
  };
}

const none: Allowlist = { source: 'test', entries: [] };

describe('normalisation', () => {
  it('makes records equal that differ only in ids, times, prefixes, accounts and endpoints', () => {
    const a = side('embedded', 'embedded', 'seh-a-111111', {
      notification: [s3Record({ prefix: 'seh-a-111111', requestId: 'REQ1AAAA', sequencer: '0001', time: '2026-01-01T00:00:00.000Z' })],
      alert: [{ subject: 'x', attributes: {}, message: { sourceQueue: 'arn:aws:sqs:us-east-1:000000000000:seh-a-111111-events-dlq', messageId: '6f1c1a52-3b9e-4a54-9d1c-2b7e3c1d9f00', key: 'data/a.csv' } }],
      dlq: [{ queue: 'events-dlq', seenAs: 'message', messageId: 'm-1111111', body: 'see http://127.0.0.1:4566/000000000000/seh-a-111111-events' }],
    });
    const b = side('localstack', 'localstack', 'seh-a-222222', {
      notification: [s3Record({ prefix: 'seh-a-222222', requestId: 'ZZZZ9999', sequencer: '0055AED6DCD90281E5', time: '2026-03-04T05:06:07Z' })],
      alert: [{ subject: 'x', attributes: {}, message: { sourceQueue: 'arn:aws:sqs:us-east-1:123456789012:seh-a-222222-events-dlq', messageId: '0a1b2c3d-0000-4000-8000-000000000001', key: 'data/a.csv' } }],
      dlq: [{ queue: 'events-dlq', seenAs: 'message', messageId: 'm-2222222', body: 'see http://sqs.us-east-1.localhost.localstack.cloud:4566/123456789012/seh-a-222222-events' }],
    });
    expect(compareSides('s', a, b, none)).toEqual({ divergences: [], notes: [] });
    expect(b.hops!.notification[0]!.record).toMatchObject({
      eventTime: '<time>',
      s3: { bucket: { arn: 'arn:aws:s3:::<prefix>-data' }, object: { sequencer: '<sequencer:1>' } },
      responseElements: { 'x-amz-request-id': '<requestId:1>', 'x-amz-id-2': '<hostId:1>' },
    });
    expect(b.hops!.alert[0]!.record).toMatchObject({ message: { sourceQueue: 'arn:aws:sqs:us-east-1:<account>:<prefix>-events-dlq', messageId: '<messageId:1>' } });
    expect(b.hops!.dlq[0]!.record.body).toBe('see <endpoint>/<account>/<prefix>-events');
  });

  it('replaces an id wherever it appears, so version ids in log lines and report keys compare', () => {
    const hops = (prefix: string, v: string) => ({
      report: [{ reportIn: 'data', reportKey: `reports/data/a.csv@${encodeURIComponent(v)}.json`, bucket: `${prefix}-data`, key: 'data/a.csv', versionId: v, rows: 1 }],
      invocation: [{ function: 'processor', level: 'info', msg: 'processed', object: `s3://${prefix}-data/data/a.csv?versionId=${v}`, report: `reports/data/a.csv@${encodeURIComponent(v)}.json`, rows: 1 }],
    });
    const a = side('a', 'embedded', 'seh-v-aaaaaa', hops('seh-v-aaaaaa', 'Abc.123+/xyz'));
    const b = side('b', 'endpoint', 'seh-v-bbbbbb', hops('seh-v-bbbbbb', 'QQQQQQQQ'));
    expect(compareSides('s', a, b, none).divergences).toEqual([]);
    expect(a.hops!.invocation[0]!.record).toMatchObject({ object: 's3://<prefix>-data/data/a.csv?versionId=<versionId:1>', report: 'reports/data/a.csv@<versionId:1>.json' });
  });

  it('folds duplicates (at-least-once delivery) into one record with a count, which is not compared', () => {
    const entry = (id: string) => ({ function: 'processor', level: 'info', msg: 'processed', object: 's3://p-data/data/a.csv', messageId: id, rows: 3 });
    const a = side('a', 'embedded', 'p', { invocation: [entry('msg-000001'), entry('msg-000002')] });
    const b = side('b', 'endpoint', 'p', { invocation: [entry('msg-000009')] });
    expect(a.hops!.invocation).toHaveLength(1);
    expect(a.hops!.invocation[0]!.count).toBe(2);
    expect(compareSides('s', a, b, none).divergences).toEqual([]);
  });
});

describe('comparison', () => {
  // Two objects' events: AWS and the emulator give each its own sequencer; LocalStack one constant.
  const events = (prefix: string, sequencers: [string, string]) => ({
    notification: [
      s3Record({ prefix, requestId: 'R1xxxxxx', sequencer: sequencers[0], time: '2026-01-01T00:00:00Z', key: 'data/a.csv' }),
      s3Record({ prefix, requestId: 'R2xxxxxx', sequencer: sequencers[1], time: '2026-01-01T00:00:01Z', key: 'data/b.csv' }),
    ],
  });
  const embedded = side('embedded', 'embedded', 'seh-e-000001', events('seh-e-000001', ['00A1', '00A2']));
  const localstack = side('localstack', 'localstack', 'seh-e-000002', events('seh-e-000002', ['0055AED6DCD90281E5', '0055AED6DCD90281E5']));

  it('reports a normalised field that differs as a divergence: hop, record, path, both values', () => {
    const { divergences } = compareSides('two objects', embedded, localstack, none);
    expect(divergences).toHaveLength(1);
    expect(divergences[0]).toMatchObject({
      scenario: 'two objects',
      hop: 'notification',
      kind: 'fields',
      between: ['embedded', 'localstack'],
      match: 'events ObjectCreated:Put <prefix>-data/data/b.csv',
      differences: [{ path: 's3.object.sequencer', left: '<sequencer:2>', right: '<sequencer:1>' }],
      allowed: false,
    });
    const table = sideBySide(divergences[0]!).join('\n');
    expect(table).toContain('| field | embedded | localstack | |');
    expect(table).toContain('| s3.object.sequencer | `"<sequencer:2>"` | `"<sequencer:1>"` | ≠ |');
    expect(table).toContain('| s3.object.key | `"data/b.csv"` | `"data/b.csv"` |  |');
  });

  it('does not fail on a divergence the allowlist covers, for the backends it names only', () => {
    const allow: Allowlist = loadAllowlist(require.resolve('../../parity-allowlist.json'), { required: true });
    const allowed = compareSides('two objects', embedded, localstack, allow).divergences;
    expect(allowed).toHaveLength(1);
    expect(allowed[0]).toMatchObject({ allowed: true, allowedBy: ['localstack-constant-sequencer'], differences: [{ path: 's3.object.sequencer', allowedBy: ['localstack-constant-sequencer'] }] });
    // The same difference from another backend is not covered by a LocalStack entry…
    const other = { ...localstack, backend: 'endpoint', label: 'endpoint', flavour: flavourOf('endpoint', 'endpoint at https://127.0.0.1:9297') };
    expect(compareSides('two objects', embedded, other, allow).divergences[0]).toMatchObject({ allowed: false, allowedBy: [] });
    // …but an endpoint that answers as LocalStack (the compose sandbox) is LocalStack.
    const sandbox = { ...other, flavour: flavourOf('endpoint', 'LocalStack 4.14.0 at http://127.0.0.1:4566') };
    expect(sandbox.flavour).toBe('localstack');
    expect(compareSides('two objects', embedded, sandbox, allow).divergences[0]).toMatchObject({ allowed: true, allowedBy: ['localstack-constant-sequencer'] });
  });

  it('reports a record seen on one side only, and a passed/failed difference as the outcome', () => {
    const report = (rows: number) => ({ reportIn: 'data', reportKey: 'reports/data/a.csv.json', key: 'data/a.csv', rows });
    const a = side('a', 'embedded', 'p', { report: [report(1)] });
    const b = side('b', 'endpoint', 'p', {}, 'failed');
    const { divergences } = compareSides('s', a, b, none);
    expect(divergences.map((d) => [d.hop, d.kind])).toEqual([
      ['report', 'missing'],
      ['outcome', 'status'],
    ]);
    expect(divergences[0]).toMatchObject({ match: 'data reports/data/a.csv.json', left: report(1), right: null });
    expect(firstDivergence(divergences)!.hop).toBe('report');
  });

  it('puts the first divergence the allowlist does not cover first, in hop order', () => {
    const a = side('a', 'embedded', 'p', { report: [{ reportIn: 'data', reportKey: 'k', rows: 1 }], notification: [{ via: 'events', Event: 's3:TestEvent', Service: 'Amazon S3' }] });
    const b = side('b', 'endpoint', 'p', { report: [{ reportIn: 'data', reportKey: 'k', rows: 2 }], notification: [{ via: 'events', Event: 's3:TestEvent', Service: 'S3' }] });
    const allowNotification: Allowlist = { source: 't', entries: [{ id: 'n', hop: 'notification', reason: 'a test entry, explained' }] };
    expect(firstDivergence(compareSides('s', a, b, none).divergences)!.hop).toBe('notification');
    expect(firstDivergence(compareSides('s', a, b, allowNotification).divergences)!.hop).toBe('report');
  });

  it('does not compare a hop that could not be read, and says so', () => {
    const a = side('a', 'embedded', 'p', { report: [{ reportIn: 'data', reportKey: 'k', rows: 1 }] });
    const b: Side = { ...side('b', 'endpoint', 'p', {}), unobservable: { report: 'AccessDenied' } };
    expect(compareSides('s', a, b, none)).toEqual({ divergences: [], notes: ['report: not compared (could not be read: AccessDenied)'] });
  });
});

describe('allowlist', () => {
  it('needs an id, a known hop and a reason for every entry', () => {
    expect(() => checkEntries({ entries: [{ id: 'x', hop: 'notification' }] })).toThrow(/needs a "reason"/);
    expect(() => checkEntries({ entries: [{ id: 'x', hop: 'somewhere', reason: 'because of reasons' }] })).toThrow(AllowlistError);
    expect(() => checkEntries({ entries: [{ hop: 'alert', reason: 'because of reasons' }] })).toThrow(/needs an "id"/);
    expect(() => checkEntries([])).toThrow(/expected \{"entries"/);
  });

  it('the checked-in parity-allowlist.json is valid and explains every entry', () => {
    const list = loadAllowlist(require.resolve('../../parity-allowlist.json'), { required: true });
    expect(list.entries.length).toBeGreaterThan(0);
    for (const e of list.entries) expect(e.reason.length).toBeGreaterThan(40);
  });

  it('matches field paths and match keys by glob', () => {
    expect(globMatch('s3.object.sequencer', 's3.object.sequencer', '.')).toBe(true);
    expect(globMatch('**.sequencer', 's3.object.sequencer', '.')).toBe(true);
    expect(globMatch('s3.*.sequencer', 's3.object.sequencer', '.')).toBe(true);
    expect(globMatch('s3.*.sequencer', 's3.sequencer', '.')).toBe(false);
    expect(globMatch('responseElements.x-amz-*', 'responseElements.x-amz-id-2', '.')).toBe(true);
    expect(globMatch('processor processed s3://*/data/*.csv', 'processor processed s3://<prefix>-data/data/a.csv', ' ')).toBe(true);
  });
});

describe('the parity command line', () => {
  it('takes two or more backends, endpoint with an optional URL', () => {
    expect(parseBackendList('embedded,localstack')).toEqual([
      { name: 'embedded', label: 'embedded' },
      { name: 'localstack', label: 'localstack' },
    ]);
    expect(parseBackendList('embedded, endpoint=https://127.0.0.1:9297,endpoint')).toEqual([
      { name: 'embedded', label: 'embedded' },
      { name: 'endpoint', url: 'https://127.0.0.1:9297', label: 'endpoint' },
      { name: 'endpoint', label: 'endpoint#2' },
    ]);
    expect(() => parseBackendList('embedded')).toThrow(/two or more/);
    expect(() => parseBackendList('embedded,docker')).toThrow(/unknown backend "docker"/);
    expect(() => parseBackendList('embedded,localstack=http://x')).toThrow(/only endpoint takes a URL/);
  });

  it('is a usage error (exit 2) with one backend, and has --help', async () => {
    let text = '';
    const io = { out: (l: string) => (text += `${l}\n`), err: (l: string) => (text += `${l}\n`) };
    const saved = process.exitCode;
    await main(['parity', '--backends', 'embedded'], io);
    expect(process.exitCode).toBe(2);
    expect(text).toContain('two or more backends');
    text = '';
    await main(['parity', '--help'], io);
    expect(process.exitCode).toBe(0);
    expect(text).toContain('--backends LIST');
    expect(text).toContain('--ca-file FILE');
    process.exitCode = saved;
  });

  it('prints the table and the first divergence side by side', () => {
    const text = renderText({
      kind: 's3-event-harness parity report',
      version: 1,
      generatedAt: 'now',
      seed: 1,
      baseline: 'embedded',
      backends: [
        { label: 'embedded', backend: 'embedded', description: 'e' },
        { label: 'localstack', backend: 'localstack', description: 'l' },
      ],
      allowlist: { source: 't', entries: 0, used: [], unused: [] },
      summary: { scenarios: 1, same: 0, allowedOnly: 0, divergent: 1, skipped: 0 },
      passed: false,
      scenarios: [
        {
          name: 'two objects',
          results: { embedded: { status: 'passed', ms: 1 }, localstack: { status: 'passed', ms: 1 } },
          observations: {},
          divergences: compareSides('two objects', embeddedSide(), localstackSide(), none).divergences,
          firstDivergence: compareSides('two objects', embeddedSide(), localstackSide(), none).divergences[0]!,
          notes: [],
        },
      ],
    });
    expect(text).toMatch(/two objects\s+✓ passed\s+✓ passed\s+DIVERGES at notification/);
    expect(text).toContain('✗ two objects: first divergence at notification — `events ObjectCreated:Put <prefix>-data/data/b.csv`: s3.object.sequencer differ');
    expect(text).toContain('parity: divergences outside the allowlist');
  });
});

function embeddedSide(): Side {
  return side('embedded', 'embedded', 'p1', { notification: [s3Record({ prefix: 'p1', requestId: 'R1xxxxxx', sequencer: 'A1', time: 't', key: 'data/a.csv' }), s3Record({ prefix: 'p1', requestId: 'R2xxxxxx', sequencer: 'A2', time: 't', key: 'data/b.csv' })] });
}
function localstackSide(): Side {
  return side('localstack', 'localstack', 'p2', { notification: [s3Record({ prefix: 'p2', requestId: 'R1xxxxxx', sequencer: 'C', time: 't', key: 'data/a.csv' }), s3Record({ prefix: 'p2', requestId: 'R2xxxxxx', sequencer: 'C', time: 't', key: 'data/b.csv' })] });
}
