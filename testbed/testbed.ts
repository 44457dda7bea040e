import { rm } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { APP_DB_ROLE, migrateAt } from '../service/db/migrate.js';
import { APP_DB_PASSWORD_LOCAL, REDIS_AUTH_TOKEN_LOCAL } from './local/dependencies.js';
import { seed, type SeedResult } from '../service/seed.js';
import { AlbEmulator } from './alb/alb.js';
import { DEFAULT_GROUP } from './alb/listener-weights.js';
import { createSessionsTable, DynaliteProcess } from './local/dynalite.js';
import { PostgresProcess } from './local/postgres.js';
import { RedisProcess } from './local/redis.js';
import { serviceBuild } from './local/service-build.js';
import { ServiceInstance } from './local/service-instance.js';
import { imageId, imageRepoDigests } from './containers/docker-cli.js';
import { reapStaleContainers } from './containers/labels.js';
import { serviceContainer } from './containers/service-container.js';
import { LocalstackDynamo } from './containers/localstack.js';
import { containerLaunchers, isLocalstack, prepareDataContainers, type DataContainers, type DataImages, type DataNode } from './containers/data-images.js';
import { hostLauncher, type Launcher } from './local/launcher.js';
import { makeRunDir, reapStale } from './local/temp-dir.js';
import { waitFor } from './local/wait-for.js';
import { FaultProxy } from './proxy/fault-proxy.js';
import type { Toxic, ToxicDirection } from './proxy/toxics.js';
import { EventLog, type TestbedEvent } from './event-log.js';
import { TestbedError } from './local/errors.js';
import { assertDockerEngine } from './docker-engine.js';
import { ExternalDynamo, ExternalPostgres, ExternalRedis } from './external-nodes.js';
import { treePss_bytes } from './process-memory.js';
import { sumMetric } from './prometheus.js';
import { AZS, ENDPOINTS, proxyName, topologySchema, type Az, type Endpoint, type Topology, type TopologySpec } from './topology.js';

const STANDBY_NAME = 'standby_b';
// The standby's WAL receiver retries every wal_retrieve_retry_interval (5 s by default).
const STANDBY_BACK_WAIT_MS = 30_000;
/** The WAL stream from the writer in AZ a to the standby in AZ b. */
const REPLICATION_PROXY = 'replication@b';
/** Names of the database's processes in `processes()` begin with this. */
export const DATABASE_PREFIX = 'postgres-';

/** A task: its zone, and the task set (deployment) it belongs to, which is also its ALB target group. */
export interface InstanceInfo { id: string; az: Az; group: string; url: string; pid: number | undefined; running: boolean }

/**
 * A two-AZ copy of the production topology on one machine. AZ a holds the Postgres writer and the
 * Redis primary; AZ b their standby and replica; every service instance reaches every dependency
 * through the fault proxy listener of its own AZ, so a link (or a whole zone) can fail alone.
 */
export class Testbed {
  readonly log: EventLog;
  readonly instances = new Map<string, { az: Az; group: string; svc: ServiceInstance }>();
  /** Task sets (ECS deployments) by target group: the environment their tasks add to the base one. */
  private readonly taskSets = new Map<string, Record<string, string>>([[DEFAULT_GROUP, {}]]);
  /** The task set serving production traffic; new tasks join it unless told otherwise. */
  liveTaskSet = DEFAULT_GROUP;
  private readonly refusedAzs = new Set<Az>();
  private instanceSeq = 0;
  seeded!: SeedResult;
  pgPrimary: PostgresProcess | ExternalPostgres;
  pgStandby: PostgresProcess | undefined;
  redisPrimary: RedisProcess | ExternalRedis;
  redisReplica: RedisProcess | undefined;
  readonly dynamo: DynaliteProcess | LocalstackDynamo | ExternalDynamo;
  /** Per run on external endpoints, so a shared server is never clobbered. */
  readonly database: string;
  readonly sessionsTable: string;
  readonly proxy: FaultProxy;
  readonly alb: AlbEmulator;
  /** Where the writer archives WAL segments when topology.wal_archiving is on. */
  readonly archiveDir: string;
  boot_ms = 0;
  /** sha256 of the compiled service the tasks run (testbed/local/service-build.ts), when they run the build. */
  service_build_sha256 = '';
  /** The engine's ID of the image every task runs (topology.service_image), resolved once at boot. */
  image_digest = '';
  /** The registry digests the engine knows for that image (repo@sha256:...): empty for a local build. */
  image_repo_digests: string[] = [];
  private stopped = false;
  // Every node ever started, whatever role failovers moved it to, so `down()` misses none.
  private readonly nodes: { stop(): Promise<void> }[] = [];

