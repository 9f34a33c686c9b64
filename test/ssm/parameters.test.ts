import {
  AddTagsToResourceCommand,
  DeleteParameterCommand,
  DeleteParametersCommand,
  DescribeParametersCommand,
  GetParameterCommand,
  GetParameterHistoryCommand,
  GetParametersByPathCommand,
  GetParametersCommand,
  LabelParameterVersionCommand,
  ListTagsForResourceCommand,
  PutParameterCommand,
  RemoveTagsFromResourceCommand,
  SSMClient,
  UnlabelParameterVersionCommand,
  paginateGetParametersByPath,
  type ParameterStringFilter,
} from '@aws-sdk/client-ssm';
import { clientConfig, rawRequest, sigv4, useEmulator } from '../helpers/emulator';

const emulator = useEmulator();
let ssm: SSMClient;
beforeAll(() => {
  ssm = new SSMClient({ ...clientConfig(emulator()), maxAttempts: 1 });
});
afterAll(() => ssm.destroy());

/** The error a call fails with: its name, status and message. */
async function failure(p: Promise<unknown>): Promise<{ name: string; status?: number; message: string }> {
  try {
    await p;
  } catch (e: any) {
    return { name: e.name, status: e.$metadata?.httpStatusCode, message: e.message };
  }
  throw new Error('expected the call to fail, but it succeeded');
}
const put = (Name: string, Value: string, extra: Partial<ConstructorParameters<typeof PutParameterCommand>[0]> = {}) =>
  ssm.send(new PutParameterCommand({ Name, Value, Type: 'String', ...extra }));

