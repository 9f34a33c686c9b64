import type {
  DeleteLayerVersionCommandInput,
  GetLayerVersionByArnCommandInput,
  GetLayerVersionCommandInput,
  GetLayerVersionResponse,
  LayerVersionsListItem,
  ListLayersCommandInput,
  ListLayersCommandOutput,
  ListLayerVersionsCommandInput,
  ListLayerVersionsCommandOutput,
  PublishLayerVersionCommandInput,
} from '@aws-sdk/client-lambda';
import { createHash } from 'node:crypto';
import type { RequestContext } from '../core/context';
import { AwsError } from '../core/errors';
import { uuid } from '../core/ids';
import { withMeta } from '../core/service';
import { packageBytes } from './code';
import { lambdaTimestamp } from './functions';
import { LAYER_VERSION_ARN_PATTERN, parseLayerName, parseLayerVersionArn, validation, type LayerRef } from './names';
import { offsetPage } from './paging';
import { unzippedSize } from './runtime';
import type { Layer, LambdaCore, LayerVersion, Out } from './state';
import { ARCHITECTURES, checkRange, KNOWN_RUNTIMES } from './validation';

/** Lambda's answer for a layer or layer version that does not exist (GetLayerVersion and its kin). */
export const layerNotFound = (): AwsError =>
  new AwsError('ResourceNotFoundException', 'The resource you requested does not exist.', 404, { Type: 'User' });

/** The number a request names: Lambda refuses 0 and below before looking anything up. */
export function checkVersionNumber(n: number | undefined): number {
  if (n === undefined || n === null) throw validation('versionNumber', n, 'Member must not be null');
  if (n < 1) throw new AwsError('InvalidParameterValueException', 'Layer Version Cannot be less than 1', 400, { Type: 'User' });
  return n;
}

function checkLength(field: string, value: string | undefined, max: number): void {
  if (value !== undefined && value.length > max) throw validation(field, value, `Member must have length less than or equal to ${max}`);
}

const RUNTIME_ENUM = () => `Member must satisfy enum value set: [${[...KNOWN_RUNTIMES].join(', ')}]`;
const ARCH_ENUM = 'Member must satisfy enum value set: [x86_64, arm64]';

/** CompatibleRuntimes / CompatibleArchitectures of PublishLayerVersion: known values, at most 15 and 2. */
function checkCompatibility(runtimes: string[] | undefined, architectures: string[] | undefined): void {
  const shown = (list: string[]) => `[${list.join(', ')}]`;
  if (runtimes) {
    if (runtimes.length > 15) throw validation('compatibleRuntimes', shown(runtimes), 'Member must have length less than or equal to 15');
    // Unlike the architectures' (and as AWS words it), the runtimes' constraint is not nested in a member constraint.
    if (runtimes.some((r) => !KNOWN_RUNTIMES.has(r))) throw validation('compatibleRuntimes', shown(runtimes), RUNTIME_ENUM());
  }
  if (architectures) {
    if (architectures.length > 2) throw validation('compatibleArchitectures', shown(architectures), 'Member must have length less than or equal to 2');
    if (architectures.some((a) => !ARCHITECTURES.has(a))) throw validation('compatibleArchitectures', shown(architectures), `Member must satisfy constraint: [${ARCH_ENUM}]`);
  }
}

/** The CompatibleRuntime / CompatibleArchitecture filters of ListLayers and ListLayerVersions. */
function checkFilters(runtime: string | undefined, architecture: string | undefined): void {
  if (runtime !== undefined && !KNOWN_RUNTIMES.has(runtime)) throw validation('compatibleRuntime', runtime, RUNTIME_ENUM());
  if (architecture !== undefined && !ARCHITECTURES.has(architecture)) throw validation('compatibleArchitecture', architecture, ARCH_ENUM);
}

