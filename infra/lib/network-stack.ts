import { Stack, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { LogsKey } from './logs-key.js';
import { acknowledge, CDK_DEFAULT_POLICY } from './nag-suppressions.js';

export interface NetworkStackProps extends StackProps { natGateways: number }

/** Two AZs; public (ALB, NAT), app (tasks, egress via NAT), data (Aurora, Redis; no route out). */
export class NetworkStack extends Stack {
  readonly vpc: ec2.Vpc;

  constructor(scope: Construct, id: string, props: NetworkStackProps) {
    super(scope, id, props);
    const logsKey = new LogsKey(this, 'LogsKey');
    this.vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: props.natGateways,
      subnetConfiguration: [
        // Nothing here needs a public address of its own: the ALB and the NAT gateways get theirs.
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24, mapPublicIpOnLaunch: false },
        { name: 'app', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
        { name: 'data', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
      flowLogs: { all: { destination: ec2.FlowLogDestination.toCloudWatchLogs(new logs.LogGroup(this, 'FlowLogs', { retention: logs.RetentionDays.ONE_MONTH, encryptionKey: logsKey.key })) } },
    });
    acknowledge(this.vpc.node.findChild('all'), 'PCI.DSS.321-IAMNoInlinePolicy', `Flow-log delivery role: ${CDK_DEFAULT_POLICY}`);
    for (const s of this.vpc.publicSubnets) {
      acknowledge(s, 'PCI.DSS.321-VPCNoUnrestrictedRouteToIGW', 'Public subnets hold the internet-facing ALB and the NAT gateways: their default route is the internet gateway by design; app and data subnets have none.');
    }
    acknowledge(this.vpc, 'PCI.DSS.321-VPCDefaultSecurityGroupClosed', 'Nothing uses the default security group (every ENI has its own); closing it needs a custom-resource Lambda that brings findings of its own.');
    // AWS APIs the tasks call stay inside the VPC.
    this.vpc.addGatewayEndpoint('S3', { service: ec2.GatewayVpcEndpointAwsService.S3 });
    this.vpc.addGatewayEndpoint('DynamoDb', { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB });
    for (const [id, service] of Object.entries({
      SecretsManager: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER, EcrApi: ec2.InterfaceVpcEndpointAwsService.ECR,
      EcrDocker: ec2.InterfaceVpcEndpointAwsService.ECR_DOCKER, Logs: ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
      Kms: ec2.InterfaceVpcEndpointAwsService.KMS, XRay: ec2.InterfaceVpcEndpointAwsService.XRAY,
    })) {
      const endpoint = this.vpc.addInterfaceEndpoint(id, { service, subnets: { subnetGroupName: 'app' } });
      const onlyVpc = 'Interface endpoint: its security group admits 443 from the VPC CIDR only (a token the rule cannot resolve).';
      acknowledge(endpoint, 'AwsSolutions-EC23', onlyVpc);
      acknowledge(endpoint, 'PCI.DSS.321-EC2RestrictedCommonPorts', onlyVpc);
      acknowledge(endpoint, 'PCI.DSS.321-EC2RestrictedSSH', onlyVpc);
    }
  }
}
