import { fileURLToPath } from 'node:url';
import { docker, imageId } from './docker-cli.js';
import { imagePresent, NODE_BASE } from './base-images.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const SERVICE_IMAGE_DEFAULT = 'payments-service:local';
const OFFICIAL_BASE = 'node:20-slim';
/** Aurora's server certificates chain to it; service/Dockerfile downloads it (its RDS_CA_BUNDLE_URL default). */
export const RDS_CA_BUNDLE_URL = 'https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem';
const BUILD_TIMEOUT_MS = 15 * 60_000;

export interface BuiltImage { ref: string; id: string; base: string; size_bytes: number; build_ms: number }

/**
 * Builds service/Dockerfile from the repository root. The base: node:20-slim (official) unless
 * only the local base exists, as on a machine without a registry (npm run containers:setup made it).
 * The RDS CA bundle is downloaded at build time; where that host is unreachable it is left out
 * (`rds_ca_bundle: false`), and a task told DB_SSL=verify-full would then refuse to start.
 */
export async function buildServiceImage(o: { ref?: string; base?: string; rds_ca_bundle?: boolean } = {}): Promise<BuiltImage> {
  const ref = o.ref ?? SERVICE_IMAGE_DEFAULT;
  const base = o.base ?? ((await imagePresent(OFFICIAL_BASE)) || !(await imagePresent(NODE_BASE)) ? OFFICIAL_BASE : NODE_BASE);
  const t0 = performance.now();
  // The classic builder: BuildKit's Dockerfile frontend is an image too, which cannot be pulled here.
  await docker(['build', '--network', 'host', '-f', 'service/Dockerfile', '-t', ref, '--build-arg', `BASE_IMAGE=${base}`,
    ...(o.rds_ca_bundle === false ? ['--build-arg', 'RDS_CA_BUNDLE_URL='] : []), repoRoot], { timeout_ms: BUILD_TIMEOUT_MS, env: { DOCKER_BUILDKIT: '0' } });
  const build_ms = Math.round(performance.now() - t0);
  const id = await imageId(ref);
  const size_bytes = Number(await docker(['image', 'inspect', '--format', '{{.Size}}', id]));
  return { ref, id, base, size_bytes, build_ms };
}