const matches = (v: LayerVersion, runtime?: string, architecture?: string): boolean =>
  (runtime === undefined || (v.compatibleRuntimes ?? []).includes(runtime)) &&
  (architecture === undefined || (v.compatibleArchitectures ?? []).includes(architecture));

/** A version as the list operations show it. */
function listItem(v: LayerVersion): LayerVersionsListItem {
  return {
    LayerVersionArn: v.arn,
    Version: v.version,
    Description: v.description,
    CreatedDate: lambdaTimestamp(v.createdDate),
    ...(v.compatibleRuntimes?.length ? { CompatibleRuntimes: [...v.compatibleRuntimes] as LayerVersionsListItem['CompatibleRuntimes'] } : {}),
    ...(v.licenseInfo !== undefined ? { LicenseInfo: v.licenseInfo } : {}),
    ...(v.compatibleArchitectures?.length ? { CompatibleArchitectures: [...v.compatibleArchitectures] as LayerVersionsListItem['CompatibleArchitectures'] } : {}),
  };
}

/** PublishLayerVersion, reading and listing layer versions, DeleteLayerVersion. */
export class Layers {
  constructor(private readonly core: LambdaCore) {}

  /** A layer version, or undefined (deleted, never published, or the layer is unknown). */
  version(ref: LayerRef, n: number): LayerVersion | undefined {
    return this.core.layers.get(ref.arn)?.versions.get(n);
  }

  /** GetLayerVersion's answer: the version with its archive's (placeholder) download location. */
  render(layer: Layer, v: LayerVersion): Out<GetLayerVersionResponse> {
    const { region, accountId, name } = layer;
    return {
      Content: {
        // A placeholder in the shape of Lambda's presigned URL, as GetFunction's Code.Location; nothing is served there.
        Location: `https://awslambda-${region}-layers.s3.${region}.amazonaws.com/snapshots/${accountId}/${name}-${v.locationId}`,
        CodeSha256: v.sha256,
        CodeSize: v.size,
      },
      LayerArn: layer.arn,
      ...listItem(v),
    };
  }

  /**
   * A LayerName given as an ARN publishes in that ARN's region and account, so a layer another account shares
   * (a vendor's layer ARN in a template) can be stood in for.
   */
  async publish(input: PublishLayerVersionCommandInput, ctx: RequestContext) {
    const ref = parseLayerName(input.LayerName, ctx);
    checkLength('description', input.Description, 256);
    checkLength('licenseInfo', input.LicenseInfo, 512);
    checkCompatibility(input.CompatibleRuntimes, input.CompatibleArchitectures);
    if (!input.Content) throw validation('content', undefined, 'Member must not be null');
    const zip = await packageBytes(this.core.deps.bus, input.Content, 'PublishLayerVersion');
    // Checked now (a zip, safe names, 250 MB unzipped); unpacked only when a function using it starts.
    const unzipped = await unzippedSize(zip);
    let layer = this.core.layers.get(ref.arn);
    if (!layer) {
      layer = { name: ref.name, arn: ref.arn, region: ref.region, accountId: ref.accountId, versions: new Map(), lastVersion: 0 };
      this.core.layers.set(ref.arn, layer);
    }
    const version = ++layer.lastVersion;
    const v: LayerVersion = {
      version,
      arn: `${layer.arn}:${version}`,
      description: input.Description ?? '',
      ...(input.LicenseInfo !== undefined ? { licenseInfo: input.LicenseInfo } : {}),
      ...(input.CompatibleRuntimes?.length ? { compatibleRuntimes: [...input.CompatibleRuntimes] } : {}),
      ...(input.CompatibleArchitectures?.length ? { compatibleArchitectures: [...input.CompatibleArchitectures] } : {}),
      createdDate: this.core.deps.clock.now(),
      sha256: createHash('sha256').update(zip).digest('base64'),
      size: zip.length,
      unzippedSize: unzipped,
      // Its own bytes: ZipFile is a view into the request body, an S3 source the object's stored buffer.
      zip: Buffer.from(zip),
      locationId: uuid(),
      policy: [],
      policyRevisionId: uuid(),
    };
    layer.versions.set(version, v);
    this.core.deps.bus.record({ type: 'lambda.layer.publish', layerName: layer.name, version, codeSha256: v.sha256 });
    return withMeta(this.render(layer, v), { status: 201 });
  }

