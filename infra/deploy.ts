// `npm run deploy -- --stage prod --image-digest sha256:... --report reports/<run>/summary.json`
// Refuses unless a passing gate report exists for the same image digest and commit.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { suite } from '../scenarios/catalogue/index.js';
import type { GateSummary } from '../scenarios/report/gate-summary.js';
import { IMAGE_DIGEST_PATTERN, missingInputs } from './bin/app.js';
import { STAGES } from './lib/stage-config.js';
import { refuseDeploy } from './lib/gate-evidence.js';

const { values } = parseArgs({ options: {
  stage: { type: 'string', default: 'dev' }, 'image-digest': { type: 'string' }, report: { type: 'string' }, 'dry-run': { type: 'boolean', default: false },
  'certificate-arn': { type: 'string' }, 'alarm-email': { type: 'string' },
} });
const fail = (msg: string, code = 1): never => { process.stderr.write(`deploy refused: ${msg}\n`); process.exit(code); };

const digest = values['image-digest'] ?? fail('--image-digest sha256:<64 hex> is required (the digest the gates ran against)', 2);
if (!IMAGE_DIGEST_PATTERN.test(digest)) fail(`--image-digest must look like sha256:<64 hex>, got "${digest}"`, 2);
if (values.stage !== 'dev' && values.stage !== 'prod') fail(`--stage must be dev or prod, got "${values.stage}"`, 2);
const stageInputs = { ...(values['certificate-arn'] ? { certificateArn: values['certificate-arn'] } : {}), ...(values['alarm-email'] ? { alarmEmail: values['alarm-email'] } : {}) };
const missing = missingInputs(STAGES[values.stage as 'dev' | 'prod'], stageInputs, 'deploy');
if (missing.length) fail(`\n  - ${missing.join('\n  - ')}`, 2);
const reportPath = values.report ?? fail('--report <reports/.../summary.json> is required: the gate run that vouches for this digest', 2);
let summary: GateSummary | null = null;
try { summary = JSON.parse(await readFile(reportPath, 'utf8')) as GateSummary; } catch { summary = null; }
const commit = execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
const reasons = refuseDeploy(summary, { imageDigest: digest, commit, requiredScenarios: suite('gate').map((s) => s.name) });
if (reasons.length) fail(`\n  - ${reasons.join('\n  - ')}`);
process.stdout.write(`gate report ${reportPath} vouches for ${digest} at ${commit}: deploying stage ${values.stage}\n`);
const args = ['cdk', 'deploy', '--all', '--require-approval', 'never', '-c', `stage=${values.stage}`, '-c', `imageDigest=${digest}`,
  ...(stageInputs.certificateArn ? ['-c', `certificateArn=${stageInputs.certificateArn}`] : []), ...(stageInputs.alarmEmail ? ['-c', `alarmEmail=${stageInputs.alarmEmail}`] : [])];
if (values['dry-run']) { process.stdout.write(`dry run: npx ${args.join(' ')}\n`); process.exit(0); }
const r = spawnSync('npx', args, { cwd: path.dirname(fileURLToPath(import.meta.url)), stdio: 'inherit' });
process.exit(r.status ?? 1);
