import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { LogsKey } from './logs-key.js';
import { Construct } from 'constructs';

/** Requests per 5 minutes from one address before it is blocked: far above a payment client's rate. */
export const WAF_RATE_LIMIT_PER_5_MIN = 20_000;
/** Path prefixes the internet never reaches (metrics, readiness: for the VPC only); answered 404. */
export const INTERNAL_PATH_PREFIXES = ['/metrics', '/ready'];

/**
 * AWS WAF in front of the internet-facing ALB (PCI DSS 6.6): the operational paths answered 404,
 * AWS's common and known-bad-inputs rule sets, and a per-address rate limit. (The 404 lives here,
 * not in a listener rule: ECS blue/green needs a listener with forward actions only.) Metrics and sampled requests go to CloudWatch; the log
 * goes to an encrypted log group with the bearer token redacted.
 */
export class WebAcl extends Construct {
  constructor(scope: Construct, id: string, props: { albArn: string }) {
    super(scope, id);
    const visibility = (name: string) => ({ cloudWatchMetricsEnabled: true, metricName: name, sampledRequestsEnabled: true });
    const managed = (name: string, priority: number): wafv2.CfnWebACL.RuleProperty => ({
      name, priority, overrideAction: { none: {} }, visibilityConfig: visibility(name),
      statement: { managedRuleGroupStatement: { vendorName: 'AWS', name } },
    });
    const acl = new wafv2.CfnWebACL(this, 'Acl', {
      scope: 'REGIONAL', defaultAction: { allow: {} }, visibilityConfig: visibility('payments-edge'),
      rules: [
        { name: 'InternalPaths', priority: 0, action: { block: { customResponse: { responseCode: 404 } } }, visibilityConfig: visibility('InternalPaths'),
          statement: { orStatement: { statements: INTERNAL_PATH_PREFIXES.map((p) => ({ byteMatchStatement: {
            fieldToMatch: { uriPath: {} }, positionalConstraint: 'STARTS_WITH', searchString: p, textTransformations: [{ priority: 0, type: 'NONE' }],
          } })) } } },
        managed('AWSManagedRulesCommonRuleSet', 1),
        managed('AWSManagedRulesKnownBadInputsRuleSet', 2),
        { name: 'RatePerAddress', priority: 3, action: { block: {} }, visibilityConfig: visibility('RatePerAddress'),
          statement: { rateBasedStatement: { limit: WAF_RATE_LIMIT_PER_5_MIN, aggregateKeyType: 'IP' } } },
      ],
    });
    new wafv2.CfnWebACLAssociation(this, 'Association', { resourceArn: props.albArn, webAclArn: acl.attrArn });
    // WAF only logs to groups named aws-waf-logs-*; session tokens never reach the log.
    const log = new logs.LogGroup(this, 'Log', {
      logGroupName: `aws-waf-logs-${Stack.of(this).stackName.toLowerCase()}`, retention: logs.RetentionDays.ONE_YEAR,
      encryptionKey: new LogsKey(this, 'LogsKey').key, removalPolicy: RemovalPolicy.RETAIN,
    });
    new wafv2.CfnLoggingConfiguration(this, 'Logging', {
      resourceArn: acl.attrArn, logDestinationConfigs: [log.logGroupArn],
      redactedFields: [{ singleHeader: { Name: 'authorization' } }],
    });
  }
}
