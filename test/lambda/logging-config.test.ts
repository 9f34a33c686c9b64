import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  InvokeCommand,
  LambdaClient,
  ListFunctionsCommand,
  PublishVersionCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionUpdatedV2,
} from '@aws-sdk/client-lambda';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { startEmulator } from '../../emulator';
import { waitFor } from '../../harness/wait';
import { clientConfig, useEmulator } from '../helpers/emulator';
import { deployNode, lambdaClient, rejection, uniqueName } from './helpers';

/** LoggingConfig through the API: validation, what Get and List show, versions, persistence, log group and format in use. */

const emulator = useEmulator({ timeScale: 0.001 });
let client: LambdaClient | undefined;
let logsClient: CloudWatchLogsClient | undefined;
const lambda = () => (client ??= lambdaClient(emulator()));
const logs = () => (logsClient ??= new CloudWatchLogsClient({ ...clientConfig(emulator()), maxAttempts: 1 }));
afterAll(() => {
  client?.destroy();
  logsClient?.destroy();
});

const HANDLER = `exports.handler = async () => { console.debug('dbg'); console.info('hello'); return process.env.AWS_LAMBDA_LOG_FORMAT ?? 'unset'; };`;
const tail = (out: { LogResult?: string }) => Buffer.from(out.LogResult ?? '', 'base64').toString('utf8');
const settled = (name: string) => waitUntilFunctionUpdatedV2({ client: lambda(), maxWaitTime: 30 }, { FunctionName: name });

describe('validation', () => {
  it('refuses log levels with the Text format, as Lambda does', async () => {
    const e = await rejection(deployNode(lambda(), uniqueName('lvl-text'), HANDLER, { LoggingConfig: { LogFormat: 'Text', ApplicationLogLevel: 'DEBUG' } }));
    expect(e.name).toBe('InvalidParameterValueException');
    expect(e.$metadata.httpStatusCode).toBe(400);
    expect(e.message).toBe('LogLevel is not supported when LogFormat is set to "Text". Remove LogLevel from your request or change the LogFormat to "Json" and try again.');
    // Without a format, a new function is Text: a level alone is refused too.
    const alone = await rejection(deployNode(lambda(), uniqueName('lvl-alone'), HANDLER, { LoggingConfig: { SystemLogLevel: 'WARN' } }));
    expect(alone.name).toBe('InvalidParameterValueException');
  });

  it('refuses a log group name outside [\\.\\-_/#A-Za-z0-9]+ and unknown enum values (ValidationException)', async () => {
    const bad = await rejection(deployNode(lambda(), uniqueName('bad-group'), HANDLER, { LoggingConfig: { LogGroup: 'my group!' } }));
    expect(bad.name).toBe('ValidationException');
    expect(bad.$metadata.httpStatusCode).toBe(400);
    expect(bad.message).toContain("Value 'my group!' at 'loggingConfig.logGroup' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+");
    const long = await rejection(deployNode(lambda(), uniqueName('long-group'), HANDLER, { LoggingConfig: { LogGroup: 'g'.repeat(513) } }));
    expect(long.message).toContain('Member must have length less than or equal to 512');
    const level = await rejection(deployNode(lambda(), uniqueName('bad-level'), HANDLER, { LoggingConfig: { LogFormat: 'JSON', SystemLogLevel: 'ERROR' as 'WARN' } }));
    expect(level.name).toBe('ValidationException');
    expect(level.message).toContain("at 'loggingConfig.systemLogLevel' failed to satisfy constraint: Member must satisfy enum value set: [DEBUG, INFO, WARN]");
  });
});

