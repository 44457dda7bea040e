// The only place that reads the environment and context. Stacks and constructs get plain values.
import { App, type Environment, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, PCIDSS321Checks } from 'cdk-nag';
import { azLoss } from '../../scenarios/catalogue/az-loss.js';
import { ChaosStack } from '../lib/chaos-stack.js';
import { CACHE_NODES, DataStack } from '../lib/data-stack.js';
import { NetworkStack } from '../lib/network-stack.js';
import { ObservabilityStack } from '../lib/observability-stack.js';
import { ServiceStack } from '../lib/service-stack.js';
import { STAGES, type StageConfig } from '../lib/stage-config.js';

export interface AppInputs {
  stage: StageConfig['stage'];
  env: Required<Environment>;
  imageDigest: string;
  repositoryName: string;
  certificateArn?: string;
  alarmEmail?: string;
  /** AWS-managed prefix lists of the region's S3 and DynamoDB gateway endpoints (committed context). */
  gatewayPrefixLists: { s3: string; dynamodb: string };
}

export const IMAGE_DIGEST_PATTERN = /^sha256:[0-9a-f]{64}$/;
/** A well-formed placeholder so synth works before any image exists (e.g. in tests). */
export const PLACEHOLDER_DIGEST = `sha256:${'0'.repeat(64)}`;

export function readInputs(app: App): AppInputs {
  const ctx = (k: string) => app.node.tryGetContext(k) as string | undefined;
  const stage = (ctx('stage') ?? 'dev') as StageConfig['stage'];
  if (!(stage in STAGES)) throw new Error(`context "stage" must be dev or prod, got "${stage}"`);
  const imageDigest = ctx('imageDigest') ?? process.env.IMAGE_DIGEST ?? PLACEHOLDER_DIGEST;
  if (!IMAGE_DIGEST_PATTERN.test(imageDigest)) throw new Error(`imageDigest must look like sha256:<64 hex>, got "${imageDigest}"`);
  return {
    stage,
    env: { account: ctx('account') ?? process.env.CDK_DEFAULT_ACCOUNT ?? '111111111111', region: ctx('region') ?? process.env.CDK_DEFAULT_REGION ?? 'us-east-1' },
    imageDigest, repositoryName: ctx('repositoryName') ?? 'payments-service',
    gatewayPrefixLists: gatewayPrefixLists(app, ctx('region') ?? process.env.CDK_DEFAULT_REGION ?? 'us-east-1'),
    ...(ctx('certificateArn') ? { certificateArn: ctx('certificateArn')! } : {}),
    ...(ctx('alarmEmail') ? { alarmEmail: ctx('alarmEmail')! } : {}),
  };
}

/** The managed prefix lists for a region, from cdk.context.json: synth never looks them up. */
export function gatewayPrefixLists(app: App, region: string): { s3: string; dynamodb: string } {
  const key = `gateway-prefix-lists:region=${region}`;
  const v = app.node.tryGetContext(key) as { s3?: string; dynamodb?: string } | undefined;
  if (!v?.s3 || !v.dynamodb) throw new Error(`cdk.context.json has no "${key}": add { "s3": "pl-...", "dynamodb": "pl-..." } from \`aws ec2 describe-managed-prefix-lists --region ${region}\` and commit it (the service's egress is limited to them)`);
  return { s3: v.s3, dynamodb: v.dynamodb };
}

/** What a stage insists on before anything is synthesised: each missing input named with its flag. */
export function missingInputs(cfg: StageConfig, inputs: Pick<AppInputs, 'certificateArn' | 'alarmEmail'>, flags: 'cdk' | 'deploy' = 'cdk'): string[] {
  const flag = (context: string, option: string, value: string) => (flags === 'cdk' ? `-c ${context}=${value}` : `--${option} ${value}`);
  const missing: string[] = [];
  if (cfg.requireHttps && !inputs.certificateArn) missing.push(`stage ${cfg.stage} serves HTTPS only: give its ACM certificate, ${flag('certificateArn', 'certificate-arn', 'arn:aws:acm:<region>:<account>:certificate/<id>')}`);
  if (cfg.requireAlarmDestination && !inputs.alarmEmail) missing.push(`stage ${cfg.stage} alarms must reach someone: give the on-call address, ${flag('alarmEmail', 'alarm-email', '<address>')}`);
  return missing;
}

export function buildApp(app: App, inputs: AppInputs) {
  const cfg = STAGES[inputs.stage];
  const missing = missingInputs(cfg, inputs);
  if (missing.length) throw new Error(`cannot synthesise ${cfg.stage}:\n  - ${missing.join('\n  - ')}`);
  const prefix = `Payments-${cfg.stage}`;
  const env = inputs.env;
  const network = new NetworkStack(app, `${prefix}-Network`, { env, natGateways: cfg.natGateways });
  const data = new DataStack(app, `${prefix}-Data`, { env, vpc: network.vpc, dbInstanceClass: cfg.dbInstanceClass, cacheNodeType: cfg.cacheNodeType, backupRetentionDays: cfg.backupRetentionDays, protectData: cfg.protectData });
  const service = new ServiceStack(app, `${prefix}-Service`, {
    env, vpc: network.vpc, repositoryName: inputs.repositoryName, imageDigest: inputs.imageDigest,
    dbEndpoint: data.cluster.clusterEndpoint.hostname, dbSecretArn: data.dbSecret.secretArn, appDbSecretArn: data.appDbSecret.secretArn, cacheAuthSecretArn: data.cacheAuthSecret.secretArn, dataKeyArn: data.key.keyArn, redisEndpoint: data.redis.attrPrimaryEndPointAddress,
    sessionsTableArn: data.sessions.tableArn, dbSecurityGroup: data.dbSecurityGroup, cacheSecurityGroup: data.cacheSecurityGroup,
    desiredTasks: cfg.desiredTasks, maxTasks: cfg.maxTasks, gatewayPrefixLists: inputs.gatewayPrefixLists, ...(inputs.certificateArn ? { certificateArn: inputs.certificateArn } : {}),
  });
  const observability = new ObservabilityStack(app, `${prefix}-Observability`, {
    env, alb: service.alb, targetGroups: Object.values(service.targetGroups), service: service.service,
    data: { clusterIdentifier: data.cluster.clusterIdentifier, replicationGroupId: data.redis.ref, cacheNodes: CACHE_NODES, sessionsTableName: data.sessions.tableName }, ...(inputs.alarmEmail ? { alarmEmail: inputs.alarmEmail } : {}) });
  const chaos = new ChaosStack(app, `${prefix}-Chaos`, {
    env, scenario: azLoss, vpc: network.vpc, clusterArn: data.cluster.clusterArn,
    ecsClusterName: service.cluster.clusterName, ecsServiceName: service.service.serviceName, stopAlarms: observability.chaosStopAlarms,
  });
  const stacks = { network, data, service, observability, chaos };
  // Findings are acknowledged per resource, with reasons, where each resource is defined.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }), new PCIDSS321Checks(app, { verbose: true }));
  return stacks;
}

if (process.argv[1]?.endsWith('app.ts')) {
  const app = new App();
  buildApp(app, readInputs(app));
  app.synth();
}