describe('PutParameter and GetParameter', () => {
  it('creates version 1, refuses a second put without Overwrite, and counts versions with it', async () => {
    expect(await put('/app/put/db-host', 'db1')).toMatchObject({ Version: 1, Tier: 'Standard' });
    expect(await failure(put('/app/put/db-host', 'db2'))).toEqual({
      name: 'ParameterAlreadyExists',
      status: 400,
      message: 'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.',
    });
    // Type may be left out on overwrite: the previous one is kept.
    expect((await ssm.send(new PutParameterCommand({ Name: '/app/put/db-host', Value: 'db2', Overwrite: true }))).Version).toBe(2);
    expect((await put('/app/put/db-host', 'db2', { Overwrite: true })).Version).toBe(3);
    const { Parameter } = await ssm.send(new GetParameterCommand({ Name: '/app/put/db-host' }));
    expect(Parameter).toMatchObject({ Name: '/app/put/db-host', Type: 'String', Value: 'db2', Version: 3, DataType: 'text', ARN: 'arn:aws:ssm:us-east-1:000000000000:parameter/app/put/db-host' });
    expect(Parameter!.LastModifiedDate).toBeInstanceOf(Date);
  });

  it('keeps StringList values and names without a slash (ARN parameter/<name>)', async () => {
    await put('flat-list', 'a,b,c', { Type: 'StringList' });
    const { Parameter } = await ssm.send(new GetParameterCommand({ Name: 'flat-list' }));
    expect(Parameter).toMatchObject({ Type: 'StringList', Value: 'a,b,c', ARN: 'arn:aws:ssm:us-east-1:000000000000:parameter/flat-list' });
    // A parameter may also be named by its ARN.
    expect((await ssm.send(new GetParameterCommand({ Name: Parameter!.ARN }))).Parameter!.Value).toBe('a,b,c');
  });

  it('reads a top-level parameter as name or /name, answering with the name asked for (as AWS does)', async () => {
    await put('root-level', 'r1');
    await put('/slashed-root', 's1');
    for (const [asked, value] of [
      ['/root-level', 'r1'],
      ['slashed-root', 's1'],
    ]) {
      expect((await ssm.send(new GetParameterCommand({ Name: asked }))).Parameter).toMatchObject({ Name: asked, Value: value });
      expect((await ssm.send(new GetParametersCommand({ Names: [asked] }))).Parameters!.map((p) => [p.Name, p.Value])).toEqual([[asked, value]]);
    }
  });

  it('refuses a malformed hierarchy in GetParameter (doubled or missing leading slash) with a ValidationException', async () => {
    await put('/hier/b/c', 'x');
    for (const name of ['/hier//b//c', 'hier/b/c']) {
      const e = await failure(ssm.send(new GetParameterCommand({ Name: name })));
      expect(e).toMatchObject({ name: 'ValidationException', status: 400 });
      expect(e.message).toContain('sub-paths divided by slash symbol');
    }
  });

  it('returns SecureString values decrypted only when asked, else the kms:<key>:<value> placeholder moto and LocalStack answer', async () => {
    await put('/app/secure/password', 'hunter2', { Type: 'SecureString' });
    await put('/app/secure/token', 'tok', { Type: 'SecureString', KeyId: 'alias/custom' });
    expect((await ssm.send(new GetParameterCommand({ Name: '/app/secure/password', WithDecryption: true }))).Parameter!.Value).toBe('hunter2');
    expect((await ssm.send(new GetParameterCommand({ Name: '/app/secure/password' }))).Parameter!.Value).toBe('kms:alias/aws/ssm:hunter2');
    expect((await ssm.send(new GetParameterCommand({ Name: '/app/secure/token', WithDecryption: false }))).Parameter!.Value).toBe('kms:alias/custom:tok');
    expect(await failure(put('/app/secure/plain', 'x', { KeyId: 'alias/custom' }))).toMatchObject({ name: 'ValidationException', status: 400 });
  });

  it('checks tiers and value sizes: 4096 characters on Standard, 8192 on Advanced, Intelligent-Tiering picks', async () => {
    expect((await put('/app/size/standard-max', 'x'.repeat(4096))).Tier).toBe('Standard');
    const tooBig = await failure(put('/app/size/standard-over', 'x'.repeat(4097)));
    expect(tooBig).toMatchObject({ name: 'ValidationException', status: 400 });
    expect(tooBig.message).toMatch(/^Standard tier parameters support a maximum parameter value of 4096 characters/);
    expect((await put('/app/size/advanced', 'x'.repeat(8192), { Tier: 'Advanced' })).Tier).toBe('Advanced');
    expect(await failure(put('/app/size/advanced-over', 'x'.repeat(8193), { Tier: 'Advanced' }))).toMatchObject({ name: 'ValidationException', status: 400 });
    expect((await put('/app/size/smart', 'x'.repeat(5000), { Tier: 'Intelligent-Tiering' })).Tier).toBe('Advanced');
    expect((await put('/app/size/smart-small', 'x', { Tier: 'Intelligent-Tiering' })).Tier).toBe('Standard');
    const downgrade = await failure(put('/app/size/advanced', 'y', { Tier: 'Standard', Overwrite: true }));
    expect(downgrade).toMatchObject({ name: 'ValidationException', status: 400 });
    expect(downgrade.message).toMatch(/can't downgrade a parameter from the advanced-parameter tier/);
  });

  it('checks AllowedPattern, on create and on each overwrite', async () => {
    await put('/app/pattern/port', '8080', { AllowedPattern: '^\\d{1,5}$' });
    expect(await failure(put('/app/pattern/port', 'eighty', { Overwrite: true }))).toEqual({
      name: 'ParameterPatternMismatchException',
      status: 400,
      message: 'Parameter value, cannot be validated against allowedPattern: ^\\d{1,5}$',
    });
    expect(await failure(put('/app/pattern/other', 'x', { AllowedPattern: '(' }))).toMatchObject({ name: 'InvalidAllowedPatternException', status: 400 });
    expect((await put('/app/pattern/port', '443', { Overwrite: true })).Version).toBe(2);
  });

  it('refuses a value its AllowedPattern would backtrack on for ever, and goes on answering', async () => {
    // (a+)+ against 40 a's and a '!' takes about 2^40 steps: run on the event loop it would never answer.
    const stuck = await failure(put('/app/pattern/redos', `${'a'.repeat(40)}!`, { AllowedPattern: '^(a+)+$' }));
    expect(stuck).toEqual({ name: 'ParameterPatternMismatchException', status: 400, message: 'Parameter value, cannot be validated against allowedPattern: ^(a+)+$' });
    expect((await put('/app/pattern/redos', 'a'.repeat(40), { AllowedPattern: '^(a+)+$' })).Version).toBe(1);
  });

  it('knows the data types text and aws:ec2:image, and refuses others', async () => {
    await put('/app/ami/latest', 'ami-0123456789abcdef0', { DataType: 'aws:ec2:image' });
    expect((await ssm.send(new GetParameterCommand({ Name: '/app/ami/latest' }))).Parameter!.DataType).toBe('aws:ec2:image');
    expect(await failure(put('/app/ami/bad', 'not-an-ami', { DataType: 'aws:ec2:image' }))).toMatchObject({ name: 'ValidationException', status: 400 });
    expect(await failure(put('/app/ami/weird', 'x', { DataType: 'Text' }))).toEqual({
      name: 'ValidationException',
      status: 400,
      message: 'The following data type is not supported: Text (Data type names are all lowercase.)',
    });
  });

  it('applies the name rules: hierarchy depth, leading slash, characters, reserved prefixes', async () => {
    const fifteen = '/' + Array.from({ length: 15 }, (_, i) => `l${i}`).join('/');
    expect((await put(fifteen, 'deep')).Version).toBe(1);
    expect(await failure(put(`${fifteen}/l15`, 'deeper'))).toMatchObject({ name: 'HierarchyLevelLimitExceededException', status: 400 });
    expect(await failure(put('relative/path', 'x'))).toEqual({ name: 'ValidationException', status: 400, message: 'Parameter name must be a fully qualified name.' });
    expect(await failure(put('/has space', 'x'))).toMatchObject({ name: 'ValidationException', status: 400 });
    expect(await failure(put('/aws/reserved/x', 'x'))).toEqual({ name: 'AccessDeniedException', status: 400, message: 'No access to reserved parameter name: /aws/reserved/x.' });
    expect(await failure(put('ssm-thing', 'x'))).toEqual({
      name: 'ValidationException',
      status: 400,
      message: 'Parameter name: can\'t be prefixed with "aws" or "ssm" (case-insensitive).',
    });
    expect(await failure(put('/SSM/thing', 'x'))).toMatchObject({ name: 'ValidationException', status: 400 });
    expect(await failure(ssm.send(new PutParameterCommand({ Name: '/app/no-type', Value: 'x' })))).toEqual({
      name: 'ValidationException',
      status: 400,
      message: 'A parameter type is required when you create a parameter.',
    });
  });

  it('takes Tags and a Description on create only (Tags with Overwrite is a ValidationException)', async () => {
    await put('/app/tagged/one', 'v', { Tags: [{ Key: 'team', Value: 'data' }], Description: 'first' });
    const err = await failure(put('/app/tagged/one', 'v2', { Overwrite: true, Tags: [{ Key: 'team', Value: 'other' }] }));
    expect(err).toMatchObject({ name: 'ValidationException', status: 400 });
    expect(err.message).toMatch(/^Invalid request: tags and overwrite can't be used together/);
    // The description carries over an overwrite that does not restate it.
    await put('/app/tagged/one', 'v2', { Overwrite: true });
    const described = await ssm.send(new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Name', Values: ['/app/tagged/one'] }] }));
    expect(described.Parameters).toEqual([expect.objectContaining({ Name: '/app/tagged/one', Description: 'first', Version: 2 })]);
  });
});

describe('selectors, history and labels', () => {
  beforeAll(async () => {
    await put('/sel/feature', 'off');
    await put('/sel/feature', 'on', { Overwrite: true });
    await put('/sel/feature', 'beta', { Overwrite: true });
  });

  it('reads a version with name:version and answers ParameterVersionNotFound / ParameterNotFound', async () => {
    const { Parameter } = await ssm.send(new GetParameterCommand({ Name: '/sel/feature:1' }));
    expect(Parameter).toMatchObject({ Name: '/sel/feature', Value: 'off', Version: 1, Selector: ':1' });
    expect(await failure(ssm.send(new GetParameterCommand({ Name: '/sel/feature:9' })))).toEqual({
      name: 'ParameterVersionNotFound',
      status: 400,
      message: 'Systems Manager could not find version 9 of /sel/feature. Verify the version and try again.',
    });
    expect(await failure(ssm.send(new GetParameterCommand({ Name: '/sel/missing' })))).toMatchObject({ name: 'ParameterNotFound', status: 400 });
  });

  it('labels versions (moving a label from one version to another), reads name:label, and unlabels', async () => {
    expect(await ssm.send(new LabelParameterVersionCommand({ Name: '/sel/feature', ParameterVersion: 1, Labels: ['prod', 'aws-bad', '1st', 'has/slash'] }))).toMatchObject({
      ParameterVersion: 1,
      InvalidLabels: ['aws-bad', '1st', 'has/slash'],
    });
    expect((await ssm.send(new GetParameterCommand({ Name: '/sel/feature:prod' }))).Parameter).toMatchObject({ Value: 'off', Selector: ':prod' });
    // Without ParameterVersion the label goes to the latest version, leaving version 1.
    expect((await ssm.send(new LabelParameterVersionCommand({ Name: '/sel/feature', Labels: ['prod'] }))).ParameterVersion).toBe(3);
    expect((await ssm.send(new GetParameterCommand({ Name: '/sel/feature:prod' }))).Parameter!.Value).toBe('beta');
    expect(await failure(ssm.send(new GetParameterCommand({ Name: '/sel/feature:nolabel' })))).toMatchObject({ name: 'ParameterNotFound', status: 400 });

    const history = await ssm.send(new GetParameterHistoryCommand({ Name: '/sel/feature' }));
    expect(history.Parameters!.map((h) => [h.Version, h.Value, h.Labels])).toEqual([
      [1, 'off', []],
      [2, 'on', []],
      [3, 'beta', ['prod']],
    ]);

    expect(await ssm.send(new UnlabelParameterVersionCommand({ Name: '/sel/feature', ParameterVersion: 3, Labels: ['prod', 'never'] }))).toMatchObject({
      RemovedLabels: ['prod'],
      InvalidLabels: ['never'],
    });
    expect(await failure(ssm.send(new GetParameterCommand({ Name: '/sel/feature:prod' })))).toMatchObject({ name: 'ParameterNotFound' });
  });

  it('allows at most 10 labels on a version', async () => {
    const ten = Array.from({ length: 10 }, (_, i) => `l${i}`);
    await ssm.send(new LabelParameterVersionCommand({ Name: '/sel/feature', ParameterVersion: 2, Labels: ten }));
    expect(await failure(ssm.send(new LabelParameterVersionCommand({ Name: '/sel/feature', ParameterVersion: 2, Labels: ['eleventh'] })))).toMatchObject({
      name: 'ParameterVersionLabelLimitExceeded',
      status: 400,
    });
    expect(await failure(ssm.send(new LabelParameterVersionCommand({ Name: '/sel/feature', ParameterVersion: 7, Labels: ['x'] })))).toMatchObject({
      name: 'ParameterVersionNotFound',
    });
  });

  it('pages the history with MaxResults and NextToken', async () => {
    const first = await ssm.send(new GetParameterHistoryCommand({ Name: '/sel/feature', MaxResults: 2 }));
    expect(first.Parameters!.map((p) => p.Version)).toEqual([1, 2]);
    const second = await ssm.send(new GetParameterHistoryCommand({ Name: '/sel/feature', MaxResults: 2, NextToken: first.NextToken }));
    expect(second.Parameters!.map((p) => p.Version)).toEqual([3]);
    expect(second.NextToken).toBeUndefined();
    expect(await failure(ssm.send(new GetParameterHistoryCommand({ Name: '/sel/nope' })))).toMatchObject({ name: 'ParameterNotFound', status: 400 });
  });

  it('GetParameters answers found names and selectors, and lists the others in InvalidParameters', async () => {
    const out = await ssm.send(new GetParametersCommand({ Names: ['/sel/feature', '/sel/feature:1', '/sel/missing', '/sel/feature:42'] }));
    expect(out.Parameters!.map((p) => [p.Name, p.Value, p.Selector])).toEqual([
      ['/sel/feature', 'beta', undefined],
      ['/sel/feature', 'off', ':1'],
    ]);
    expect(out.InvalidParameters).toEqual(['/sel/missing', '/sel/feature:42']);
    const eleven = Array.from({ length: 11 }, (_, i) => `/n${i}`);
    expect(await failure(ssm.send(new GetParametersCommand({ Names: eleven })))).toMatchObject({ name: 'ValidationException', status: 400 });
  });
});

describe('the 100-version limit', () => {
  it('drops the oldest version on the 101st put, unless a label holds it', async () => {
    await put('/limit/p', 'v1');
    for (let i = 2; i <= 100; i++) await put('/limit/p', `v${i}`, { Overwrite: true });
    expect((await put('/limit/p', 'v101', { Overwrite: true })).Version).toBe(101);
    expect(await failure(ssm.send(new GetParameterCommand({ Name: '/limit/p:1' })))).toMatchObject({ name: 'ParameterVersionNotFound' });
    await ssm.send(new LabelParameterVersionCommand({ Name: '/limit/p', ParameterVersion: 2, Labels: ['pinned'] }));
    expect(await failure(put('/limit/p', 'v102', { Overwrite: true }))).toMatchObject({ name: 'ParameterMaxVersionLimitExceeded', status: 400 });
    expect((await ssm.send(new GetParameterCommand({ Name: '/limit/p' }))).Parameter!.Version).toBe(101);
  });
});

describe('GetParametersByPath', () => {
  beforeAll(async () => {
    for (let i = 0; i < 13; i++) await put(`/tree/svc/item${String(i).padStart(2, '0')}`, `v${i}`);
    await put('/tree/svc/deep/a', 'deep-a');
    await put('/tree/svc/deep/er/b', 'deep-b', { Type: 'SecureString' });
    await put('/tree/other', 'o');
  });

  it('returns one level by default and everything below with Recursive', async () => {
    const one = await ssm.send(new GetParametersByPathCommand({ Path: '/tree', MaxResults: 10 }));
    expect(one.Parameters!.map((p) => p.Name)).toEqual(['/tree/other']);
    const all: string[] = [];
    for await (const page of paginateGetParametersByPath({ client: ssm, pageSize: 10 }, { Path: '/tree/svc/', Recursive: true })) {
      expect(page.Parameters!.length).toBeLessThanOrEqual(10);
      all.push(...page.Parameters!.map((p) => p.Name!));
    }
    expect(all).toHaveLength(15);
    expect(all).toEqual(expect.arrayContaining(['/tree/svc/deep/a', '/tree/svc/deep/er/b', '/tree/svc/item12']));
  });

  it('pages with MaxResults ≤ 10 and NextToken', async () => {
    const first = await ssm.send(new GetParametersByPathCommand({ Path: '/tree/svc', MaxResults: 10 }));
    expect(first.Parameters).toHaveLength(10);
    expect(first.NextToken).toBeDefined();
    const second = await ssm.send(new GetParametersByPathCommand({ Path: '/tree/svc', MaxResults: 10, NextToken: first.NextToken }));
    expect(second.Parameters!.map((p) => p.Name)).toEqual(['/tree/svc/item10', '/tree/svc/item11', '/tree/svc/item12']);
    expect(second.NextToken).toBeUndefined();
    expect(await failure(ssm.send(new GetParametersByPathCommand({ Path: '/tree', MaxResults: 11 })))).toEqual({
      name: 'ValidationException',
      status: 400,
      message: "1 validation error detected: Value '11' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 10",
    });
    expect(await failure(ssm.send(new GetParametersByPathCommand({ Path: '/tree', NextToken: 'garbage' })))).toMatchObject({ name: 'InvalidNextToken', status: 400 });
  });

  it('filters by Type and Label, refuses Name/Path filters, and decrypts on request', async () => {
    const secure = await ssm.send(
      new GetParametersByPathCommand({ Path: '/tree', Recursive: true, WithDecryption: true, ParameterFilters: [{ Key: 'Type', Values: ['SecureString'] }] }),
    );
    expect(secure.Parameters!.map((p) => [p.Name, p.Value])).toEqual([['/tree/svc/deep/er/b', 'deep-b']]);
    await ssm.send(new LabelParameterVersionCommand({ Name: '/tree/svc/deep/a', Labels: ['golden'] }));
    const labelled = await ssm.send(new GetParametersByPathCommand({ Path: '/tree', Recursive: true, ParameterFilters: [{ Key: 'Label', Values: ['golden'] }] }));
    expect(labelled.Parameters!.map((p) => p.Name)).toEqual(['/tree/svc/deep/a']);
    expect(await failure(ssm.send(new GetParametersByPathCommand({ Path: '/tree', ParameterFilters: [{ Key: 'Name', Values: ['/tree/other'] }] })))).toMatchObject({
      name: 'InvalidFilterKey',
      status: 400,
    });
    expect(await failure(ssm.send(new GetParametersByPathCommand({ Path: 'tree' })))).toMatchObject({ name: 'ValidationException', status: 400 });
  });
});

describe('DescribeParameters', () => {
  beforeAll(async () => {
    await put('/desc/a/one', '1', { Tags: [{ Key: 'env', Value: 'prod' }] });
    await put('/desc/a/two', '2', { Type: 'SecureString', Tags: [{ Key: 'env', Value: 'dev' }] });
    await put('/desc/a/b/three', '3', { Type: 'StringList', Tier: 'Advanced' });
    await put('/desc/z', 'z');
  });
  const names = async (ParameterFilters: ParameterStringFilter[]) =>
    (await ssm.send(new DescribeParametersCommand({ ParameterFilters }))).Parameters!.map((p) => p.Name).filter((n) => n!.startsWith('/desc'));

  it('filters by Path (OneLevel, Recursive), Name (Equals, BeginsWith, Contains), Type, KeyId, Tier and tags', async () => {
    expect(await names([{ Key: 'Path', Values: ['/desc/a'] }])).toEqual(['/desc/a/one', '/desc/a/two']);
    expect(await names([{ Key: 'Path', Option: 'Recursive', Values: ['/desc/a'] }])).toEqual(['/desc/a/b/three', '/desc/a/one', '/desc/a/two']);
    expect(await names([{ Key: 'Name', Values: ['/desc/z'] }])).toEqual(['/desc/z']);
    expect(await names([{ Key: 'Name', Option: 'BeginsWith', Values: ['/desc/a/t'] }])).toEqual(['/desc/a/two']);
    expect(await names([{ Key: 'Name', Option: 'Contains', Values: ['thr'] }])).toEqual(['/desc/a/b/three']);
    expect(await names([{ Key: 'Type', Values: ['SecureString'] }])).toEqual(['/desc/a/two']);
    expect(await names([{ Key: 'KeyId', Values: ['alias/aws/ssm'] }])).toEqual(['/desc/a/two']);
    expect(await names([{ Key: 'Tier', Values: ['Advanced'] }, { Key: 'Path', Option: 'Recursive', Values: ['/desc'] }])).toEqual(['/desc/a/b/three']);
    expect(await names([{ Key: 'tag:env', Values: ['prod'] }])).toEqual(['/desc/a/one']);
    expect(await names([{ Key: 'tag:env' }])).toEqual(['/desc/a/one', '/desc/a/two']);
    const [meta] = (await ssm.send(new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Name', Values: ['/desc/a/two'] }] }))).Parameters!;
    expect(meta).toMatchObject({ Name: '/desc/a/two', Type: 'SecureString', KeyId: 'alias/aws/ssm', Version: 1, Tier: 'Standard', DataType: 'text' });
    expect(meta!.LastModifiedUser).toMatch(/^arn:aws:iam::/);
  });

  it('refuses filters AWS refuses: Label, bad options, bad values, duplicates, Filters with ParameterFilters', async () => {
    const refused = (ParameterFilters: ParameterStringFilter[]) => failure(ssm.send(new DescribeParametersCommand({ ParameterFilters })));
    expect(await refused([{ Key: 'Label', Values: ['x'] }])).toMatchObject({ name: 'InvalidFilterKey', status: 400 });
    expect(await refused([{ Key: 'Path', Option: 'BeginsWith', Values: ['/desc'] }])).toMatchObject({ name: 'InvalidFilterOption', status: 400 });
    expect(await refused([{ Key: 'Type', Values: ['Number'] }])).toMatchObject({ name: 'InvalidFilterValue', status: 400 });
    expect(await refused([{ Key: 'Name', Values: ['a'] }, { Key: 'Name', Values: ['b'] }])).toMatchObject({ name: 'InvalidFilterKey', status: 400 });
    expect(
      await failure(ssm.send(new DescribeParametersCommand({ Filters: [{ Key: 'Name', Values: ['/desc'] }], ParameterFilters: [{ Key: 'Type', Values: ['String'] }] }))),
    ).toEqual({ name: 'ValidationException', status: 400, message: 'You can use either Filters or ParameterFilters in a single request.' });
  });

  it('pages with MaxResults and NextToken, and accepts the older Filters', async () => {
    const filter = [{ Key: 'Path', Option: 'Recursive', Values: ['/desc'] }];
    const first = await ssm.send(new DescribeParametersCommand({ ParameterFilters: filter, MaxResults: 3 }));
    expect(first.Parameters).toHaveLength(3);
    const rest = await ssm.send(new DescribeParametersCommand({ ParameterFilters: filter, MaxResults: 3, NextToken: first.NextToken }));
    expect(rest.Parameters!.map((p) => p.Name)).toEqual(['/desc/z']);
    expect(rest.NextToken).toBeUndefined();
    const old = await ssm.send(new DescribeParametersCommand({ Filters: [{ Key: 'Name', Values: ['/desc/a/'] }, { Key: 'Type', Values: ['StringList'] }] }));
    expect(old.Parameters!.map((p) => p.Name)).toEqual(['/desc/a/b/three']);
  });
});

describe('tags and deletion', () => {
  it('adds, lists and removes tags on a parameter; other resources are InvalidResourceId', async () => {
    await put('/tags/p', 'v', { Tags: [{ Key: 'a', Value: '1' }] });
    await ssm.send(new AddTagsToResourceCommand({ ResourceType: 'Parameter', ResourceId: '/tags/p', Tags: [{ Key: 'b', Value: '2' }, { Key: 'a', Value: '3' }] }));
    expect((await ssm.send(new ListTagsForResourceCommand({ ResourceType: 'Parameter', ResourceId: '/tags/p' }))).TagList).toEqual([
      { Key: 'a', Value: '3' },
      { Key: 'b', Value: '2' },
    ]);
    await ssm.send(new RemoveTagsFromResourceCommand({ ResourceType: 'Parameter', ResourceId: '/tags/p', TagKeys: ['a'] }));
    expect((await ssm.send(new ListTagsForResourceCommand({ ResourceType: 'Parameter', ResourceId: '/tags/p' }))).TagList).toEqual([{ Key: 'b', Value: '2' }]);
    expect(await failure(ssm.send(new ListTagsForResourceCommand({ ResourceType: 'Parameter', ResourceId: '/tags/none' })))).toMatchObject({
      name: 'InvalidResourceId',
      status: 400,
    });
    expect(await failure(ssm.send(new ListTagsForResourceCommand({ ResourceType: 'Document', ResourceId: 'doc' })))).toMatchObject({ name: 'InvalidResourceId' });
  });

  it('deletes one parameter, or several with the missing ones listed', async () => {
    await put('/del/a', '1');
    await put('/del/b', '2');
    await put('/del/c', '3');
    await ssm.send(new DeleteParameterCommand({ Name: '/del/a' }));
    expect(await failure(ssm.send(new DeleteParameterCommand({ Name: '/del/a' })))).toMatchObject({ name: 'ParameterNotFound', status: 400 });
    expect(await ssm.send(new DeleteParametersCommand({ Names: ['/del/b', '/del/c', '/del/zzz'] }))).toMatchObject({
      DeletedParameters: ['/del/b', '/del/c'],
      InvalidParameters: ['/del/zzz'],
    });
    // A deleted name starts again at version 1.
    expect((await put('/del/a', 'again')).Version).toBe(1);
  });
});

describe('the wire', () => {
  it('routes X-Amz-Target AmazonSSM.* and answers operations outside Parameter Store with NotImplemented', async () => {
    const ok = await rawRequest(emulator(), '/', {
      headers: { 'x-amz-target': 'AmazonSSM.GetParameter', 'content-type': 'application/x-amz-json-1.1' },
      body: JSON.stringify({ Name: '/app/put/db-host' }),
    });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.text).Parameter.Value).toBe('db2');
    const documents = await rawRequest(emulator(), '/', {
      headers: { 'x-amz-target': 'AmazonSSM.ListDocuments', 'content-type': 'application/x-amz-json-1.1', authorization: sigv4('ssm') },
      body: '{}',
    });
    expect(documents.status).toBe(501);
    expect(JSON.parse(documents.text).__type).toMatch(/NotImplemented$/);
  });

  it('reset() empties the store', async () => {
    await put('/reset/me', 'x');
    const res = await fetch(`${emulator().endpoint}/_harness/reset`, { method: 'POST' });
    expect(res.status).toBeLessThan(300);
    expect(await failure(ssm.send(new GetParameterCommand({ Name: '/reset/me' })))).toMatchObject({ name: 'ParameterNotFound' });
  });
});

describe('parameters are kept per Region', () => {
  it('lets each Region have a parameter of the same name, read by name in its Region and by ARN from anywhere', async () => {
    const west = new SSMClient({ ...clientConfig(emulator()), region: 'eu-west-1' });
    try {
      await put('/regional/url', 'https://east.example');
      await west.send(new PutParameterCommand({ Name: '/regional/url', Value: 'https://west.example', Type: 'String' }));
      expect((await ssm.send(new GetParameterCommand({ Name: '/regional/url' }))).Parameter?.Value).toBe('https://east.example');
      const inWest = (await west.send(new GetParameterCommand({ Name: '/regional/url' }))).Parameter!;
      expect(inWest).toMatchObject({ Value: 'https://west.example', ARN: 'arn:aws:ssm:eu-west-1:000000000000:parameter/regional/url' });
      expect((await ssm.send(new GetParameterCommand({ Name: inWest.ARN }))).Parameter?.Value).toBe('https://west.example');
      const listed = (await west.send(new GetParametersByPathCommand({ Path: '/regional' }))).Parameters?.map((p) => p.ARN);
      expect(listed).toEqual(['arn:aws:ssm:eu-west-1:000000000000:parameter/regional/url']);
      await west.send(new DeleteParameterCommand({ Name: '/regional/url' }));
      expect((await ssm.send(new GetParameterCommand({ Name: '/regional/url' }))).Parameter?.Value).toBe('https://east.example');
    } finally {
      west.destroy();
    }
  });
});
