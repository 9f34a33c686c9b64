import { AwsError, constraintViolation } from '../core/errors';
import type { RequestContext } from '../core/context';
import { uuid } from '../core/ids';
import { getRole, iamId, iamNow, noSuchEntity, type IamState, type Role } from './model';
import { isServiceLinked, roleView } from './roles';

/** The part after `AWSServiceRoleFor` for services whose role name is not their prefix capitalized. */
const ROLE_NAMES: Record<string, string> = {
  autoscaling: 'AutoScaling',
  elasticbeanstalk: 'ElasticBeanstalk',
  elasticloadbalancing: 'ElasticLoadBalancing',
  elasticache: 'ElastiCache',
  ecs: 'ECS',
  eks: 'AmazonEKS',
  'eks-nodegroup': 'AmazonEKSNodegroup',
  'eks-fargate': 'AmazonEKSForFargate',
  rds: 'RDS',
  redshift: 'Redshift',
  spot: 'EC2Spot',
  spotfleet: 'EC2SpotFleet',
  es: 'AmazonElasticsearchService',
  opensearchservice: 'AmazonOpenSearchService',
  guardduty: 'AmazonGuardDuty',
  ssm: 'AmazonSSM',
  inspector2: 'AmazonInspector2',
  fsx: 'AmazonFSx',
  cloudtrail: 'CloudTrail',
  config: 'Config',
  organizations: 'Organizations',
  securityhub: 'SecurityHub',
  backup: 'Backup',
  kafka: 'Kafka',
  apigateway: 'APIGateway',
  transitgateway: 'VPCTransitGateway',
  globalaccelerator: 'GlobalAccelerator',
  elasticmapreduce: 'EMRCleanup',
  'dynamodb.application-autoscaling': 'ApplicationAutoScaling_DynamoDBTable',
  'ecs.application-autoscaling': 'ApplicationAutoScaling_ECSService',
  'rds.application-autoscaling': 'ApplicationAutoScaling_RDSCluster',
  'lambda.application-autoscaling': 'ApplicationAutoScaling_LambdaConcurrency',
};

/** Services that refuse a CustomSuffix (AWS allows one role per account for them). */
const NO_SUFFIX = new Set(['es', 'ecs', 'opensearchservice', 'elasticloadbalancing', 'spot']);

const SERVICE = /^[a-z0-9][a-z0-9.-]*\.amazonaws\.com$/;
const SUFFIX = /^[\w+=,.@-]+$/;

/** `elasticbeanstalk.amazonaws.com` → `ElasticBeanstalk`; an unlisted service gets its prefix's parts capitalized. */
function roleBaseName(prefix: string): string {
  return ROLE_NAMES[prefix] ?? prefix.split(/[.-]/).map((part) => part.charAt(0).toUpperCase() + part.slice(1)).join('');
}


/**
 * Service-linked roles, as Terraform's aws_iam_service_linked_role makes them: a role under
 * `/aws-service-role/<service>/` the service may assume. The policy AWS attaches to such a role is an AWS managed
 * policy, not catalogued here, so none is attached. Deleting one finishes at once: its status is SUCCEEDED.
 */
export function serviceLinkedRoleOperations(state: IamState) {
  return {
    CreateServiceLinkedRole(input: any, ctx: RequestContext) {
      const service: string | undefined = input.AWSServiceName;
      if (service === undefined) throw constraintViolation('ValidationError', 'aWSServiceName', service, 'Member must not be null');
      if (!SERVICE.test(service)) throw new AwsError('InvalidInput', `Unrecognized service principal ${service}.`, 400);
      const prefix = service.slice(0, -'.amazonaws.com'.length);
      const suffix: string | undefined = input.CustomSuffix;
      if (suffix !== undefined) {
        if (NO_SUFFIX.has(prefix)) throw new AwsError('InvalidInput', `Custom suffix is not allowed for ${service}`, 400);
        if (suffix.length < 1 || suffix.length > 64 || !SUFFIX.test(suffix)) {
          throw constraintViolation('ValidationError', 'customSuffix', suffix, 'Member must satisfy regular expression pattern: [\\w+=,.@-]+');
        }
      }
      const name = `AWSServiceRoleFor${roleBaseName(prefix)}${suffix === undefined ? '' : `_${suffix}`}`;
      if (name.length > 64) throw new AwsError('InvalidInput', `Role name ${name} is longer than 64 characters.`, 400);
      if (state.roles.has(name)) throw new AwsError('InvalidInput', `Service role name ${name} has been taken in this account, please try a different suffix.`, 400);
      const path = `/aws-service-role/${service}/`;
      const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: [service] }, Action: ['sts:AssumeRole'] }] };
      const role: Role = {
        RoleName: name,
        RoleId: iamId('AROA', uuid()),
        Arn: `arn:aws:iam::${ctx.accountId}:role${path}${name}`,
        Path: path,
        CreateDate: iamNow(state),
        AssumeRolePolicyDocument: JSON.stringify(trust),
        Description: input.Description,
        MaxSessionDuration: 3600,
        Tags: [],
        attached: new Map(),
        inline: new Map(),
      };
      state.roles.set(name, role);
      return { Role: roleView(role) };
    },
    DeleteServiceLinkedRole(input: any) {
      const role = getRole(state, input.RoleName);
      if (!isServiceLinked(role)) throw new AwsError('InvalidInput', `Role ${role.RoleName} is not a service-linked role.`, 400);
      state.roles.delete(role.RoleName);
      for (const profile of state.instanceProfiles.values()) if (profile.roleName === role.RoleName) profile.roleName = undefined;
      const service = role.Path.split('/')[2];
      const taskId = `task/aws-service-role/${service}/${role.RoleName}/${uuid()}`;
      state.deletionTasks.set(taskId, 'SUCCEEDED');
      return { DeletionTaskId: taskId };
    },
    GetServiceLinkedRoleDeletionStatus(input: any) {
      const status = input.DeletionTaskId === undefined ? undefined : state.deletionTasks.get(input.DeletionTaskId);
      if (status === undefined) throw noSuchEntity(`Deletion task ${input.DeletionTaskId} cannot be found.`);
      return { Status: status };
    },
  };
}
