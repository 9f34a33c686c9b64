import * as iamSdk from '@aws-sdk/client-iam';
import * as stsSdk from '@aws-sdk/client-sts';
import * as s3Sdk from '@aws-sdk/client-s3';
import * as sqsSdk from '@aws-sdk/client-sqs';
import * as snsSdk from '@aws-sdk/client-sns';
import * as lambdaSdk from '@aws-sdk/client-lambda';
import * as logsSdk from '@aws-sdk/client-cloudwatch-logs';
import * as secretsSdk from '@aws-sdk/client-secrets-manager';
import * as ssmSdk from '@aws-sdk/client-ssm';
import type { ServiceDeps } from './core/service';
import { loadServiceModel, type ServiceModel } from './protocols/model';
import { awsJsonCodec } from './protocols/json';
import { queryCodec } from './protocols/query';
import { restXmlCodec } from './protocols/rest-xml';
import { restJsonCodec } from './protocols/rest-json';
import type { Codec, WireRequest } from './protocols/types';
import type { MountedService } from './server';
import { createIamProvider } from './iam';
import { createStsProvider } from './sts';
import { createSecretsManagerProvider } from './secretsmanager';
import { createLogsProvider } from './logs';
import { createSsmProvider } from './ssm';
import { createCloudWatchProvider } from './cloudwatch';
import { cborCodec } from './protocols/cbor';
import * as cloudwatchSdk from '@aws-sdk/client-cloudwatch';
import * as eventsSdk from '@aws-sdk/client-eventbridge';
import { createEventsProvider } from './events';
import { createLambdaProvider } from './lambda';
import { createSqsProvider } from './sqs';
import { createSnsProvider } from './sns';
import { createS3Provider } from './s3';
import * as schedulerSdk from '@aws-sdk/client-scheduler';
import * as pipesSdk from '@aws-sdk/client-pipes';
import { createSchedulerProvider } from './scheduler';
import { createPipesProvider } from './pipes';

/**
 * Every service the emulator serves: its API model (from the official SDK client), the protocols it
 * speaks, and its provider. Adding a service is one entry here.
 */
interface ServiceDefinition {
  name: string;
  sdk: Record<string, unknown>;
  codecs(model: ServiceModel): (req: WireRequest) => Codec;
  create(deps: ServiceDeps): Record<string, any>;
}

const only = (codec: Codec) => () => codec;

/** JSON for clients that send X-Amz-Target (current SDKs), Query for the older form posts. */
const jsonOrQuery = (model: ServiceModel, version: '1.0' | '1.1', xmlNamespace: string) => {
  const json = awsJsonCodec(model, version);
  const query = queryCodec(model, xmlNamespace);
  return (req: WireRequest) => (req.headers['x-amz-target'] ? json : query);
};

const DEFINITIONS: ServiceDefinition[] = [
  { name: 'iam', sdk: iamSdk, codecs: (m) => only(queryCodec(m, 'https://iam.amazonaws.com/doc/2010-05-08/')), create: createIamProvider },
  { name: 'sts', sdk: stsSdk, codecs: (m) => only(queryCodec(m, 'https://sts.amazonaws.com/doc/2011-06-15/')), create: createStsProvider },
  { name: 'secretsmanager', sdk: secretsSdk, codecs: (m) => only(awsJsonCodec(m, '1.1')), create: createSecretsManagerProvider },
  { name: 's3', sdk: s3Sdk, codecs: (m) => only(restXmlCodec(m)), create: createS3Provider },
  { name: 'sqs', sdk: sqsSdk, codecs: (m) => jsonOrQuery(m, '1.0', 'http://queue.amazonaws.com/doc/2012-11-05/'), create: createSqsProvider },
  { name: 'sns', sdk: snsSdk, codecs: (m) => only(queryCodec(m, 'http://sns.amazonaws.com/doc/2010-03-31/')), create: createSnsProvider },
  { name: 'lambda', sdk: lambdaSdk, codecs: (m) => only(restJsonCodec(m)), create: createLambdaProvider },
  {
    name: 'monitoring',
    sdk: cloudwatchSdk,
    // CloudWatch speaks three protocols depending on the client: JSON 1.0 (JS SDK), CBOR (new botocore), Query (old).
    codecs: (m) => {
      const json = awsJsonCodec(m, '1.0');
      const cbor = cborCodec(m);
      const query = queryCodec(m, 'http://monitoring.amazonaws.com/doc/2010-08-01/');
      return (req) => (req.headers['smithy-protocol'] === 'rpc-v2-cbor' ? cbor : req.headers['x-amz-target'] ? json : query);
    },
    create: createCloudWatchProvider,
  },
  { name: 'events', sdk: eventsSdk, codecs: (m) => only(awsJsonCodec(m, '1.1')), create: createEventsProvider },
  { name: 'logs', sdk: logsSdk, codecs: (m) => only(awsJsonCodec(m, '1.1')), create: createLogsProvider },
  { name: 'ssm', sdk: ssmSdk, codecs: (m) => only(awsJsonCodec(m, '1.1')), create: createSsmProvider },
  { name: 'scheduler', sdk: schedulerSdk, codecs: (m) => only(restJsonCodec(m)), create: createSchedulerProvider },
  { name: 'pipes', sdk: pipesSdk, codecs: (m) => only(restJsonCodec(m)), create: createPipesProvider },
];

export function mountServices(deps: ServiceDeps): Map<string, MountedService> {
  const mounted = new Map<string, MountedService>();
  for (const def of DEFINITIONS) {
    const model = loadServiceModel(def.sdk);
    mounted.set(def.name, {
      name: def.name,
      codecFor: def.codecs(model),
      provider: def.create(deps),
      actions: new Set(model.operations.keys()),
    });
  }
  return mounted;
}