describe('what the API reports', () => {
  it('JSON without levels reports INFO for both; updates merge; Text drops the levels; versions keep theirs', async () => {
    const name = uniqueName('cfg');
    await deployNode(lambda(), name, HANDLER, { LoggingConfig: { LogFormat: 'JSON' } });
    const created = await lambda().send(new GetFunctionCommand({ FunctionName: name }));
    expect(created.Configuration!.LoggingConfig).toEqual({ LogFormat: 'JSON', ApplicationLogLevel: 'INFO', SystemLogLevel: 'INFO', LogGroup: `/aws/lambda/${name}` });

    await settled(name);
    const updated = await lambda().send(new UpdateFunctionConfigurationCommand({ FunctionName: name, LoggingConfig: { ApplicationLogLevel: 'DEBUG', LogGroup: 'team/app' } }));
    expect(updated.LoggingConfig).toEqual({ LogFormat: 'JSON', ApplicationLogLevel: 'DEBUG', SystemLogLevel: 'INFO', LogGroup: 'team/app' });
    await settled(name);
    const v1 = await lambda().send(new PublishVersionCommand({ FunctionName: name }));
    expect(v1.LoggingConfig?.ApplicationLogLevel).toBe('DEBUG');

    await lambda().send(new UpdateFunctionConfigurationCommand({ FunctionName: name, LoggingConfig: { LogFormat: 'Text' } }));
    expect((await lambda().send(new GetFunctionConfigurationCommand({ FunctionName: name }))).LoggingConfig).toEqual({ LogFormat: 'Text', LogGroup: 'team/app' });
    const listed = (await lambda().send(new ListFunctionsCommand({}))).Functions!.find((f) => f.FunctionName === name);
    expect(listed?.LoggingConfig).toEqual({ LogFormat: 'Text', LogGroup: 'team/app' });
    const frozen = await lambda().send(new GetFunctionConfigurationCommand({ FunctionName: name, Qualifier: v1.Version }));
    expect(frozen.LoggingConfig).toEqual({ LogFormat: 'JSON', ApplicationLogLevel: 'DEBUG', SystemLogLevel: 'INFO', LogGroup: 'team/app' });
  });

  it('survives a restart with dataDir', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'persist-lambda-logging-'));
    let emu = await startEmulator({ port: 0, dataDir, timeScale: 0.001, log: () => {} });
    let c = new LambdaClient({ ...clientConfig(emu), maxAttempts: 1 });
    try {
      await deployNode(c, 'kept-logging', HANDLER, { LoggingConfig: { LogFormat: 'JSON', SystemLogLevel: 'WARN', LogGroup: 'kept/group' } });
      c.destroy();
      await emu.stop();
      emu = await startEmulator({ port: 0, dataDir, timeScale: 0.001, log: () => {} });
      c = new LambdaClient({ ...clientConfig(emu), maxAttempts: 1 });
      const again = await c.send(new GetFunctionConfigurationCommand({ FunctionName: 'kept-logging' }));
      expect(again.LoggingConfig).toEqual({ LogFormat: 'JSON', ApplicationLogLevel: 'INFO', SystemLogLevel: 'WARN', LogGroup: 'kept/group' });
    } finally {
      c.destroy();
      await emu.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('in use', () => {
  it("an update retires warm environments: the next invocation runs with the new format and level", async () => {
    const name = uniqueName('switch');
    await deployNode(lambda(), name, HANDLER);
    const text = await lambda().send(new InvokeCommand({ FunctionName: name, LogType: 'Tail' }));
    expect(Buffer.from(text.Payload!).toString()).toBe('"unset"');
    expect(tail(text)).toMatch(/\tDEBUG\tdbg\n/);
    await lambda().send(new UpdateFunctionConfigurationCommand({ FunctionName: name, LoggingConfig: { LogFormat: 'JSON', ApplicationLogLevel: 'INFO' } }));
    await settled(name);
    const structured = await lambda().send(new InvokeCommand({ FunctionName: name, LogType: 'Tail' }));
    expect(Buffer.from(structured.Payload!).toString()).toBe('"JSON"');
    const lines = tail(structured).split('\n').filter(Boolean).map((l) => JSON.parse(l));
    expect(lines.map((l) => l.type ?? l.level)).toEqual(['platform.start', 'INFO', 'platform.report']);
    expect(lines[1]).toMatchObject({ message: 'hello', requestId: structured.$metadata.requestId });
  });

  it('a custom log group gets the platform and application lines (created on first use); the default group none', async () => {
    const name = uniqueName('routed');
    const group = `/custom/${name}`;
    await deployNode(lambda(), name, HANDLER, { LoggingConfig: { LogFormat: 'JSON', LogGroup: group } });
    const before = emulator().clock.now();
    await lambda().send(new InvokeCommand({ FunctionName: name }));
    const events = await waitFor(
      async () => {
        const out = await logs().send(new FilterLogEventsCommand({ logGroupName: group, startTime: before - 1000 }));
        return out.events?.some((e) => e.message?.includes('"platform.report"')) && out.events;
      },
      { what: `platform.report in ${group}` },
    );
    const records = events.map((e) => JSON.parse(e.message!));
    expect(records.map((r) => r.type ?? r.level)).toEqual(['platform.start', 'INFO', 'platform.report']);
    expect(events[0]!.logStreamName).toMatch(new RegExp(`^\\d{4}/\\d\\d/\\d\\d/${name}\\[\\$LATEST\\][0-9a-f]{32}$`));
    const fallback = await rejection(logs().send(new FilterLogEventsCommand({ logGroupName: `/aws/lambda/${name}` })));
    expect(fallback.name).toBe('ResourceNotFoundException');
  });
});
