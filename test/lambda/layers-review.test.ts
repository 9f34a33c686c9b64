import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  DeleteLayerVersionCommand,
  GetFunctionConfigurationCommand,
  InvokeCommand,
  LambdaClient,
  PublishLayerVersionCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { startEmulator, type RunningEmulator } from '../../emulator';
import { waitFor } from '../../harness/wait';
import { useEmulator } from '../helpers/emulator';
import { deployNode, json, lambdaClient, makeZip, uniqueName } from './helpers';

/** Review of layers: what a function's /opt folders and a dataDir restart do with layer archives. */

describe('the folder playing /opt when a function changes its layers', () => {
  const emulator = useEmulator({ timeScale: 0.001 });
  let client: LambdaClient | undefined;
  afterAll(() => client?.destroy());

  it('goes once no environment uses it, instead of staying until the function is deleted', async () => {
    const c = (client = lambdaClient(emulator()));
    const publish = async (text: string) =>
      (await c.send(new PublishLayerVersionCommand({ LayerName: uniqueName('swap'), Content: { ZipFile: makeZip({ 'nodejs/node_modules/which/index.js': text }) } }))).LayerVersionArn!;
    const [a, b] = [await publish("module.exports = 'A';"), await publish("module.exports = 'B';")];
    const name = uniqueName('swapper');
    await deployNode(c, name, "exports.handler = async () => [require('which'), process.env.LAMBDA_OPT_DIR];", { Layers: [a] });
    const invoke = async () => json((await c.send(new InvokeCommand({ FunctionName: name }))).Payload) as [string, string];
    const settled = () => waitFor(async () => (await c.send(new GetFunctionConfigurationCommand({ FunctionName: name }))).LastUpdateStatus === 'Successful');

    const [fromA, optA] = await invoke();
    await c.send(new UpdateFunctionConfigurationCommand({ FunctionName: name, Layers: [b] }));
    await settled();
    const [fromB, optB] = await invoke();
    expect([fromA, fromB]).toEqual(['A', 'B']);
    expect(optB).not.toBe(optA);
    await waitFor(() => !fs.existsSync(optA), { what: `${optA} removed` });
    // The current one stays for the next environment, and back on A a fresh folder serves it.
    expect(fs.existsSync(optB)).toBe(true);
    await c.send(new UpdateFunctionConfigurationCommand({ FunctionName: name, Layers: [a] }));
    await settled();
    expect((await invoke())[0]).toBe('A');
    await waitFor(() => !fs.existsSync(optB), { what: `${optB} removed` });
  });
});

describe('PublishLayerVersion validation', () => {
  const emulator = useEmulator();
  let client: LambdaClient | undefined;
  afterAll(() => client?.destroy());

  it("words an unknown compatible runtime as AWS does: the enum constraint directly, the architectures' nested", async () => {
    const c = (client = lambdaClient(emulator()));
    const send = (extra: object) =>
      c.send(new PublishLayerVersionCommand({ LayerName: uniqueName('words'), Content: { ZipFile: Buffer.from('PK') }, ...extra })).then(
        () => undefined,
        (e: Error) => e.message,
      );
    expect(await send({ CompatibleRuntimes: ['nodejs20.x', 'cobol85'] })).toMatch(
      /^1 validation error detected: Value '\[nodejs20\.x, cobol85\]' at 'compatibleRuntimes' failed to satisfy constraint: Member must satisfy enum value set: \[[^\]]*nodejs20\.x/,
    );
    expect(await send({ CompatibleArchitectures: ['sparc'] })).toBe(
      "1 validation error detected: Value '[sparc]' at 'compatibleArchitectures' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [x86_64, arm64]]",
    );
  });
});

describe('layer archives with dataDir', () => {
  let dir: string;
  let emu: RunningEmulator | undefined;
  let client: LambdaClient | undefined;
  const start = async () => {
    client?.destroy();
    await emu?.stop();
    emu = await startEmulator({ port: 0, log: () => {}, dataDir: dir, timeScale: 0.001 });
    return (client = lambdaClient(emu));
  };
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'layers-review-'));
  });
  afterAll(async () => {
    client?.destroy();
    await emu?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** How many stored blobs hold exactly these bytes. */
  const copiesOf = (bytes: Buffer): number => {
    const blobs = path.join(dir, 'state', 'blobs');
    return fs.readdirSync(blobs).filter((f) => fs.readFileSync(path.join(blobs, f)).equals(bytes)).length;
  };

  it('are stored and held once, not once per function and version using them, and still run after the layer version is deleted', async () => {
    let c = await start();
    // Random text: the archives stay over the inline limit, so each distinct buffer becomes a blob file.
    const kept = makeZip({ 'nodejs/node_modules/kept/index.js': `module.exports = 'kept'; // ${randomBytes(150_000).toString('base64')}` });
    const gone = makeZip({ 'nodejs/node_modules/gone/index.js': `module.exports = 'gone'; // ${randomBytes(150_000).toString('base64')}` });
    const a = await c.send(new PublishLayerVersionCommand({ LayerName: 'review-kept', Content: { ZipFile: kept } }));
    const b = await c.send(new PublishLayerVersionCommand({ LayerName: 'review-gone', Content: { ZipFile: gone } }));
    const source = "exports.handler = async () => [require('kept'), require('gone')];";
    await deployNode(c, 'review-one', source, { Layers: [a.LayerVersionArn!, b.LayerVersionArn!], Publish: true });
    await deployNode(c, 'review-two', source, { Layers: [a.LayerVersionArn!, b.LayerVersionArn!] });
    await c.send(new DeleteLayerVersionCommand({ LayerName: 'review-gone', VersionNumber: 1 }));

    c = await start();
    expect([copiesOf(kept), copiesOf(gone)]).toEqual([1, 1]);
    for (const [name, qualifier] of [['review-one', '1'], ['review-one', undefined], ['review-two', undefined]] as const) {
      const out = await c.send(new InvokeCommand({ FunctionName: name, Qualifier: qualifier }));
      expect([out.FunctionError, json(out.Payload)]).toEqual([undefined, ['kept', 'gone']]);
    }
    // And again: a second restart neither loses the deleted version's content nor multiplies it.
    c = await start();
    expect([copiesOf(kept), copiesOf(gone)]).toEqual([1, 1]);
    expect(json((await c.send(new InvokeCommand({ FunctionName: 'review-two' }))).Payload)).toEqual(['kept', 'gone']);
  });
});