  /** Where each kind of data node runs its processes: here, or as containers of its image. */
  readonly launchers: Record<DataNode, Launcher>;
  /** The images the data nodes run as containers (the containers provider), by kind. */
  readonly dataImages: DataImages | undefined;

  private constructor(readonly topology: Topology, readonly runDir: string, containers: DataContainers | undefined, onEvent?: (e: TestbedEvent) => void) {
    this.dataImages = containers?.images;
    this.launchers = containers ? containerLaunchers(containers, runDir) : { postgres: hostLauncher, redis: hostLauncher, dynamodb: hostLauncher };
    const { postgres: pgLauncher, redis: redisLauncher, dynamodb: dynamoLauncher } = this.launchers;
    this.log = new EventLog(onEvent);
    this.archiveDir = path.join(runDir, 'wal-archive');
    const ext = topology.external;
    const suffix = path.basename(runDir).replace(/[^a-zA-Z0-9]/g, '').toLowerCase();
    this.database = ext ? `payments_${suffix}` : 'payments';
    this.sessionsTable = ext ? `sessions_${suffix}` : 'sessions';
    this.pgPrimary = ext ? new ExternalPostgres(ext.postgres_url) : new PostgresProcess({ name: 'postgres-a', runDir, launcher: pgLauncher, ...(topology.wal_archiving ? { settings: {
      archive_mode: 'on', archive_timeout: 60,
      archive_command: `test ! -f ${this.archiveDir}/%f && cp %p ${this.archiveDir}/%f`,
    } } : {}) });
    this.redisPrimary = ext ? new ExternalRedis(ext.redis_url) : new RedisProcess({ name: 'redis-a', runDir, password: REDIS_AUTH_TOKEN_LOCAL, launcher: redisLauncher });
    this.dynamo = ext ? new ExternalDynamo(ext.dynamodb_endpoint)
      : containers && isLocalstack(containers.images.dynamodb) ? new LocalstackDynamo({ runDir, image: containers.images.dynamodb })
      : new DynaliteProcess({ name: 'dynamodb', runDir, launcher: dynamoLauncher });
    this.nodes.push(this.pgPrimary, this.redisPrimary);
    this.proxy = new FaultProxy({ runDir });
    this.alb = new AlbEmulator({ runDir, config: topology.alb });
  }

  /** Boots the whole topology; on any failure everything already started is stopped. */
  static async up(spec: TopologySpec = {}, o: { onEvent?: (e: TestbedEvent) => void; keepDir?: boolean; serviceNodeArgs?: string[] } = {}): Promise<Testbed> {
    await reapStale();
    await reapStaleContainers();
    const topology = checkProvider(topologySchema.parse(spec));
    if (topology.provider === 'containers' || topology.service_image) await assertDockerEngine();
    const containers = topology.provider === 'containers' ? await prepareDataContainers({
      ...(topology.containers.postgres_image ? { postgres: topology.containers.postgres_image } : {}),
      ...(topology.containers.redis_image ? { redis: topology.containers.redis_image } : {}),
      ...(topology.containers.dynamodb_image ? { dynamodb: topology.containers.dynamodb_image } : {}),
    }) : undefined;
    // Before anything starts: a wrong image reference fails in a second, not after the boot.
    const image_digest = topology.service_image ? await imageId(topology.service_image) : '';
    const repo_digests = topology.service_image ? await imageRepoDigests(image_digest) : [];
    const tb = new Testbed(topology, await makeRunDir(), containers, o.onEvent);
    tb.image_digest = image_digest;
    tb.image_repo_digests = repo_digests;
    tb.keepDir = o.keepDir ?? process.env.TESTBED_KEEP_DIR === '1'; // keep logs and data for a post-mortem
    tb.serviceNodeArgs = o.serviceNodeArgs ?? [];
    const start = performance.now();
    try {
      await tb.boot();
    } catch (err) {
      // The logs say why: keep them, and say where.
      const kept = await tb.down({ keep: true });
      const message = `boot failed: ${(err as Error).message}${kept ? `\n  (logs and data kept in ${kept} until the next run starts)` : ''}`;
      throw err instanceof TestbedError ? new TestbedError(message) : new Error(message);
    }
    tb.boot_ms = Math.round(performance.now() - start);
    tb.log.add('testbed_up', { boot_ms: tb.boot_ms });
    return tb;
  }

  private keepDir = false;
  /** Extra node flags for every task, e.g. --cpu-prof (not allowed in NODE_OPTIONS). */
  private serviceNodeArgs: string[] = [];

