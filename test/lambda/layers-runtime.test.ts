import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  AddLayerVersionPermissionCommand,
  CreateFunctionCommand,
  DeleteFunctionCommand,
  DeleteLayerVersionCommand,
  GetFunctionConfigurationCommand,
  GetLayerVersionCommand,
  GetLayerVersionPolicyCommand,
  InvokeCommand,
  LambdaClient,
  ListLayerVersionsCommand,
  PublishLayerVersionCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { clientConfig, useEmulator, usePersistentEmulator } from '../helpers/emulator';
import { deployNode, json, lambdaClient, makeZip, rejection, ROLE, uniqueName } from './helpers';

/** Layers at run time: unpacked in order into the folder that plays /opt, found through Lambda's own variables. */

const emulator = useEmulator({ timeScale: 0.001 });
let client: LambdaClient | undefined;
const lambda = () => (client ??= lambdaClient(emulator()));
afterAll(() => client?.destroy());

async function publish(files: Parameters<typeof makeZip>[0], c: LambdaClient = lambda()): Promise<string> {
  const out = await c.send(new PublishLayerVersionCommand({ LayerName: uniqueName('rt-layer'), Content: { ZipFile: makeZip(files) } }));
  return out.LayerVersionArn!;
}

async function invoke(name: string, qualifier?: string, c: LambdaClient = lambda()): Promise<any> {
  const out = await c.send(new InvokeCommand({ FunctionName: name, Qualifier: qualifier }));
  if (out.FunctionError) throw new Error(`${name} failed: ${Buffer.from(out.Payload ?? []).toString()}`);
  return json(out.Payload);
}

const GREETING = "exports.handler = async () => require('greeting');";

// Built once: each zip costs a child process.
let layerA: string;
let layerB: string;
beforeAll(async () => {
  layerA = await publish([
    { name: 'nodejs/node_modules/greeting/index.js', content: "module.exports = 'hello from A';" },
    { name: 'nodejs/node_modules/only-a/index.js', content: "module.exports = 'only in A';" },
    { name: 'config.json', content: '{"from":"A"}' },
    { name: 'bin/layer-tool', content: '#!/bin/sh\necho tool from A\n', mode: 0o755 },
  ]);
  layerB = await publish({ 'nodejs/node_modules/greeting/index.js': "module.exports = 'hello from B';", 'config.json': '{"from":"B"}' });
});