  get(input: GetLayerVersionCommandInput, ctx: RequestContext): Out<GetLayerVersionResponse> {
    const ref = parseLayerName(input.LayerName, ctx);
    const n = checkVersionNumber(input.VersionNumber);
    const v = this.version(ref, n);
    if (!v) throw layerNotFound();
    return this.render(this.core.layers.get(ref.arn)!, v);
  }

  /** GetLayerVersionByArn: GetLayerVersion's route with `?find=LayerVersion&Arn=…`. */
  getByArn(input: GetLayerVersionByArnCommandInput): Out<GetLayerVersionResponse> {
    const ref = parseLayerVersionArn(input.Arn ?? '');
    if (!ref) throw validation('arn', input.Arn, `Member must satisfy regular expression pattern: ${LAYER_VERSION_ARN_PATTERN}`);
    const v = this.version(ref, ref.version);
    if (!v) throw layerNotFound();
    return this.render(this.core.layers.get(ref.arn)!, v);
  }

  /** Each layer of the region and account with its newest version that passes the filters (none pass: not listed). */
  list(input: ListLayersCommandInput, ctx: RequestContext): Out<ListLayersCommandOutput> {
    checkFilters(input.CompatibleRuntime, input.CompatibleArchitecture);
    checkRange('maxItems', input.MaxItems, [1, 50]);
    const all = [...this.core.layers.values()]
      .filter((l) => l.region === ctx.region && l.accountId === ctx.accountId)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .flatMap((l) => {
        const newest = [...l.versions.values()].filter((v) => matches(v, input.CompatibleRuntime, input.CompatibleArchitecture)).at(-1);
        return newest ? [{ LayerName: l.name, LayerArn: l.arn, LatestMatchingVersion: listItem(newest) }] : [];
      });
    const { page, nextMarker } = offsetPage(all, input.Marker, input.MaxItems ?? 50);
    return { Layers: page, ...(nextMarker ? { NextMarker: nextMarker } : {}) };
  }

  /** A layer's versions, newest first, as Lambda lists them; an unknown layer has none. */
  listVersions(input: ListLayerVersionsCommandInput, ctx: RequestContext): Out<ListLayerVersionsCommandOutput> {
    const ref = parseLayerName(input.LayerName, ctx);
    checkFilters(input.CompatibleRuntime, input.CompatibleArchitecture);
    checkRange('maxItems', input.MaxItems, [1, 50]);
    const all = [...(this.core.layers.get(ref.arn)?.versions.values() ?? [])]
      .filter((v) => matches(v, input.CompatibleRuntime, input.CompatibleArchitecture))
      .reverse()
      .map(listItem);
    const { page, nextMarker } = offsetPage(all, input.Marker, input.MaxItems ?? 50);
    return { LayerVersions: page, ...(nextMarker ? { NextMarker: nextMarker } : {}) };
  }

  /**
   * Deleting a version that is not there is no error. Functions using it keep their copy; its number is
   * never given again (the layer stays known, with its count, even when its last version goes).
   */
  delete(input: DeleteLayerVersionCommandInput, ctx: RequestContext) {
    const ref = parseLayerName(input.LayerName, ctx);
    const n = checkVersionNumber(input.VersionNumber);
    if (this.core.layers.get(ref.arn)?.versions.delete(n)) {
      this.core.deps.bus.record({ type: 'lambda.layer.delete-version', layerName: ref.name, version: n });
    }
    return withMeta({}, { status: 204 });
  }
}