  private async boot() {
    const t = this.topology;
    if (t.wal_archiving) {
      if (!(this.pgPrimary instanceof PostgresProcess)) throw new TestbedError('WAL archiving (restore drill) needs the local provider');
      await this.pgPrimary.makeOwnedDir(this.archiveDir);
    }
    await Promise.all([
      (async () => { await this.pgPrimary.init(); await this.pgPrimary.start(); await this.prepareDatabase(); })(),
      this.redisPrimary.start(),
      this.dynamo.start().then(() => this.createSessionsTable()),
      this.proxy.start(),
      this.alb.start(),
    ]);
    // Replication crosses AZs too: the standby streams through a proxy, so lag can be injected.
    this.replicationPort = (await this.proxy.create(this.replicationProxy, { host: this.pgPrimary.host, port: this.pgPrimary.port })).listen_port;
    const standby = t.replication === 'none' ? undefined : this.startStandby();
    const replica = t.redis_replica ? this.startRedisReplica() : undefined;
    await Promise.all([standby, replica]);
    await this.createProxies();
    const pool = new pg.Pool({ ...this.pgPrimary.connectionConfig(this.database), max: 4 });
    const ddb = this.dynamo.client();
    try {
      this.seeded = await seed(pool, ddb, this.sessionsTable, { ...t.seed, session_ttl_s: 24 * 3600 });
    } finally {
      await pool.end();
      ddb.destroy();
    }
    await Promise.all(AZS.flatMap((az) => Array.from({ length: t.instances_per_az }, () => this.startInstance(az))));
    if (!t.service_image) this.service_build_sha256 = (await serviceBuild()).sha256;
  }

  private async prepareDatabase() {
    await this.pgPrimary.createDatabase(this.database);
    await migrateAt(this.pgPrimary.connectionConfig(this.database), { appPassword: APP_DB_PASSWORD_LOCAL });
  }

  private async createSessionsTable() {
    const ddb = this.dynamo.client();
    try { await createSessionsTable(ddb, this.sessionsTable); } finally { ddb.destroy(); }
  }

  private async startStandby(name = 'postgres-b') {
    // A standby whose writer restarted retries the WAL stream every wal_retrieve_retry_interval;
    // 5 s (the default) would hold every synchronous commit that long after a writer crash.
    this.pgStandby = new PostgresProcess({ name, runDir: this.runDir, launcher: this.launchers.postgres, settings: { wal_retrieve_retry_interval: '500ms' } });
    this.nodes.push(this.pgStandby);
    await this.pgStandby.initStandbyOf({ port: this.replicationPort }, STANDBY_NAME);
    await this.pgStandby.start();
    if (this.topology.replication === 'synchronous') {
      // Only now: with no standby connected, synchronous commits would wait forever.
      await this.alterSystem(this.pgPrimary, [`set synchronous_standby_names = '${STANDBY_NAME}'`]);
    }
    this.log.add('postgres_standby_streaming', { mode: this.topology.replication });
  }

  private async startRedisReplica() {
    if (!(this.redisPrimary instanceof RedisProcess)) throw new TestbedError('a Redis replica needs the local provider');
    this.redisReplica = new RedisProcess({ name: 'redis-b', runDir: this.runDir, replicaOf: this.redisPrimary, password: REDIS_AUTH_TOKEN_LOCAL, launcher: this.launchers.redis });
    this.nodes.push(this.redisReplica);
    await this.redisReplica.start();
  }

  private async createProxies() {
    const upstream = (e: Endpoint) => {
      const node = e === 'writer' ? this.pgPrimary : e === 'reader' ? (this.pgStandby ?? this.pgPrimary) : e === 'cache' ? this.redisPrimary : this.dynamo;
      return { host: node.host, port: node.port };
    };
    await Promise.all(AZS.flatMap((az) => ENDPOINTS.map((e) => this.proxy.create(proxyName(e, az), upstream(e)))));
    this.proxyPorts = new Map((await this.proxy.list()).map((p) => [p.name, p.listen_port]));
  }

  private proxyPorts = new Map<string, number>();
  private replicationPort = 0;
  /** The link the current standby streams through (replication@<its zone>): where lag and partitions are injected. */
  private replicationProxy = REPLICATION_PROXY;
  /** Writers retired by a zone's power loss: their disks survive (the last copy when no standby is left). */
  private readonly retiredWriters: PostgresProcess[] = [];

  private port(endpoint: Endpoint, az: Az): number {
    const p = this.proxyPorts.get(proxyName(endpoint, az));
    if (p === undefined) throw new Error(`no proxy ${proxyName(endpoint, az)}`);
    return p;
  }

  // ---- control API for scenarios and chaos -------------------------------------------------

