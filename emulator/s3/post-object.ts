import type { Readable } from 'node:stream';
import busboy from 'busboy';
import { AwsError } from '../core/errors';

/**
 * S3's POST Object (browser form uploads, presigned POSTs): a multipart/form-data body whose fields name the
 * key (with `${filename}` substituted), content type, metadata and the response status, followed by the file.
 * The policy and its signature are not checked, like every other signature unless verification is on.
 */
export interface PostedForm {
  key: string;
  fields: Record<string, string>;
  file: Buffer;
  filename?: string;
}

const MAX_FORM_FIELDS_BYTES = 20 * 1024;

export function readPostForm(body: Readable, contentType: string): Promise<PostedForm> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: { 'content-type': contentType }, limits: { fieldSize: MAX_FORM_FIELDS_BYTES, files: 1 } });
    } catch {
      reject(new AwsError('MalformedPOSTRequest', 'The body of your POST request is not well-formed multipart/form-data.', 400));
      return;
    }
    const fields: Record<string, string> = {};
    let file: Buffer | undefined;
    let filename: string | undefined;
    let fileStarted = false;
    // AWS ignores form fields that come after the file.
    parser.on('field', (name, value) => {
      if (!fileStarted) fields[name.toLowerCase()] = value;
    });
    parser.on('file', (_name, stream, info) => {
      fileStarted = true;
      filename = info.filename;
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        file = Buffer.concat(chunks);
      });
    });
    parser.on('error', () => reject(new AwsError('MalformedPOSTRequest', 'The body of your POST request is not well-formed multipart/form-data.', 400)));
    parser.on('close', () => {
      if (file === undefined) {
        reject(new AwsError('InvalidArgument', 'POST requires exactly one file upload per request.', 400, { ArgumentName: 'file', ArgumentValue: '0' }));
        return;
      }
      const rawKey = fields.key;
      if (!rawKey) {
        reject(new AwsError('InvalidArgument', 'Bucket POST must contain a field named \'key\'.  If it is specified, please check the order of the fields.', 400, { ArgumentName: 'key', ArgumentValue: '' }));
        return;
      }
      resolve({ key: rawKey.replace(/\$\{filename\}/g, filename ?? ''), fields, file, filename });
    });
    body.on('error', reject);
    body.pipe(parser);
  });
}
