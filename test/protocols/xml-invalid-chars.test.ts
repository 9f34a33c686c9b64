import { XMLValidator } from 'fast-xml-parser';
import { rawRequest, sigv4, useEmulator } from '../helpers/emulator';

/*
 * Error messages echo the caller's input (`The role with name \uFFFF cannot be found.`). Characters XML 1.0 does
 * not allow (C0 controls but tab/LF/CR, U+FFFE/U+FFFF, lone surrogates) went into the XML error answer as they
 * were, so expat refused the document: botocore raised ResponseParserError ("not well-formed (invalid token)")
 * instead of the modeled error (IAM ListRoleTags, SQS over Query, found by the botocore sweep). They are now
 * written as U+FFFD.
 */
const emulator = useEmulator();

const wellFormed = (text: string) => XMLValidator.validate(text) === true && !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\uFFFE\uFFFF]/.test(text);

async function query(service: string, version: string, params: Record<string, string>) {
  return rawRequest(emulator(), '/', {
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: sigv4(service) },
    body: new URLSearchParams({ Version: version, ...params }).toString(),
  });
}

it.each(['\uFFFF', 'a\u0000b', 'x\u0001\uFFFEy', 'lone\uD800'])('a Query error naming %j is well-formed XML', async (name) => {
  const r = await query('iam', '2010-05-08', { Action: 'ListRoleTags', RoleName: name });
  expect(r.status).toBeGreaterThanOrEqual(400);
  expect(r.text).toContain('<Code>');
  expect(wellFormed(r.text)).toBe(true);
});

it('a REST-XML (S3) error naming a key with control characters is well-formed XML', async () => {
  await rawRequest(emulator(), '/xml-chars-bucket', { method: 'PUT', headers: { authorization: sigv4('s3') } });
  const r = await rawRequest(emulator(), `/xml-chars-bucket/${encodeURIComponent('k\u0001\uFFFF')}`, { method: 'GET', headers: { authorization: sigv4('s3') } });
  expect(r.status).toBe(404);
  expect(r.text).toContain('<Code>NoSuchKey</Code>');
  expect(wellFormed(r.text)).toBe(true);
});
