import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { acknowledge, CDK_DEFAULT_POLICY } from './nag-suppressions.js';
import { WebAcl } from './web-acl.js';

export const ALB_IDLE_TIMEOUT_S = 60;

/**
 * The internet-facing edge: an ALB in the public subnets with access logs and AWS WAF; HTTPS with
 * a certificate (port 80 then only redirects), plain HTTP without one (dev). Returns the listener
 * the service's blue/green routing attaches to (infra/lib/blue-green-routing.ts).
 */
export function publicEdge(scope: Construct, props: { vpc: ec2.IVpc; certificateArn?: string }): { alb: elbv2.ApplicationLoadBalancer; listener: elbv2.ApplicationListener } {
    const accessLogs = new s3.Bucket(scope, 'AlbLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED, enforceSSL: true, blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      removalPolicy: RemovalPolicy.DESTROY, autoDeleteObjects: true, lifecycleRules: [{ expiration: Duration.days(90), noncurrentVersionExpiration: Duration.days(7) }],
      versioned: true,
    });
    acknowledge(accessLogs, 'AwsSolutions-S1', 'The ALB access-log bucket does not log access to itself (it would recurse); it is private, encrypted, SSL-only, versioned, expiring after 90 days.');
    acknowledge(accessLogs, 'PCI.DSS.321-S3BucketLoggingEnabled', 'The ALB access-log bucket does not log access to itself (it would recurse).');
    acknowledge(accessLogs, 'PCI.DSS.321-S3DefaultEncryptionKMS', 'ALB access-log delivery supports SSE-S3 only, not SSE-KMS.');
    acknowledge(accessLogs, 'PCI.DSS.321-S3BucketReplicationEnabled', 'Access logs kept 90 days in one region; the payment data (Aurora, DynamoDB) is what is backed up.');
    acknowledge(accessLogs, 'PCI.DSS.321-IAMNoInlinePolicy', `Auto-delete custom resource: ${CDK_DEFAULT_POLICY}`);
    const alb = new elbv2.ApplicationLoadBalancer(scope, 'Alb', {
      vpc: props.vpc, internetFacing: true, vpcSubnets: { subnetGroupName: 'public' },
      idleTimeout: Duration.seconds(ALB_IDLE_TIMEOUT_S), dropInvalidHeaderFields: true,
    });
    alb.logAccessLogs(accessLogs);
    acknowledge(alb, 'AwsSolutions-EC23', 'Internet-facing ALB: its security group accepts the internet on the listener ports by design (WAF in front).');
    // The WAF also answers 404 for the operational paths (metrics, readiness: for the VPC only).
    new WebAcl(scope, 'Waf', { albArn: alb.loadBalancerArn });
    const listener = props.certificateArn
      ? alb.addListener('Https', { port: 443, certificates: [elbv2.ListenerCertificate.fromArn(props.certificateArn)], sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS })
      : alb.addListener('Http', { port: 80 });
    // With a certificate, plain HTTP only redirects: no payment ever crosses the internet in clear.
    if (props.certificateArn) {
      const redirect = alb.addRedirect({ sourcePort: 80, targetPort: 443 });
      acknowledge(redirect, 'PCI.DSS.321-ALBHttpToHttpsRedirection', 'This listener only redirects to HTTPS.');
      acknowledge(redirect, 'PCI.DSS.321-ELBv2ACMCertificateRequired', 'This listener only redirects to HTTPS; it carries no traffic.');
    } else {
      acknowledge(listener, 'PCI.DSS.321-ELBv2ACMCertificateRequired', 'Dev without a certificate serves plain HTTP; prod refuses to synthesise without one.');
      acknowledge(listener, 'PCI.DSS.321-ALBHttpToHttpsRedirection', 'Dev without a certificate serves plain HTTP; prod refuses to synthesise without one.');
    }
  return { alb, listener };
}
