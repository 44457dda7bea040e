import type * as ecs from 'aws-cdk-lib/aws-ecs';
import * as ecsLib from 'aws-cdk-lib/aws-ecs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { acknowledge, CDK_DEFAULT_POLICY } from './nag-suppressions.js';

export interface MigrationTaskProps {
  image: ecs.ContainerImage;
  /** The service's environment, with DB_USER the schema owner (the cluster's master user). */
  environment: Record<string, string>;
  /** The master user's secret: migrations run as the schema owner. */
  ownerSecret: secretsmanager.ISecret;
  /** The service role's secret: the task sets that role's password from it. */
  appSecret: secretsmanager.ISecret;
  logGroup: logs.ILogGroup;
}

/**
 * A one-off task of the same image that applies migrations as the schema owner and lets the
 * service's role (payments_app) log in with its own secret. Run it before each deploy
 * (`aws ecs run-task`, see infra/README.md); the service itself never holds the owner's password.
 */
export class MigrationTask extends Construct {
  readonly taskDefinition: ecsLib.FargateTaskDefinition;

  constructor(scope: Construct, id: string, props: MigrationTaskProps) {
    super(scope, id);
    this.taskDefinition = new ecsLib.FargateTaskDefinition(this, 'Task', {
      cpu: 256, memoryLimitMiB: 512,
      runtimePlatform: { cpuArchitecture: ecsLib.CpuArchitecture.X86_64, operatingSystemFamily: ecsLib.OperatingSystemFamily.LINUX },
    });
    this.taskDefinition.addContainer('migrate', {
      image: props.image, command: ['node', 'service/db/migrate-cli.js'],
      environment: props.environment,
      secrets: {
        DB_PASSWORD: ecsLib.Secret.fromSecretsManager(props.ownerSecret, 'password'),
        APP_DB_PASSWORD: ecsLib.Secret.fromSecretsManager(props.appSecret, 'password'),
      },
      logging: ecsLib.LogDrivers.awsLogs({ streamPrefix: 'migrate', logGroup: props.logGroup }),
      readonlyRootFilesystem: true, user: 'node',
    });
    acknowledge(this.taskDefinition, 'AwsSolutions-ECS2', 'Only non-secret configuration is in the environment; both passwords are injected from Secrets Manager.');
    acknowledge(this.taskDefinition, 'AwsSolutions-IAM5[Resource::*]', 'ecr:GetAuthorizationToken has no resource-level permissions.');
    acknowledge(this.taskDefinition, 'PCI.DSS.321-IAMNoInlinePolicy', `Migration task roles: ${CDK_DEFAULT_POLICY}`);
  }
}
