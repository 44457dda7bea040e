import { Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { DB_NAME, DB_OWNER, DB_PORT, DB_USER, REDIS_PORT } from './data-stack.js';
import { DEPLOYMENT_POLICY } from '../../chaos/deployment-policy.js';
import { blueGreenRouting, CONTAINER_PORT } from './blue-green-routing.js';
import { MigrationTask } from './migration-task.js';
import { ALB_IDLE_TIMEOUT_S, publicEdge } from './public-edge.js';
import { LogsKey } from './logs-key.js';
import { acknowledge, CDK_DEFAULT_POLICY } from './nag-suppressions.js';

export { CONTAINER_PORT, DEREGISTRATION_DELAY_S, HEALTH_CHECK_PATH, SLOW_START_S } from './blue-green-routing.js';

export interface ServiceStackProps extends StackProps {
  vpc: ec2.IVpc;
  repositoryName: string;
  /** The image that passed the gates, by digest (sha256:...), never by a mutable tag. */
  imageDigest: string;
  dbEndpoint: string;
  /** ARNs, not constructs: importing them keeps every grant on this side (no cross-stack key policy cycle). */
  dbSecretArn: string;
  /** The service role's own secret (payments_app). */
  appDbSecretArn: string;
  cacheAuthSecretArn: string;
  /** The S3 (image layers) and DynamoDB gateway endpoints' managed prefix lists: the only egress beyond the VPC's own endpoints. */
  gatewayPrefixLists: { s3: string; dynamodb: string };
  dataKeyArn: string;
  redisEndpoint: string;
  sessionsTableArn: string;
  dbSecurityGroup: ec2.ISecurityGroup;
  cacheSecurityGroup: ec2.ISecurityGroup;
  desiredTasks: number;
  maxTasks: number;
  certificateArn?: string;
}

/** The environment contract with service/config.ts (proved by infra/test/env-contract.test.ts). */
export function serviceEnvironment(p: { dbEndpoint: string; redisEndpoint: string; sessionsTable: string; region: string }): Record<string, string> {
  return {
    PORT: String(CONTAINER_PORT), HOST: '0.0.0.0', LOG_LEVEL: 'info',
    DB_HOST: p.dbEndpoint, DB_PORT: String(DB_PORT), DB_NAME, DB_USER, DB_SSL: 'verify-full', DB_SSL_CA_FILE: RDS_CA_BUNDLE_PATH,
    REDIS_URL: `rediss://${p.redisEndpoint}:${REDIS_PORT}`,
    SESSIONS_TABLE: p.sessionsTable, AWS_REGION: p.region,
    KEEP_ALIVE_TIMEOUT_MS: String((ALB_IDLE_TIMEOUT_S + 5) * 1000),
  };
}

/** Secrets are injected by ECS from Secrets Manager: never in the task definition's plain environment. */
export function serviceSecrets(appDbSecret: secretsmanager.ISecret, cacheAuthSecret: secretsmanager.ISecret): Record<string, ecs.Secret> {
  return { DB_PASSWORD: ecs.Secret.fromSecretsManager(appDbSecret, 'password'), REDIS_AUTH_TOKEN: ecs.Secret.fromSecretsManager(cacheAuthSecret, 'token') };
}

/** Where the image keeps the RDS CA bundle the Aurora server certificate chains to (service/Dockerfile). */
export const RDS_CA_BUNDLE_PATH = '/app/certs/rds-global-bundle.pem';

/** Where the image keeps its liveness probe (service/healthcheck.sh, the image's own HEALTHCHECK). */
export const HEALTH_CHECK_SCRIPT_PATH = '/app/healthcheck.sh';

/**
 * Liveness from inside the task, the image's own HEALTHCHECK: /health never touches a dependency.
 * A bash probe, not `node -e fetch(...)`: a Node start per probe cost 120-200 ms of the task's CPU.
 */
export const CONTAINER_HEALTH_CHECK: ecs.HealthCheck = {
  command: ['CMD', 'bash', HEALTH_CHECK_SCRIPT_PATH],
  interval: Duration.seconds(10), timeout: Duration.seconds(2), retries: 3, startPeriod: Duration.seconds(20),
};

/**
 * The tasks' security group: out only to what the service talks to. Aurora and Redis are added by
 * `connections.allowTo`; AWS APIs go through the VPC's interface endpoints (443 in the VPC) and
 * the S3 and DynamoDB gateway endpoints (their managed prefix lists). Nothing else leaves.
 */
function egressLimited(scope: Construct, vpc: ec2.IVpc, prefixLists: { s3: string; dynamodb: string }): ec2.SecurityGroup {
  const sg = new ec2.SecurityGroup(scope, 'ServiceSg', { vpc, description: 'payments tasks: out to Aurora, Redis and AWS endpoints only', allowAllOutbound: false });
  sg.addEgressRule(ec2.Peer.ipv4(vpc.vpcCidrBlock), ec2.Port.tcp(443), 'AWS APIs through the interface endpoints');
  sg.addEgressRule(ec2.Peer.prefixList(prefixLists.s3), ec2.Port.tcp(443), 'S3 gateway endpoint (image layers)');
  sg.addEgressRule(ec2.Peer.prefixList(prefixLists.dynamodb), ec2.Port.tcp(443), 'DynamoDB gateway endpoint (sessions)');
  return sg;
}

/** ECS Fargate behind an ALB, two AZs, CPU autoscaling, circuit breaker with rollback, X-Ray. */
export class ServiceStack extends Stack {
  readonly alb: elbv2.ApplicationLoadBalancer;
  /** Blue serves first; ECS alternates the roles with every deployment. */
  readonly targetGroups: { Blue: elbv2.ApplicationTargetGroup; Green: elbv2.ApplicationTargetGroup };
  readonly service: ecs.FargateService;
  readonly cluster: ecs.Cluster;
  /** Run before each deploy: migrations as the schema owner, then the service role's password. */
  migrationTask!: ecs.FargateTaskDefinition;

  constructor(scope: Construct, id: string, props: ServiceStackProps) {
    super(scope, id, props);
    const dataKey = kms.Key.fromKeyArn(this, 'DataKey', props.dataKeyArn);
    const dbSecret = secretsmanager.Secret.fromSecretAttributes(this, 'DbSecret', { secretCompleteArn: props.dbSecretArn, encryptionKey: dataKey });
    const appDbSecret = secretsmanager.Secret.fromSecretAttributes(this, 'AppDbSecret', { secretCompleteArn: props.appDbSecretArn, encryptionKey: dataKey });
    const cacheAuthSecret = secretsmanager.Secret.fromSecretAttributes(this, 'CacheAuthSecret', { secretCompleteArn: props.cacheAuthSecretArn, encryptionKey: dataKey });
    const sessions = dynamodb.Table.fromTableAttributes(this, 'Sessions', { tableArn: props.sessionsTableArn, encryptionKey: dataKey });
    this.cluster = new ecs.Cluster(this, 'Cluster', { vpc: props.vpc, containerInsightsV2: ecs.ContainerInsights.ENABLED });

    const taskDef = new ecs.FargateTaskDefinition(this, 'Task', { cpu: 1024, memoryLimitMiB: 2048, runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.X86_64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX } });
    const repo = ecr.Repository.fromRepositoryName(this, 'Repo', props.repositoryName);
    const logGroup = new logs.LogGroup(this, 'Logs', { retention: logs.RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY, encryptionKey: new LogsKey(this, 'LogsKey').key });
    const image = ecs.ContainerImage.fromEcrRepository(repo, props.imageDigest);
    const environment = serviceEnvironment({ dbEndpoint: props.dbEndpoint, redisEndpoint: props.redisEndpoint, sessionsTable: sessions.tableName, region: this.region });
    taskDef.addContainer('payments', {
      image, environment,
      secrets: serviceSecrets(appDbSecret, cacheAuthSecret),
      healthCheck: CONTAINER_HEALTH_CHECK,
      portMappings: [{ containerPort: CONTAINER_PORT }],
      logging: ecs.LogDrivers.awsLogs({ streamPrefix: 'payments', logGroup }),
      stopTimeout: Duration.seconds(35), // SHUTDOWN_TIMEOUT_MS is 30 s: let the drain finish
      readonlyRootFilesystem: true,
      user: 'node',
    });
    taskDef.addContainer('xray', {
      image: ecs.ContainerImage.fromRegistry('public.ecr.aws/xray/aws-xray-daemon:3.3.13'),
      cpu: 32, memoryReservationMiB: 64, essential: false,
      portMappings: [{ containerPort: 2000, protocol: ecs.Protocol.UDP }],
      logging: ecs.LogDrivers.awsLogs({ streamPrefix: 'xray', logGroup }),
    });
    taskDef.taskRole.addManagedPolicy(iam.ManagedPolicy.fromAwsManagedPolicyName('AWSXRayDaemonWriteAccess'));
    sessions.grantReadData(taskDef.taskRole);
    this.migrationTask = new MigrationTask(this, 'Migrate', { image, environment: { ...environment, DB_USER: DB_OWNER }, ownerSecret: dbSecret, appSecret: appDbSecret, logGroup }).taskDefinition;
    acknowledge(taskDef, 'AwsSolutions-ECS2', 'Only non-secret configuration is in the environment (proved by the env-contract test); the DB password is injected from Secrets Manager.');
    acknowledge(taskDef, 'AwsSolutions-IAM5[Resource::*]', 'ecr:GetAuthorizationToken and the X-Ray daemon\'s trace writes have no resource-level permissions.');
    acknowledge(taskDef, 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AWSXRayDaemonWriteAccess]', 'AWSXRayDaemonWriteAccess: the AWS-published policy for the X-Ray sidecar, trace and telemetry writes only.');
    acknowledge(taskDef, 'PCI.DSS.321-IAMNoInlinePolicy', `Task and execution roles: ${CDK_DEFAULT_POLICY}`);

    const edge = publicEdge(this, { vpc: props.vpc, ...(props.certificateArn ? { certificateArn: props.certificateArn } : {}) });
    this.alb = edge.alb;
    const routing = blueGreenRouting(this, { vpc: props.vpc, listener: edge.listener });
    this.targetGroups = routing.targetGroups;
    const policy = DEPLOYMENT_POLICY;
    this.service = new ecs.FargateService(this, 'Service', {
      securityGroups: [egressLimited(this, props.vpc, props.gatewayPrefixLists)],
      cluster: this.cluster, taskDefinition: taskDef, desiredCount: props.desiredTasks,
      vpcSubnets: { subnetGroupName: 'app' }, assignPublicIp: false,
      // Blue/green with linear shifting (chaos/deployment-policy.ts, rehearsed by the
      // blue-green-deploy scenarios): rolled back when a deployment alarm fires.
      deploymentStrategy: ecs.DeploymentStrategy.LINEAR,
      linearConfiguration: { stepPercent: policy.step_pct, stepBakeTime: Duration.seconds(policy.step_bake_s) },
      bakeTime: Duration.seconds(policy.final_bake_s),
      deploymentAlarms: { alarmNames: routing.alarms.map((a) => a.alarmName), behavior: ecs.AlarmBehavior.ROLLBACK_ON_ALARM },
      circuitBreaker: { enable: true, rollback: true },
      minHealthyPercent: 100, maxHealthyPercent: 200,
      healthCheckGracePeriod: Duration.seconds(30),
    });
    this.service.connections.allowTo(props.dbSecurityGroup, ec2.Port.tcp(DB_PORT), 'payments to Aurora');
    this.service.connections.allowTo(props.cacheSecurityGroup, ec2.Port.tcp(REDIS_PORT), 'payments to Redis');
    this.service.loadBalancerTarget({
      containerName: 'payments', containerPort: CONTAINER_PORT,
      alternateTarget: new ecs.AlternateTarget('Alternate', { alternateTargetGroup: routing.targetGroups.Green, productionListener: ecs.ListenerRuleConfiguration.applicationListenerRule(routing.production) }),
    }).attachToApplicationTargetGroup(routing.targetGroups.Blue);
    acknowledge(this.service.node.findChild('AlternateRole'), 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers]',
      'The role ECS assumes to shift listener weights during blue/green: the AWS-published policy for exactly that (ELB rules and target groups).');

    const scaling = this.service.autoScaleTaskCount({ minCapacity: props.desiredTasks, maxCapacity: props.maxTasks });
    scaling.scaleOnCpuUtilization('Cpu70', { targetUtilizationPercent: 70, scaleInCooldown: Duration.seconds(120), scaleOutCooldown: Duration.seconds(30) });
  }
}
