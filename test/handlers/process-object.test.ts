import { formatOf, InvalidObjectError, processObject, rulesFromEnv } from '../../handlers/data-processor/process-object';

const noRules = { requiredColumns: [], requiredFields: [] };

describe('processObject: CSV', () => {
  it('counts data rows, not the header, and returns the columns', () => {
    expect(processObject('d/a.csv', 'id,name\n1,ann\n2,bob\n', noRules)).toEqual({ format: 'csv', rows: 2, columns: ['id', 'name'] });
  });

  it('parses quoted fields with commas, doubled quotes and newlines inside', () => {
    const text = 'id,comment\r\n1,"hello, world"\r\n2,"line one\nline two"\r\n3,"she said ""hi"""\r\n';
    expect(processObject('a.csv', text, noRules).rows).toBe(3);
  });

  it('accepts a header-only file (0 rows), a BOM, blank lines and no trailing newline', () => {
    expect(processObject('a.csv', 'a,b\n', noRules).rows).toBe(0);
    expect(processObject('a.csv', '\uFEFFa,b\n1,2', noRules)).toEqual({ format: 'csv', rows: 1, columns: ['a', 'b'] });
    expect(processObject('a.csv', 'a,b\n\n1,2\n\n3,4\n', noRules).rows).toBe(2);
  });

  it('matches the extension case-insensitively', () => {
    expect(processObject('A.CSV', 'a\n1\n', noRules).format).toBe('csv');
  });

  it.each([
    ['an empty file', '', /empty file, no header row/],
    ['an empty column name', 'a,,c\n1,2,3\n', /empty column name at position 2/],
    ['a blank column name', 'a, \n1,2\n', /empty column name at position 2/],
    ['a duplicate column', 'id,name,id\n1,2,3\n', /duplicate column "id"/],
    ['a row with the wrong number of fields', 'a,b\n1,2,3\n', /Invalid CSV in bad\.csv/],
    ['an unclosed quote', 'a,b\n1,"open\n', /Invalid CSV in bad\.csv/],
  ])('rejects %s', (_, text, message) => {
    expect(() => processObject('bad.csv', text, noRules)).toThrow(message);
    expect(() => processObject('bad.csv', text, noRules)).toThrow(InvalidObjectError);
  });

  it('checks required columns', () => {
    const rules = { ...noRules, requiredColumns: ['id', 'amount'] };
    expect(processObject('a.csv', 'id,amount,note\n1,2,x\n', rules).rows).toBe(1);
    expect(() => processObject('a.csv', 'id,note\n1,x\n', rules)).toThrow(/missing required column "amount"/);
  });
});

describe('processObject: JSON', () => {
  it('counts one object as one row and an array by its length', () => {
    expect(processObject('a.json', '{"id":1}', noRules)).toEqual({ format: 'json', rows: 1 });
    expect(processObject('a.json', '[{"id":1},{"id":2},{}]', noRules)).toEqual({ format: 'json', rows: 3 });
    expect(processObject('a.json', '[]', noRules).rows).toBe(0);
    expect(processObject('a.json', '\uFEFF{"id":1}', noRules).rows).toBe(1);
  });

  it.each([
    ['invalid JSON', '{"id":', /Invalid JSON in bad\.json/],
    ['an empty file', '', /Invalid JSON in bad\.json/],
    ['a number', '42', /the document is a number/],
    ['null', 'null', /the document is null/],
    ['an array holding a non-object', '[{"id":1}, 3]', /element 1 is a number/],
    ['an array of arrays', '[[1]]', /element 0 is an array/],
  ])('rejects %s', (_, text, message) => {
    expect(() => processObject('bad.json', text, noRules)).toThrow(message);
    expect(() => processObject('bad.json', text, noRules)).toThrow(InvalidObjectError);
  });

  it('checks required fields on every object', () => {
    const rules = { ...noRules, requiredFields: ['id', 'ts'] };
    expect(processObject('a.json', '[{"id":1,"ts":null}]', rules).rows).toBe(1);
    expect(() => processObject('a.json', '[{"id":1,"ts":2},{"id":2}]', rules)).toThrow(/element 1 is missing required field "ts"/);
    expect(() => processObject('a.json', '{"ts":1}', rules)).toThrow(/the document is missing required field "id"/);
  });
});

describe('formatOf', () => {
  it.each([['x.txt', /Unsupported file type "\.txt" for x\.txt/], ['dir.csv/noext', /\(no extension\)/], ['.csv', /no extension/]])(
    'rejects %s',
    (key, message) => {
      expect(() => formatOf(key)).toThrow(message);
      expect(() => formatOf(key)).toThrow(InvalidObjectError);
    },
  );
});

describe('rulesFromEnv', () => {
  it('reads comma lists, trimming and dropping empty entries', () => {
    expect(rulesFromEnv({ REQUIRED_COLUMNS: ' id, amount ,,', REQUIRED_FIELDS: 'x' })).toEqual({
      requiredColumns: ['id', 'amount'],
      requiredFields: ['x'],
    });
    expect(rulesFromEnv({})).toEqual(noRules);
  });
});