  get url(): string { return this.alb.url; }

  /**
   * A task set: a new revision of the task definition, as the environment its tasks add to the
   * base one (a new version, or a bad one made by configuration). Its tasks register in the ALB
   * target group of the same name, which takes no traffic until the listener's weights say so.
   */
  defineTaskSet(group: string, env: Record<string, string>) {
    if (this.listInstances().some((i) => i.group === group)) throw new Error(`task set ${group} still has tasks; stop them before redefining it`);
    this.taskSets.set(group, { ...env });
    this.log.add('task_set_defined', { group, env_keys: Object.keys(env) });
  }

  /** The listener's weighted forward action between target groups; resolves once the ALB applies it. */
  async setTrafficWeights(weights: Record<string, number>) {
    await this.alb.setWeights(weights);
    this.log.add('traffic_weights', { weights });
  }

  /** A new task of `group`'s task set in `az`, registered with the ALB once it answers /health. */
  async startInstance(az: Az, group = this.liveTaskSet): Promise<string> {
    if (this.refusedAzs.has(az)) {
      this.log.add('capacity_refused', { az });
      throw new Error(`insufficient capacity in AZ ${az}`);
    }
    const taskEnv = this.taskSets.get(group);
    if (!taskEnv) throw new Error(`no task set ${group}; have ${[...this.taskSets.keys()].join(', ')}`);
    const id = group === DEFAULT_GROUP ? `svc-${az}-${++this.instanceSeq}` : `svc-${group}-${az}-${++this.instanceSeq}`;
    const env = {
      DB_HOST: '127.0.0.1', DB_PORT: String(this.port('writer', az)), DB_NAME: this.database, DB_USER: APP_DB_ROLE, DB_PASSWORD: APP_DB_PASSWORD_LOCAL,
      REDIS_URL: `redis://127.0.0.1:${this.port('cache', az)}${this.redisPrimary instanceof ExternalRedis ? `/${this.redisPrimary.db}` : ''}`,
      ...(this.redisPrimary instanceof RedisProcess ? { REDIS_AUTH_TOKEN: REDIS_AUTH_TOKEN_LOCAL } : {}), DYNAMODB_ENDPOINT: `http://127.0.0.1:${this.port('sessions', az)}`,
      SESSIONS_TABLE: this.sessionsTable, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local',
      LOG_LEVEL: 'warn', ...this.topology.service_env, ...taskEnv,
    };
    const image = this.topology.service_image;
    const svc = new ServiceInstance({ name: id, runDir: this.runDir, env, az, node_args: this.serviceNodeArgs,
      ...(image ? { launch: serviceContainer({ image, image_id: this.image_digest, az }) } : {}) });
    this.instances.set(id, { az, group, svc });
    await svc.start();
    await this.alb.register(id, svc.url, az, group);
    await this.alb.waitForState(id, 'healthy', 30_000);
    this.log.add('instance_started', { id, az, group });
    return id;
  }

  /** ECS stop: deregister from the ALB, wait the deregistration delay, then SIGTERM (drain). */
  async stopInstance(id: string): Promise<void> {
    const inst = this.instance(id);
    await this.alb.deregister(id).catch(() => {});
    await this.alb.waitForState(id, 'removed', 120_000).catch(() => {});
    await inst.svc.stop();
    this.instances.delete(id);
    this.log.add('instance_stopped', { id, az: inst.az });
  }

  /** Crash: the process dies without draining; the ALB learns it from health checks. */
  killInstance(id: string, signal: NodeJS.Signals = 'SIGKILL') {
    this.instance(id).svc.process?.signal(signal);
    this.log.add('instance_killed', { id, signal });
  }

  pauseInstance(id: string) { this.instance(id).svc.process?.signal('SIGSTOP'); this.log.add('instance_paused', { id }); }
  resumeInstance(id: string) { this.instance(id).svc.process?.signal('SIGCONT'); this.log.add('instance_resumed', { id }); }

  /** ECS rolling deploy with minimum healthy 100%: start a replacement, then stop the old task. */
  async rollingRestart(): Promise<void> {
    this.log.add('rolling_restart_begin');
    for (const [id, { az, group }] of [...this.instances]) {
      await this.startInstance(az, group); // returns once the ALB sees it healthy
      await this.stopInstance(id);
    }
    this.log.add('rolling_restart_end');
  }

  listInstances(): InstanceInfo[] {
    return [...this.instances].map(([id, { az, group, svc }]) => ({ id, az, group, url: svc.url, pid: svc.process?.pid, running: svc.process?.running ?? false }));
  }

