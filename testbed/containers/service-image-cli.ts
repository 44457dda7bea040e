// `npm run image [-- --tag <ref>] [--base <image>]`: builds the service image and prints its ID,
// the digest a gate run with --service-image records and `npm run deploy` checks.
import { parseArgs } from 'node:util';
import { TestbedError } from '../local/errors.js';
import { RDS_CA_BUNDLE_URL, buildServiceImage, SERVICE_IMAGE_DEFAULT } from './service-image.js';

const say = (line: string) => process.stderr.write(`[image] ${line}\n`);
const PROBE_TIMEOUT_MS = 3_000;

try {
  const { values: v } = parseArgs({ options: { tag: { type: 'string' }, base: { type: 'string' } } });
  const reachable = await fetch(RDS_CA_BUNDLE_URL, { method: 'HEAD', signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) }).then((r) => r.ok, () => false);
  if (!reachable) say(`${new URL(RDS_CA_BUNDLE_URL).host} is unreachable: the image leaves out the RDS CA bundle (DB_SSL=verify-full would refuse to start)`);
  say(`building ${v.tag ?? SERVICE_IMAGE_DEFAULT} from service/Dockerfile`);
  const img = await buildServiceImage({ ...(v.tag ? { ref: v.tag } : {}), ...(v.base ? { base: v.base } : {}), rds_ca_bundle: reachable });
  say(`built in ${(img.build_ms / 1000).toFixed(1)} s on ${img.base}: ${(img.size_bytes / 1e6).toFixed(0)} MB`);
  process.stdout.write(`${img.ref} ${img.id}\n`);
} catch (err) {
  say(err instanceof TestbedError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') ? (err as Error).message : `failed: ${(err as Error).stack}`);
  process.exitCode = 1;
}
