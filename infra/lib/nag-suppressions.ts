import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * cdk-nag findings are acknowledged on the resource they are about (and its children), each with
 * its reason, where the resource is defined: a new finding anywhere else in the same stack still
 * fails synth. Packs: AwsSolutions, PCI DSS 3.2.1.
 */
export function acknowledge(scope: IConstruct, rule: `AwsSolutions-${string}` | `PCI.DSS.321-${string}`, reason: string) {
  const pack = rule.startsWith('AwsSolutions-') ? 'AwsSolutions' : 'PCI.DSS.321';
  Validations.of(scope).acknowledge({ id: `${pack}::${rule}`, reason });
}

/** CDK's grant model writes a role's permissions as its inline default policy. */
export const CDK_DEFAULT_POLICY = 'CDK grants write least-privilege statements into the role\'s own default policy; a managed policy per role would hold the same statements.';