  refuseCapacity(az: Az, refused: boolean) {
    if (refused) this.refusedAzs.add(az); else this.refusedAzs.delete(az);
    this.log.add(refused ? 'capacity_refused_on' : 'capacity_refused_off', { az });
  }

  async addToxic(endpoint: Endpoint, clientAz: Az, toxic: Toxic, o: { name?: string; direction?: ToxicDirection } = {}) {
    await this.proxy.addToxic(proxyName(endpoint, clientAz), toxic, o);
    this.log.add('toxic_added', { proxy: proxyName(endpoint, clientAz), toxic, ...o });
  }

  /** A toxic on the WAL stream from the writer to the standby in AZ b (replication lag, a zone's partition). */
  async addReplicationToxic(toxic: Toxic, name: string) {
    await this.proxy.addToxic(this.replicationProxy, toxic, { name });
    this.log.add('toxic_added', { proxy: this.replicationProxy, toxic, name });
  }

  async removeReplicationToxic(name: string) {
    await this.proxy.removeToxic(this.replicationProxy, name);
    this.log.add('toxic_removed', { proxy: this.replicationProxy, name });
  }

  async removeToxic(endpoint: Endpoint, clientAz: Az, name?: string) {
    await this.proxy.removeToxic(proxyName(endpoint, clientAz), name);
    this.log.add('toxic_removed', { proxy: proxyName(endpoint, clientAz), name });
  }

  async setEndpointDown(endpoint: Endpoint, clientAz: Az, down: boolean) {
    await this.proxy.setEnabled(proxyName(endpoint, clientAz), !down);
    this.log.add(down ? 'endpoint_down' : 'endpoint_up', { proxy: proxyName(endpoint, clientAz) });
  }

  /** Aurora failover: promote the standby in AZ b and point the writer endpoint at it. */
  async failoverDatabase(): Promise<{ promote_ms: number; total_ms: number }> {
    if (!this.pgStandby && this.retiredWriters.length > 0) return this.failoverToRetiredWriter();
    if (!this.pgStandby) throw new Error('no standby to fail over to (topology.replication is "none", or a zone loss took it and it was not rebuilt)');
    const start = performance.now();
    this.log.add('db_failover_begin');
    await this.pgStandby.promote();
    const promote_ms = Math.round(performance.now() - start);
    const target = { host: '127.0.0.1', port: this.pgStandby.port };
    await this.repointEndpoint('writer', target);
    [this.pgPrimary, this.pgStandby] = [this.pgStandby, undefined];
    const total_ms = Math.round(performance.now() - start);
    this.log.add('db_failover_end', { promote_ms, total_ms });
    return { promote_ms, total_ms };
  }

  /**
   * The writer crashes and is restarted in place (no failover): its host dies (every process,
   * nothing flushed), stays down `down_ms`, then the same data dir starts again and crash
   * recovery replays the WAL. Returns once it accepts writes and, with a standby, once the standby
   * streams again (synchronous commits wait for it).
   */
  async crashWriterInPlace(down_ms: number): Promise<{ down_ms: number; restart_ms: number; standby_back_ms: number | null }> {
    if (!(this.pgPrimary instanceof PostgresProcess)) throw new TestbedError('a writer crash needs the local provider');
    const writer = this.pgPrimary;
    const start = performance.now();
    await writer.crash();
    this.log.add('db_writer_crashed', { node: writer.name });
    await new Promise((r) => setTimeout(r, down_ms));
    const restartAt = performance.now();
    await writer.start();
    const restart_ms = Math.round(performance.now() - restartAt);
    this.log.add('db_writer_restarted', { restart_ms });
    let standby_back_ms: number | null = null;
    if (this.pgStandby) {
      await waitFor('standby streaming from the restarted writer', async () => {
        const r = await this.sqlRows<{ n: string }>(writer, "select count(*) n from pg_stat_replication where state = 'streaming'");
        return Number(r[0]?.n ?? 0) > 0;
      }, STANDBY_BACK_WAIT_MS, 100);
      standby_back_ms = Math.round(performance.now() - start);
      this.log.add('db_standby_streaming_again', { after_crash_ms: standby_back_ms });
    }
    return { down_ms, restart_ms, standby_back_ms };
  }

