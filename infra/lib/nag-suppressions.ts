import { type Stack, Validations } from 'aws-cdk-lib';

/**
 * Every cdk-nag (AwsSolutions) finding this app acknowledges, with the reason. A finding not
 * acknowledged here fails synth; infra/test/nag.test.ts proves there are none left.
 */
export const NAG_REASONS = {
  'AwsSolutions-EC23': 'Public ALB: accepts the internet on its listener by design. VPC endpoints: accept 443 from the VPC CIDR only (a token cdk-nag cannot resolve).',
  'AwsSolutions-ECS2': 'Only non-secret configuration is in the environment (proved by the env-contract test); the DB password is injected from Secrets Manager.',
  'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AWSXRayDaemonWriteAccess]': 'The AWS-published policy for the X-Ray daemon sidecar; it grants only trace/telemetry writes.',
  'AwsSolutions-IAM5[Resource::*]': 'ecr:GetAuthorizationToken, X-Ray and FIS ElastiCache describe/interrupt have no resource-level permissions.',
  'AwsSolutions-S1': 'The ALB access-log bucket does not log access to itself (it would recurse); it is private, encrypted, SSL-only, expiring after 90 days.',
  'AwsSolutions-SMG4': 'DB secret rotation waits for the service to re-read the secret after an authentication failure (not implemented yet).',
  'AwsSolutions-RDS6': 'Password authentication from Secrets Manager; IAM database auth needs 15-minute token refresh in the pool (planned).',
  'AwsSolutions-RDS10': 'Deletion protection is on in prod (protectData); dev stacks are disposable.',
  'AwsSolutions-AEC5': 'Default Redis port kept: isolated data subnets, security group admits only the service.',
  'AwsSolutions-AEC6': 'Redis AUTH not enabled yet; TLS in transit and the security group restrict access (REDIS_URL can carry a password when added).',
  'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSFaultInjectionSimulatorNetworkAccess]': 'The AWS-published FIS policy for network disruption experiments.',
  'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSFaultInjectionSimulatorRDSAccess]': 'The AWS-published FIS policy for Aurora failover experiments.',
  'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSFaultInjectionSimulatorECSAccess]': 'The AWS-published FIS policy for stopping ECS tasks.',
} as const;

export type NagFinding = keyof typeof NAG_REASONS;

export function acknowledgeNagFindings(stack: Stack, findings: NagFinding[]) {
  for (const f of findings) Validations.of(stack).acknowledge({ id: `AwsSolutions::${f}`, reason: NAG_REASONS[f] });
}
