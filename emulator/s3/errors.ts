import { AwsError } from '../core/errors';
import { withMeta } from '../core/service';

/** S3's error answers, with the codes, messages, statuses and body fields S3 uses. */

export const noSuchBucket = (bucket: string): AwsError =>
  new AwsError('NoSuchBucket', 'The specified bucket does not exist', 404, { BucketName: bucket });

export const noSuchKey = (key: string, headers?: Record<string, string>): AwsError => {
  const err = new AwsError('NoSuchKey', 'The specified key does not exist.', 404, { Key: key });
  return headers ? withMeta(err, { headers }) : err;
};

export const noSuchVersion = (key: string, versionId: string): AwsError =>
  new AwsError('NoSuchVersion', 'The specified version does not exist.', 404, { Key: key, VersionId: versionId });

export const noSuchUpload = (uploadId: string): AwsError =>
  new AwsError(
    'NoSuchUpload',
    'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
    404,
    { UploadId: uploadId },
  );

export const preconditionFailed = (condition: string): AwsError =>
  new AwsError('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', 412, { Condition: condition });

export const notModified = (headers: Record<string, string>): AwsError =>
  withMeta(new AwsError('NotModified', 'Not Modified', 304), { headers });

export const invalidRange = (range: string, size: number): AwsError =>
  new AwsError('InvalidRange', 'The requested range is not satisfiable', 416, { RangeRequested: range, ActualObjectSize: String(size) });

/** GET/HEAD of a delete marker by version id. */
export const deleteMarkerNotAllowed = (method: string, headers: Record<string, string>): AwsError =>
  withMeta(
    new AwsError('MethodNotAllowed', 'The specified method is not allowed against this resource.', 405, {
      Method: method,
      ResourceType: 'DeleteMarker',
    }),
    { headers },
  );

export const malformedXml = (): AwsError =>
  new AwsError('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema', 400);

export const invalidRequest = (message: string): AwsError => new AwsError('InvalidRequest', message, 400);

export const invalidArgument = (message: string, name?: string, value?: string): AwsError =>
  new AwsError('InvalidArgument', message, 400, {
    ...(name !== undefined ? { ArgumentName: name } : {}),
    ...(value !== undefined ? { ArgumentValue: value } : {}),
  });

export const invalidObjectState = (storageClass: string): AwsError =>
  new AwsError('InvalidObjectState', "The operation is not valid for the object's storage class", 403, { StorageClass: storageClass });
