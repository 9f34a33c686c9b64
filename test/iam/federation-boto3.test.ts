import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { CLIENTS, skipBecause } from '../helpers/cli';
import { useEmulator } from '../helpers/emulator';
import { samlMetadata } from './saml-metadata';

/**
 * Identity providers, service-linked roles and the policy simulator through boto3: IAM answers in Query XML, so
 * botocore must read the nested EvaluationResults and the provider lists. Both the image's boto3 (1.43) and
 * Debian's (1.26), each with its own prefix so one run's names do not collide with the other's.
 */
const run = promisify(execFile);
const emulator = useEmulator();

const SCRIPT = `
import json, sys, boto3
endpoint, prefix, metadata = sys.argv[1], sys.argv[2], sys.argv[3]
iam = boto3.client('iam', endpoint_url=endpoint, region_name='us-east-1', aws_access_key_id='test', aws_secret_access_key='test')
oidc = iam.create_open_id_connect_provider(Url='https://' + prefix + '.example.com', ClientIDList=['sts.amazonaws.com'], ThumbprintList=['a' * 40])['OpenIDConnectProviderArn']
saml = iam.create_saml_provider(Name=prefix + '-idp', SAMLMetadataDocument=metadata)['SAMLProviderArn']
role = iam.create_service_linked_role(AWSServiceName=prefix + '.amazonaws.com')['Role']
task = iam.delete_service_linked_role(RoleName=role['RoleName'])['DeletionTaskId']
doc = json.dumps({'Version': '2012-10-17', 'Statement': [
  {'Effect': 'Allow', 'Action': 's3:Get*', 'Resource': 'arn:aws:s3:::b/*'},
  {'Effect': 'Deny', 'Action': 's3:GetObject', 'Resource': 'arn:aws:s3:::b/private/*'}]})
sim = iam.simulate_custom_policy(PolicyInputList=[doc], ActionNames=['s3:GetObject', 's3:PutObject'], ResourceArns=['arn:aws:s3:::b/public/x', 'arn:aws:s3:::b/private/y'])
print(json.dumps({
  'boto3': boto3.__version__,
  'oidc': oidc,
  'oidcUrl': iam.get_open_id_connect_provider(OpenIDConnectProviderArn=oidc)['Url'],
  'oidcList': [p['Arn'] for p in iam.list_open_id_connect_providers()['OpenIDConnectProviderList']],
  'saml': saml,
  'samlList': [p['Arn'] for p in iam.list_saml_providers()['SAMLProviderList']],
  'samlValidUntil': iam.get_saml_provider(SAMLProviderArn=saml)['ValidUntil'].isoformat(),
  'roleArn': role['Arn'],
  'deletion': iam.get_service_linked_role_deletion_status(DeletionTaskId=task)['Status'],
  'decisions': [[r['EvalActionName'], r['EvalResourceName'], r['EvalDecision']] for r in sim['EvaluationResults']],
  'matched': sim['EvaluationResults'][0]['MatchedStatements'],
  'keys': iam.get_context_keys_for_custom_policy(PolicyInputList=[json.dumps({'Statement': {'Effect': 'Allow', 'Action': '*', 'Resource': '*', 'Condition': {'Bool': {'aws:SecureTransport': 'true'}}}})])['ContextKeyNames'],
}))
`;

const pythons = [
  { label: 'python3 on PATH (boto3 1.43)', exe: 'python3', prefix: 'newer' },
  { label: "Debian's python3 (boto3 1.26)", exe: CLIENTS.debianPython, prefix: 'older' },
];

it.each(pythons)('reads providers, service-linked roles and simulation results: $label', async ({ exe, prefix }) => {
  try {
    await run(exe, ['-c', 'import boto3'], { timeout: 30_000 });
  } catch {
    return skipBecause(`${exe} has no boto3`);
  }
  const { stdout } = await run(exe, ['-c', SCRIPT, emulator().endpoint, prefix, samlMetadata('https://idp.example.com', '2032-01-01T00:00:00Z')], {
    timeout: 60_000,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' },
  });
  const out = JSON.parse(stdout);
  expect(out.oidc).toBe(`arn:aws:iam::000000000000:oidc-provider/${prefix}.example.com`);
  expect(out.oidcUrl).toBe(`${prefix}.example.com`);
  expect(out.oidcList).toContain(out.oidc);
  expect(out.samlList).toContain(out.saml);
  expect(out.samlValidUntil).toMatch(/^2032-01-01T00:00:00/);
  expect(out.roleArn).toMatch(new RegExp(`:role/aws-service-role/${prefix}\\.amazonaws\\.com/AWSServiceRoleFor`));
  expect(out.deletion).toBe('SUCCEEDED');
  expect(out.decisions).toEqual([
    ['s3:GetObject', 'arn:aws:s3:::b/public/x', 'allowed'],
    ['s3:GetObject', 'arn:aws:s3:::b/private/y', 'explicitDeny'],
    ['s3:PutObject', 'arn:aws:s3:::b/public/x', 'implicitDeny'],
    ['s3:PutObject', 'arn:aws:s3:::b/private/y', 'implicitDeny'],
  ]);
  expect(out.matched).toEqual([{ SourcePolicyId: 'PolicyInputList.1', StartPosition: { Line: 1, Column: 42 }, EndPosition: { Line: 1, Column: 113 } }]);
  expect(out.keys).toEqual(['aws:SecureTransport']);
});