  /**
   * A restored cluster becomes the writer (the restore drill's last step, as swapping Aurora's
   * cluster endpoint): the writer endpoint and the replication link point at it, open connections
   * are cut (the services reconnect), the damaged writer and its standby stop (their data stays in
   * the run dir as evidence), and a new standby is built from the restored cluster.
   */
  async adoptRestoredWriter(restored: PostgresProcess): Promise<{ swap_ms: number; standby_rebuilt_ms: number | null }> {
    const start = performance.now();
    this.nodes.push(restored);
    const old = { writer: this.pgPrimary, standby: this.pgStandby };
    const target = { host: '127.0.0.1', port: restored.port };
    await Promise.all([this.repointEndpoint('writer', target), this.proxy.repoint(this.replicationProxy, target)]);
    [this.pgPrimary, this.pgStandby] = [restored, undefined];
    const swap_ms = Math.round(performance.now() - start);
    this.log.add('writer_swapped', { node: restored.name, swap_ms });
    await Promise.allSettled([old.standby?.stop(), old.writer instanceof PostgresProcess ? old.writer.stop() : undefined]);
    if (this.topology.replication === 'none') return { swap_ms, standby_rebuilt_ms: null };
    // The restore's recovery settings live on in its configuration: a standby copied from it
    // would replay to the same (past) target and promote itself. It was.
    await this.alterSystem(restored, ['reset restore_command', 'reset recovery_target_time', 'reset recovery_target_action']);
    await this.startStandby(`postgres-${++this.standbyGeneration}-b`);
    const standby_rebuilt_ms = Math.round(performance.now() - start);
    this.log.add('standby_rebuilt', { after_swap_ms: standby_rebuilt_ms });
    return { swap_ms, standby_rebuilt_ms };
  }

  private standbyGeneration = 1;

  /**
   * No standby left: what an operator has is the writer a zone's power loss retired, restarted
   * from its own disk. It knows nothing acknowledged after it was left behind (the history
   * checker reports those payments lost).
   */
  private async failoverToRetiredWriter(): Promise<{ promote_ms: number; total_ms: number }> {
    const start = performance.now();
    const stale = this.retiredWriters.pop()!;
    this.log.add('db_failover_to_stale_copy', { node: stale.name });
    await stale.start();
    await this.alterSystem(stale, ['reset synchronous_standby_names']); // its standby is long gone
    const promote_ms = Math.round(performance.now() - start);
    await this.repointEndpoint('writer', { host: '127.0.0.1', port: stale.port });
    this.pgPrimary = stale;
    const total_ms = Math.round(performance.now() - start);
    this.log.add('db_failover_end', { promote_ms, total_ms, stale: true });
    return { promote_ms, total_ms };
  }

  /**
   * Fail back after a zone returns: a synchronous standby in `az` from a fresh base backup of the
   * current writer (the old writer's timeline forked at the failover), a cache replica there, and
   * the zone's tasks back (then the surplus elsewhere stops). Returns when each part was ready.
   */
  async restoreRedundancy(az: Az): Promise<{ standby_ms: number | null; replica_ms: number | null; tasks_ms: number }> {
    const start = performance.now();
    const since = () => Math.round(performance.now() - start);
    let standby_ms: number | null = null, replica_ms: number | null = null;
    const generation = ++this.standbyGeneration;
    if (!this.pgStandby && this.topology.replication !== 'none') {
      this.replicationProxy = `replication@${az}`;
      const upstream = { host: '127.0.0.1', port: this.pgPrimary.port };
      const existing = (await this.proxy.list()).find((p) => p.name === this.replicationProxy);
      this.replicationPort = existing ? (await this.proxy.repoint(this.replicationProxy, upstream)).listen_port : (await this.proxy.create(this.replicationProxy, upstream)).listen_port;
      await this.startStandby(`postgres-${generation}-${az}`);
      standby_ms = since();
    }
    if (!this.redisReplica && this.topology.redis_replica && this.redisPrimary instanceof RedisProcess) {
      this.redisReplica = new RedisProcess({ name: `redis-${generation}-${az}`, runDir: this.runDir, replicaOf: this.redisPrimary, password: REDIS_AUTH_TOKEN_LOCAL, launcher: this.launchers.redis });
      this.nodes.push(this.redisReplica);
      await this.redisReplica.start();
      replica_ms = since();
    }
    await this.rebalanceTasks(az);
    const tasks_ms = since();
    this.log.add('redundancy_restored', { az, standby_ms, replica_ms, tasks_ms });
    return { standby_ms, replica_ms, tasks_ms };
  }

  /** ECS rebalancing: the zone gets its tasks back first (minimum healthy 100%), then the surplus stops. */
  private async rebalanceTasks(az: Az) {
    const want = this.topology.instances_per_az;
    const running = (z: Az) => this.listInstances().filter((i) => i.az === z && i.running && i.group === this.liveTaskSet);
    for (let n = running(az).length; n < want; n++) await this.startInstance(az);
    for (const other of AZS.filter((z) => z !== az)) {
      for (const extra of running(other).slice(want)) await this.stopInstance(extra.id);
    }
  }

