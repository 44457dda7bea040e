import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { buildApp, PLACEHOLDER_DIGEST } from '../bin/app.js';

export const DIGEST = `sha256:${'ab'.repeat(32)}`;

export function synthApp(stage: 'dev' | 'prod') {
  // The committed context file, as the CLI would load it: no lookups, ever.
  const committed = JSON.parse(readFileSync(new URL('../cdk.context.json', import.meta.url), 'utf8')) as Record<string, unknown>;
  const app = new App({ context: { ...committed, stage } });
  const stacks = buildApp(app, { stage, env: { account: '111111111111', region: 'us-east-1' }, imageDigest: DIGEST, repositoryName: 'payments-service' });
  return { app, stacks };
}
export { PLACEHOLDER_DIGEST };
