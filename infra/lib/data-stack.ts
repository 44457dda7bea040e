import { Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { APP_DB_ROLE } from '../../service/db/migrate.js';
import { FIS_CACHE_TAG } from './fis-from-scenario.js';
import { acknowledge } from './nag-suppressions.js';

export interface DataStackProps extends StackProps {
  vpc: ec2.IVpc;
  dbInstanceClass: string;
  cacheNodeType: string;
  backupRetentionDays: number;
  protectData: boolean;
}

export const DB_NAME = 'payments';
/** The cluster's master user: owns the schema and runs migrations; the service never logs in as it. */
export const DB_OWNER = 'payments_owner';
/** The service's own login (service/db/migrations/004_app_role.sql). */
export const DB_USER = APP_DB_ROLE;
export const DB_PORT = 5432;
/** Primary and one replica, one per AZ. */
export const CACHE_NODES = 2;
export const REDIS_PORT = 6379;

/** The stateful stack: Aurora PostgreSQL, ElastiCache Redis, the sessions table, their KMS key. */
export class DataStack extends Stack {
  readonly key: kms.Key;
  readonly cluster: rds.DatabaseCluster;
  /** The master (schema owner) secret: for the migration task only. */
  readonly dbSecret: secretsmanager.ISecret;
  /** The service role's own secret. */
  readonly appDbSecret: rds.DatabaseSecret;
  readonly redis: elasticache.CfnReplicationGroup;
  /** Redis AUTH token (JSON field `token`): the service presents it on every connection. */
  readonly cacheAuthSecret: secretsmanager.Secret;
  readonly sessions: dynamodb.Table;
  readonly dbSecurityGroup: ec2.SecurityGroup;
  readonly cacheSecurityGroup: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, { ...props, terminationProtection: props.protectData });
    const removalPolicy = props.protectData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    this.key = new kms.Key(this, 'DataKey', { enableKeyRotation: true, description: 'payments data at rest', removalPolicy });
    const dataSubnets = { subnetGroupName: 'data' };

    this.dbSecurityGroup = new ec2.SecurityGroup(this, 'DbSg', { vpc: props.vpc, description: 'Aurora: from service tasks only', allowAllOutbound: false });
    this.cluster = new rds.DatabaseCluster(this, 'Aurora', {
      engine: rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_16_4 }),
      credentials: rds.Credentials.fromGeneratedSecret(DB_OWNER, { encryptionKey: this.key }),
      // TLS on every connection: the server refuses plain ones.
      parameterGroup: new rds.ParameterGroup(this, 'AuroraParams', {
        engine: rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_16_4 }),
        parameters: { 'rds.force_ssl': '1' },
      }),
      defaultDatabaseName: DB_NAME,
      // Writer in one AZ, reader (failover target) in the other.
      writer: rds.ClusterInstance.provisioned('writer', { instanceType: new ec2.InstanceType(props.dbInstanceClass), enablePerformanceInsights: true, performanceInsightEncryptionKey: this.key }),
      readers: [rds.ClusterInstance.provisioned('reader', { instanceType: new ec2.InstanceType(props.dbInstanceClass), promotionTier: 0, enablePerformanceInsights: true, performanceInsightEncryptionKey: this.key })],
      vpc: props.vpc, vpcSubnets: dataSubnets, securityGroups: [this.dbSecurityGroup],
      storageEncrypted: true, storageEncryptionKey: this.key,
      backup: { retention: Duration.days(props.backupRetentionDays) },
      deletionProtection: props.protectData,
      iamAuthentication: false,
      cloudwatchLogsExports: ['postgresql'],
      removalPolicy: props.protectData ? RemovalPolicy.SNAPSHOT : RemovalPolicy.DESTROY,
      port: DB_PORT,
    });
    this.dbSecret = this.cluster.secret!;
    this.appDbSecret = new rds.DatabaseSecret(this, 'AppDbSecret', { username: DB_USER, encryptionKey: this.key });
    acknowledge(this.appDbSecret, 'AwsSolutions-SMG4', 'Rotation of the service role\'s password waits for the service to re-read the secret after an authentication failure (not implemented yet).');
    acknowledge(this.cluster, 'AwsSolutions-SMG4', 'DB secret rotation waits for the service to re-read the secret after an authentication failure (not implemented yet).');
    acknowledge(this.cluster, 'AwsSolutions-RDS6', 'Password authentication from Secrets Manager; IAM database auth needs 15-minute token refresh in the pool (planned).');
    if (!props.protectData) acknowledge(this.cluster, 'AwsSolutions-RDS10', 'Deletion protection is on in prod (protectData); dev stacks are disposable.');

    this.cacheSecurityGroup = new ec2.SecurityGroup(this, 'CacheSg', { vpc: props.vpc, description: 'Redis: from service tasks only', allowAllOutbound: false });
    this.cacheAuthSecret = this.cacheToken();
    this.redis = this.cache(props, dataSubnets, removalPolicy);

    // The service's session store: hashed token -> customer, expiring via TTL (and checked by the service).
    this.sessions = new dynamodb.Table(this, 'Sessions', {
      partitionKey: { name: 'token_hash', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: 'expires_at',
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED, encryptionKey: this.key,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: props.protectData,
      removalPolicy,
    });
  }

  /** Redis AUTH token for ElastiCache and the service, generated into Secrets Manager. */
  private cacheToken(): secretsmanager.Secret {
    const secret = new secretsmanager.Secret(this, 'CacheAuthToken', {
      description: 'payments cache: Redis AUTH token', encryptionKey: this.key,
      // ElastiCache tokens: 16-128 printable characters, no @ " / (alphanumeric is safe).
      generateSecretString: { secretStringTemplate: '{}', generateStringKey: 'token', passwordLength: 64, excludePunctuation: true },
    });
    acknowledge(secret, 'AwsSolutions-SMG4', 'ElastiCache token rotation (ROTATE strategy) needs the service to accept two tokens during the switch (not implemented yet).');
    return secret;
  }

  /** Redis primary + replica in the other AZ, encrypted at rest and in transit, AUTH required. */
  private cache(props: DataStackProps, dataSubnets: ec2.SubnetSelection, removalPolicy: RemovalPolicy): elasticache.CfnReplicationGroup {
    const cacheSubnets = new elasticache.CfnSubnetGroup(this, 'CacheSubnets', {
      description: 'payments cache (data subnets)', subnetIds: props.vpc.selectSubnets(dataSubnets).subnetIds,
    });
    const redis = new elasticache.CfnReplicationGroup(this, 'Redis', {
      // A dynamic reference: the token is resolved by CloudFormation, never written into the template.
      authToken: this.cacheAuthSecret.secretValueFromJson('token').unsafeUnwrap(),
      replicationGroupDescription: 'payments cache: primary + replica in the other AZ',
      engine: 'redis', engineVersion: '7.1', cacheNodeType: props.cacheNodeType,
      numCacheClusters: CACHE_NODES, automaticFailoverEnabled: true, multiAzEnabled: true,
      atRestEncryptionEnabled: true, kmsKeyId: this.key.keyId, transitEncryptionEnabled: true,
      cacheSubnetGroupName: cacheSubnets.ref, securityGroupIds: [this.cacheSecurityGroup.securityGroupId],
      port: REDIS_PORT, snapshotRetentionLimit: props.protectData ? 7 : 0,
      // FIS finds the group for its AZ power interruption by this tag (its targets take no ARNs).
      tags: [{ key: FIS_CACHE_TAG.key, value: FIS_CACHE_TAG.value }],
    });
    redis.applyRemovalPolicy(removalPolicy);
    acknowledge(redis, 'AwsSolutions-AEC5', 'Default Redis port kept: isolated data subnets, security group admits only the service.');

    return redis;
  }
}