  hasCacheReplica(): boolean { return this.redisReplica !== undefined; }

  /** ElastiCache failover: promote the replica and repoint the primary endpoint. */
  async failoverCache(): Promise<{ total_ms: number }> {
    if (!this.redisReplica) throw new Error('no Redis replica: topology.redis_replica is false');
    const start = performance.now();
    await this.redisReplica.promote();
    const target = { host: '127.0.0.1', port: this.redisReplica.port };
    await this.repointEndpoint('cache', target);
    [this.redisPrimary, this.redisReplica] = [this.redisReplica, undefined];
    const total_ms = Math.round(performance.now() - start);
    this.log.add('cache_failover', { total_ms });
    return { total_ms };
  }

  /** The zone of the current Postgres writer and Redis primary ('regional' for external endpoints). */
  dataNodeZones(): { writer: Az | 'regional'; cache: Az | 'regional' } {
    return { writer: this.pgPrimary.az, cache: this.redisPrimary.az };
  }

  /**
   * A zone's data nodes lose power: the writer and cache primary in it are frozen (SIGSTOP), so
   * their peers hang as on AWS instead of being refused. `retire` kills them for good.
   */
  freezeDataNodes(az: Az): { retire(): void } {
    const zones = this.dataNodeZones();
    const writer = zones.writer === az && this.pgPrimary instanceof PostgresProcess ? this.pgPrimary : undefined;
    const frozen = [zones.writer === az ? this.pgPrimary.process : undefined, zones.cache === az ? this.redisPrimary.process : undefined]
      .filter((p): p is NonNullable<typeof p> => p !== undefined);
    for (const p of frozen) p.signal('SIGSTOP');
    this.log.add('data_nodes_frozen', { az, count: frozen.length });
    return { retire: () => { for (const p of frozen) p.signal('SIGKILL'); if (writer) this.retiredWriters.push(writer); } };
  }

  albTargets() { return this.alb.targets(); }

  /** The cache primary restarts in place (it keeps nothing on disk: it comes back empty). */
  async restartCache(): Promise<{ restart_ms: number }> {
    if (!(this.redisPrimary instanceof RedisProcess)) throw new TestbedError('restart_cache needs the local provider');
    const start = performance.now();
    await this.redisPrimary.stop();
    await this.redisPrimary.start();
    return { restart_ms: Math.round(performance.now() - start) };
  }

  /** Cache keys vanish (expiry, eviction); returns how many existed. */
  async deleteCacheKeys(keys: string[]): Promise<number> {
    return Number(await this.redisPrimary.command(['DEL', ...keys]));
  }

  /** pg_basebackup of the current writer into `dir` (the restore drill's step 1). */
  async baseBackup(dir: string): Promise<void> {
    if (!(this.pgPrimary instanceof PostgresProcess)) throw new TestbedError('a base backup needs the local provider');
    await this.pgPrimary.baseBackup(dir);
  }

  /** A pool straight to the current writer, bypassing proxies: for checkers, never for the service. */
  writerPool(max = 4): pg.Pool {
    const pool = new pg.Pool({ ...this.pgPrimary.connectionConfig(this.database), max });
    pool.on('error', () => {}); // idle clients of a node that failed over: the next query reconnects
    return pool;
  }

  /** Every process of the topology with its AZ: for `up`, the report and the memory benchmark. */
  processes(): { name: string; az: Az | 'regional'; pid: number | undefined }[] {
    const list: { name: string; az: Az | 'regional'; pid: number | undefined }[] = [
      { name: `${DATABASE_PREFIX}writer`, az: this.pgPrimary.az, pid: this.pgPrimary.process?.pid },
      ...(this.pgStandby ? [{ name: `${DATABASE_PREFIX}standby`, az: this.pgStandby.az, pid: this.pgStandby.process?.pid }] : []),
      { name: 'redis-primary', az: this.redisPrimary.az, pid: this.redisPrimary.process?.pid },
      ...(this.redisReplica ? [{ name: 'redis-replica', az: this.redisReplica.az, pid: this.redisReplica.process?.pid }] : []),
      { name: 'dynamodb (dynalite)', az: 'regional', pid: this.dynamo.process?.pid },
      { name: 'fault-proxy', az: 'regional', pid: this.proxy.process?.pid },
      { name: 'alb (control plane)', az: 'regional', pid: this.alb.process?.pid },
      { name: 'alb (haproxy data plane)', az: 'regional', pid: this.alb.dataPlaneProcess?.pid },
      ...this.listInstances().map((i) => ({ name: i.id, az: i.az, pid: i.pid })),
    ];
    return list;
  }

