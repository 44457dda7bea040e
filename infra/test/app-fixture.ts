import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { buildApp, gatewayPrefixLists, PLACEHOLDER_DIGEST } from '../bin/app.js';

export const DIGEST = `sha256:${'ab'.repeat(32)}`;

export const PROD_INPUTS = { certificateArn: 'arn:aws:acm:us-east-1:111111111111:certificate/00000000-0000-0000-0000-000000000000', alarmEmail: 'oncall@example.com' };

export function synthApp(stage: 'dev' | 'prod', extra: { certificateArn?: string; alarmEmail?: string } = stage === 'prod' ? PROD_INPUTS : {}) {
  // The committed context file, as the CLI would load it: no lookups, ever.
  const committed = JSON.parse(readFileSync(new URL('../cdk.context.json', import.meta.url), 'utf8')) as Record<string, unknown>;
  const app = new App({ context: { ...committed, stage } });
  const stacks = buildApp(app, { stage, env: { account: '111111111111', region: 'us-east-1' }, imageDigest: DIGEST, repositoryName: 'payments-service', gatewayPrefixLists: gatewayPrefixLists(app, 'us-east-1'), ...extra });
  return { app, stacks };
}
export { PLACEHOLDER_DIGEST };
