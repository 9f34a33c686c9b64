import type { EntityChange, Persistable } from '../core/service';
import { changedBy } from './changed-by';
import { newBucket, type Bucket, type MultipartUpload, type ObjectVersion } from './store';
import type { S3State } from './state';

/**
 * S3 state as persisted entities: `b\0<bucket>` (settings), `o\0<bucket>\0<key>` (every version of a key),
 * `u\0<bucket>\0<uploadId>` (a multipart upload in progress). Requests mark what they touched by their
 * input (Bucket/Key/UploadId); changes made in the background (a restore completing) mark themselves
 * through `state.changed`.
 */
const SEP = '\u0000';
const bucketKey = (b: string) => `b${SEP}${b}`;
const objectKey = (b: string, k: string) => `o${SEP}${b}${SEP}${k}`;
const uploadKey = (b: string, u: string) => `u${SEP}${b}${SEP}${u}`;

export function s3Persistence(state: S3State): Persistable {
  const dirtyBuckets = new Set<string>();
  const dirtyObjects = new Map<string, Set<string>>();
  const dirtyUploads = new Map<string, Set<string>>();
  const mark = (into: Map<string, Set<string>>, bucket: string, id: string) => {
    let ids = into.get(bucket);
    if (!ids) into.set(bucket, (ids = new Set()));
    ids.add(id);
  };
  state.changed = (bucket, key) => mark(dirtyObjects, bucket, key);
  state.changedUpload = (bucket, uploadId) => mark(dirtyUploads, bucket, uploadId);

  return {
    touched(operation, input, output) {
      const change = changedBy(operation, input, output);
      if (!change) return;
      const { bucket, key, uploadId } = change;
      if (key !== undefined) mark(dirtyObjects, bucket, key);
      else dirtyBuckets.add(bucket);
      for (const k of change.deletedKeys) mark(dirtyObjects, bucket, k);
      if (uploadId !== undefined) mark(dirtyUploads, bucket, uploadId);
    },

    takeChanges() {
      const changes: EntityChange[] = [];
      for (const name of dirtyBuckets) {
        const bucket = state.buckets.get(name);
        if (bucket) changes.push({ key: bucketKey(name), value: bucketSettings(bucket) });
        else {
          changes.push({ key: bucketKey(name), deleted: true });
          changes.push({ prefix: `o${SEP}${name}${SEP}`, deleted: true }, { prefix: `u${SEP}${name}${SEP}`, deleted: true });
        }
      }
      for (const [name, keys] of dirtyObjects) {
        const bucket = state.buckets.get(name);
        for (const key of keys) {
          const entry = bucket?.objects.get(key);
          changes.push(entry ? { key: objectKey(name, key), value: entry.versions } : { key: objectKey(name, key), deleted: true });
        }
      }
      for (const [name, ids] of dirtyUploads) {
        const bucket = state.buckets.get(name);
        for (const id of ids) {
          const upload = bucket?.uploads.get(id);
          changes.push(upload ? { key: uploadKey(name, id), value: upload } : { key: uploadKey(name, id), deleted: true });
        }
      }
      dirtyBuckets.clear();
      dirtyObjects.clear();
      dirtyUploads.clear();
      return changes;
    },

    *entities() {
      for (const bucket of state.buckets.values()) {
        yield [bucketKey(bucket.name), bucketSettings(bucket)];
        for (const key of bucket.keys) yield [objectKey(bucket.name, key), bucket.objects.get(key)!.versions];
        for (const upload of bucket.uploads.values()) yield [uploadKey(bucket.name, upload.uploadId), upload];
      }
    },

    restore(entities) {
      const parts = [...entities].map(([k, v]) => [k.split(SEP), v] as const);
      for (const [[kind, name], value] of parts) {
        if (kind !== 'b') continue;
        const settings = value as Partial<Bucket>;
        state.buckets.set(name!, { ...newBucket(name!, settings.region!, settings.ownerAccount!, settings.created!), ...settings });
      }
      for (const [[kind, name, ...rest], value] of parts) {
        const bucket = state.buckets.get(name!);
        if (!bucket) continue;
        const id = rest.join(SEP);
        if (kind === 'o') {
          bucket.objects.set(id, { versions: value as ObjectVersion[] });
          bucket.keys.insert(id);
        } else if (kind === 'u') bucket.uploads.set(id, value as MultipartUpload);
      }
    },
  };
}

/** A bucket without its contents (those are entities of their own). */
function bucketSettings(bucket: Bucket): Partial<Bucket> {
  const { keys: _keys, objects: _objects, uploads: _uploads, ...settings } = bucket;
  return settings;
}