  /** Each running process of the topology (those `only` accepts by name) → its pid: the roots of CPU windows over their trees. */
  processRoots(only: (name: string) => boolean = () => true): Record<string, number> {
    return Object.fromEntries(this.processes().filter((p) => only(p.name) && p.pid !== undefined).map((p) => [p.name, p.pid!]));
  }

  /** The database's processes (writer, standby) by name, for CPU windows over them alone; each is a tree with its backends. */
  databaseRoots(): Record<string, number> {
    return this.processRoots((name) => name.startsWith(DATABASE_PREFIX));
  }

  /** Sum of a service metric over every running instance (dead ones no longer count). */
  async serviceMetric(name: string, labels: Record<string, string> = {}): Promise<number> {
    return (await this.scrapeServiceMetrics()).reduce((t, x) => t + sumMetric(x, name, labels), 0);
  }

  /** The Prometheus text of every running task (of one task set, when given); a task that does not answer adds nothing. */
  scrapeServiceMetrics(group?: string): Promise<string[]> {
    return Promise.all(this.listInstances().filter((i) => i.running && (group === undefined || i.group === group)).map((i) =>
      fetch(`${i.url}/metrics`, { signal: AbortSignal.timeout(2_000) }).then((r) => r.text()).catch(() => '')));
  }

  async pss_bytes(): Promise<number> {
    return treePss_bytes(this.processes().map((p) => p.pid).filter((p): p is number => p !== undefined));
  }

  /**
   * Stops everything in reverse order of dependency and removes the temp dir unless it is to be
   * kept (`keep`, TESTBED_KEEP_DIR=1); returns the kept dir. Idempotent. A kept dir lives until
   * the next testbed starts (reapStale) or `testbed clean`.
   */
  async down(o: { keep?: boolean } = {}): Promise<string | undefined> {
    if (this.stopped) return undefined;
    this.stopped = true;
    await this.alb.stop().catch(() => {});
    await Promise.allSettled([...this.instances.values()].map(({ svc }) => svc.kill()));
    await Promise.allSettled([this.proxy.stop(), this.dynamo.stop(), ...this.nodes.map((n) => n.stop())]);
    // External endpoints: remove what this run created there, nothing else.
    if (this.pgPrimary instanceof ExternalPostgres) await this.pgPrimary.dropDatabase(this.database).catch(() => {});
    if (this.dynamo instanceof ExternalDynamo) await this.dynamo.deleteTable(this.sessionsTable);
    if (this.keepDir || o.keep) return this.runDir;
    await rm(this.runDir, { recursive: true, force: true });
    return undefined;
  }

  async [Symbol.asyncDispose]() { await this.down(); }

  private instance(id: string) {
    const inst = this.instances.get(id);
    if (!inst) throw new Error(`no instance ${id}; have ${[...this.instances.keys()].join(', ')}`);
    return inst;
  }

  /** An endpoint (Aurora's cluster endpoint, ElastiCache's primary) now leads to `target` from every zone; open connections are cut. */
  private async repointEndpoint(endpoint: Endpoint, target: { host: string; port: number }) {
    await Promise.all(AZS.map((az) => this.proxy.repoint(proxyName(endpoint, az), target)));
  }

  /** ALTER SYSTEM statements (without the prefix), then a reload so they apply. */
  private async alterSystem(server: { connectionConfig(): pg.ClientConfig }, statements: string[]) {
    for (const st of statements) await this.sql(server, `alter system ${st}`);
    await this.sql(server, 'select pg_reload_conf()');
  }

  private async sql(server: { connectionConfig(): pg.ClientConfig }, text: string) {
    await this.sqlRows(server, text);
  }

  private async sqlRows<T extends pg.QueryResultRow>(server: { connectionConfig(): pg.ClientConfig }, text: string): Promise<T[]> {
    const c = new pg.Client(server.connectionConfig());
    await c.connect();
    try { return (await c.query<T>(text)).rows; } finally { await c.end(); }
  }
}

/** The external provider has no standby or replica to fail over to, and needs its URLs. */
function checkProvider(t: Topology): Topology {
  if (t.provider === 'external') {
    if (!t.external) throw new TestbedError('the external provider needs postgres_url, redis_url and dynamodb_endpoint', 'testbed run ... --provider external --postgres-url postgres://user@host:5432 --redis-url redis://host:6379/15 --dynamodb-endpoint http://host:8000');
    return { ...t, replication: 'none', redis_replica: false };
  }
  if (t.external) throw new TestbedError(`external endpoints were given but the provider is "${t.provider}"`);
  return t;
}