describe('a Node function with layers', () => {
  it('requires a module only a layer provides, and sees /opt through NODE_PATH, PATH, LD_LIBRARY_PATH and LAMBDA_OPT_DIR', async () => {
    const name = uniqueName('node-layer');
    await deployNode(
      lambda(),
      name,
      `const fs = require('fs');
       const path = require('path');
       exports.handler = async () => ({
         greeting: require('greeting'),
         opt: process.env.LAMBDA_OPT_DIR,
         config: JSON.parse(fs.readFileSync(path.join(process.env.LAMBDA_OPT_DIR, 'config.json'), 'utf8')),
         nodePath: process.env.NODE_PATH.split(path.delimiter),
         path: process.env.PATH.split(path.delimiter),
         ld: process.env.LD_LIBRARY_PATH,
         tool: require('child_process').execFileSync('layer-tool').toString().trim(),
       });`,
      { Layers: [layerA] },
    );
    const out = await invoke(name);
    const opt: string = out.opt;
    expect(path.basename(opt)).toMatch(new RegExp(`^lambda-opt-${process.pid}-`));
    expect(out).toMatchObject({ greeting: 'hello from A', config: { from: 'A' }, ld: path.join(opt, 'lib'), tool: 'tool from A' });
    // Lambda's order: the runtime's own major first, then nodejs/node_modules, then what the runtime provides.
    expect(out.nodePath.slice(0, 2)).toEqual([path.join(opt, 'nodejs', 'node20', 'node_modules'), path.join(opt, 'nodejs', 'node_modules')]);
    expect(out.nodePath.length).toBeGreaterThan(2);
    expect(out.path.at(-1)).toBe(path.join(opt, 'bin'));
  });

  it("unpacks layers in order: a later layer's files replace an earlier one's", async () => {
    const source = "exports.handler = async () => ({ greeting: require('greeting'), onlyA: require('only-a'), config: require(process.env.LAMBDA_OPT_DIR + '/config.json') });";
    const ab = uniqueName('ab');
    const ba = uniqueName('ba');
    await deployNode(lambda(), ab, source, { Layers: [layerA, layerB] });
    await deployNode(lambda(), ba, source, { Layers: [layerB, layerA] });
    expect(await invoke(ab)).toEqual({ greeting: 'hello from B', onlyA: 'only in A', config: { from: 'B' } });
    expect(await invoke(ba)).toEqual({ greeting: 'hello from A', onlyA: 'only in A', config: { from: 'A' } });
  });

  it("prefers nodejs/nodeNN/node_modules of the function's runtime to nodejs/node_modules", async () => {
    const layer = await publish({
      'nodejs/node20/node_modules/pick/index.js': "module.exports = 'node20';",
      'nodejs/node_modules/pick/index.js': "module.exports = 'any node';",
    });
    const source = "exports.handler = async () => require('pick');";
    const on20 = uniqueName('pick20');
    const on22 = uniqueName('pick22');
    await deployNode(lambda(), on20, source, { Layers: [layer] });
    await deployNode(lambda(), on22, source, { Layers: [layer], Runtime: 'nodejs22.x' });
    expect(await invoke(on20)).toBe('node20');
    expect(await invoke(on22)).toBe('any node');
  });

  it('new Layers reach the next invocation; a published version keeps its own, even once the layer version is deleted', async () => {
    const name = uniqueName('switch');
    await deployNode(lambda(), name, GREETING, { Layers: [layerA], Publish: true });
    expect(await invoke(name)).toBe('hello from A');
    await lambda().send(new UpdateFunctionConfigurationCommand({ FunctionName: name, Layers: [layerB] }));
    expect(await invoke(name)).toBe('hello from B');

    // Version 1 has never run: its first environment unpacks the copy the function kept of layer A.
    const scratchA = await publish({ 'nodejs/node_modules/greeting/index.js': "module.exports = 'kept copy';" });
    const pinned = uniqueName('pinned');
    await deployNode(lambda(), pinned, GREETING, { Layers: [scratchA], Publish: true });
    const at = scratchA.lastIndexOf(':');
    await lambda().send(new DeleteLayerVersionCommand({ LayerName: scratchA.slice(0, at), VersionNumber: Number(scratchA.slice(at + 1)) }));
    expect(await invoke(pinned, '1')).toBe('kept copy');
    expect(await invoke(pinned)).toBe('kept copy');
  });

  it('removes the folder playing /opt with the function', async () => {
    const name = uniqueName('cleanup');
    await deployNode(lambda(), name, 'exports.handler = async () => process.env.LAMBDA_OPT_DIR;', { Layers: [layerA] });
    const opt: string = await invoke(name);
    expect(fs.existsSync(path.join(opt, 'config.json'))).toBe(true);
    await lambda().send(new DeleteFunctionCommand({ FunctionName: name }));
    expect(fs.existsSync(opt)).toBe(false);
  });

  it('fails the invocation, saying why, when two layers cannot be unpacked together', async () => {
    const file = await publish({ 'nodejs/clash': 'a file' });
    const folder = await publish({ 'nodejs/clash/index.js': 'a folder' });
    const name = uniqueName('clash');
    await deployNode(lambda(), name, GREETING, { Layers: [file, folder] });
    const e = await rejection(lambda().send(new InvokeCommand({ FunctionName: name })));
    expect(e.name).toBe('InvalidParameterValueException');
    expect(e.message).toMatch(/^The function's layers could not be unpacked into \/opt: .*nodejs\/clash\/index\.js/);
  });
});

describe('a Python function with layers', () => {
  const python = (() => {
    try {
      return execFileSync('python3', ['-c', 'import sys; print(sys.version_info[0])']).toString().trim() === '3';
    } catch {
      return false;
    }
  })();
  if (!python) console.log('python3 is not on PATH: skipping the Python layer test');
  (python ? it : it.skip)('imports from python/ and python/lib/python3.x/site-packages, site-packages first', async () => {
    const layer = await publish({
      'python/helper.py': 'VALUE = "from python/"\n',
      'python/lib/python3.12/site-packages/sitepkg/__init__.py': 'NAME = "from site-packages"\n',
    });
    const name = uniqueName('py-layer');
    await lambda().send(
      new CreateFunctionCommand({
        FunctionName: name,
        Runtime: 'python3.12',
        Handler: 'app.handler',
        Role: ROLE,
        Layers: [layer],
        Code: {
          ZipFile: makeZip({
            'app.py': [
              'import os, sys, helper, sitepkg',
              'def handler(event, context):',
              '    opt = os.environ["LAMBDA_OPT_DIR"]',
              '    return {"helper": helper.VALUE, "site": sitepkg.NAME, "path": [p for p in sys.path if p.startswith(opt)], "opt": opt}',
            ].join('\n'),
          }),
        },
      }),
    );
    const out = await invoke(name);
    expect(out).toMatchObject({ helper: 'from python/', site: 'from site-packages' });
    expect(out.path).toEqual([path.join(out.opt, 'python', 'lib', 'python3.12', 'site-packages'), path.join(out.opt, 'python')]);
  });
});

describe('with dataDir', () => {
  const { emulator: persistent, restart } = usePersistentEmulator('persist-layers');

  it('layers, their numbering and policies, and the functions using them survive a restart', async () => {
    let c = new LambdaClient({ ...clientConfig(persistent()), maxAttempts: 1 });
    try {
      const zip = makeZip({ 'nodejs/node_modules/greeting/index.js': "module.exports = 'survived';" });
      const first = await c.send(new PublishLayerVersionCommand({ LayerName: 'kept-layer', Content: { ZipFile: zip }, CompatibleRuntimes: ['nodejs20.x'] }));
      await c.send(new PublishLayerVersionCommand({ LayerName: 'kept-layer', Content: { ZipFile: zip } }));
      await c.send(new DeleteLayerVersionCommand({ LayerName: 'kept-layer', VersionNumber: 2 }));
      await c.send(new AddLayerVersionPermissionCommand({ LayerName: 'kept-layer', VersionNumber: 1, StatementId: 'all', Action: 'lambda:GetLayerVersion', Principal: '*' }));
      await deployNode(c, 'kept-fn', "exports.handler = async () => ({ greeting: require('greeting'), opt: process.env.LAMBDA_OPT_DIR });", { Layers: [first.LayerVersionArn!] });
      const before = await invoke('kept-fn', undefined, c);
      expect(before.greeting).toBe('survived');
      c.destroy();

      c = new LambdaClient({ ...clientConfig(await restart()), maxAttempts: 1 });
      // The stopped emulator removed the folder it unpacked the layer into.
      expect(fs.existsSync(before.opt)).toBe(false);
      expect((await c.send(new ListLayerVersionsCommand({ LayerName: 'kept-layer' }))).LayerVersions!.map((v) => v.Version)).toEqual([1]);
      const again = await c.send(new GetLayerVersionCommand({ LayerName: 'kept-layer', VersionNumber: 1 }));
      expect(again).toMatchObject({ Content: first.Content, CreatedDate: first.CreatedDate, CompatibleRuntimes: ['nodejs20.x'] });
      expect(JSON.parse((await c.send(new GetLayerVersionPolicyCommand({ LayerName: 'kept-layer', VersionNumber: 1 }))).Policy!).Statement[0].Sid).toBe('all');
      expect((await c.send(new GetFunctionConfigurationCommand({ FunctionName: 'kept-fn' }))).Layers).toEqual([{ Arn: first.LayerVersionArn, CodeSize: zip.length }]);
      expect((await invoke('kept-fn', undefined, c)).greeting).toBe('survived');
      // Numbers are never reused, across a restart too.
      expect((await c.send(new PublishLayerVersionCommand({ LayerName: 'kept-layer', Content: { ZipFile: zip } }))).Version).toBe(3);
    } finally {
      c.destroy();
    }
  });
});
