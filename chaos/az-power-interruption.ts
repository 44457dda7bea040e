import type { Testbed } from '../testbed/testbed.js';
import { AZS, ENDPOINTS, type Az } from '../testbed/topology.js';

const BLACKHOLE = 'az_power_blackhole';
const DETECT_POLL_MS = 50;
/** Aurora and ElastiCache need time to notice a dead writer; compressed from ~30 s. */
export const FAILOVER_DETECTION_MS = 2_000;

export interface AzLossMeasures {
  az: Az;
  detect_ms?: number;          // until the ALB had no healthy target left in the zone
  db_failover_ms?: number;     // promote + repoint, after detection delay
  cache_failover_ms?: number;
  replacement_az?: Az;
  replacement_ready_ms?: number;
}

/**
 * AWS FIS "AZ Availability: Power Interruption", compressed in time: the zone's tasks stop, its
 * subnets drop traffic, the writer and cache primary in it fail over to the other zone,
 * replacement capacity in it is refused, and after `duration_s` it comes back.
 */
export async function azPowerInterruption(tb: Testbed, az: Az, duration_s: number, signal?: AbortSignal): Promise<AzLossMeasures> {
  const other = AZS.find((z) => z !== az)!;
  const m: AzLossMeasures = { az };
  const t0 = performance.now();
  const since = () => Math.round(performance.now() - t0);
  tb.log.add('fault_start', { fault: 'az_power_interruption', az, duration_s });
  tb.refuseCapacity(az, true);
  const victims = tb.listInstances().filter((i) => i.az === az);
  for (const v of victims) tb.killInstance(v.id, 'SIGKILL');
  // The zone's subnets drop everything, including the links from the other zone into it.
  const zones = tb.dataNodeZones();
  const writerInZone = zones.writer === az;
  const cacheInZone = zones.cache === az;
  await Promise.all(ENDPOINTS.map((e) => tb.addToxic(e, az, { type: 'timeout', timeout_ms: 0 }, { name: BLACKHOLE })));
  if (writerInZone) await tb.addToxic('writer', other, { type: 'timeout', timeout_ms: 0 }, { name: BLACKHOLE });
  if (cacheInZone) await tb.addToxic('cache', other, { type: 'timeout', timeout_ms: 0 }, { name: BLACKHOLE });
  if (writerInZone) await tb.addReplicationToxic({ type: 'timeout', timeout_ms: 0 }, BLACKHOLE);
  // A host without power sends no RST: freeze the zone's data nodes (SIGSTOP) so their peers
  // hang as they would on AWS, rather than being refused at once as a killed process would do.
  const frozen = tb.freezeDataNodes(az);

  const detection = (async () => {
    while (!signal?.aborted) {
      const targets = await tb.albTargets();
      if (!targets.some((t) => t.az === az && t.state === 'healthy')) { m.detect_ms = since(); tb.log.add('alb_zone_unhealthy', { az, detect_ms: m.detect_ms }); return; }
      await sleep(DETECT_POLL_MS);
    }
  })();

  await sleep(FAILOVER_DETECTION_MS, signal);
  // Unblock the other zone's links first, then repoint: the repoint resets every old connection.
  if (writerInZone) {
    await tb.removeToxic('writer', other, BLACKHOLE);
    await tb.failoverDatabase();
    m.db_failover_ms = since();
  }
  if (cacheInZone && tb.hasCacheReplica()) {
    await tb.removeToxic('cache', other, BLACKHOLE);
    await tb.failoverCache();
    m.cache_failover_ms = since();
  } else if (cacheInZone) {
    // No replica to promote (a zone loss took it, nobody rebuilt it): the service reads from
    // Postgres until the zone returns, as in redis-down.
    tb.log.add('cache_lost', { az, reason: 'no replica' });
  }
  const cacheLost = cacheInZone && m.cache_failover_ms === undefined;
  // ECS restores the desired count: the zone refuses, so replacements land in the other zone.
  for (const _v of victims) {
    try { await tb.startInstance(az); } catch {
      await tb.startInstance(other);
      m.replacement_az = other;
    }
  }
  m.replacement_ready_ms = since();
  await detection;

  await sleep(Math.max(0, duration_s * 1000 - since()), signal);
  // The old writer and cache primary never come back as primaries: they are retired (a rebuild
  // as standby/replica is a separate runbook step, not modelled here).
  frozen.retire();
  tb.refuseCapacity(az, false);
  await Promise.all(ENDPOINTS.map((e) => tb.removeToxic(e, az, BLACKHOLE)));
  if (writerInZone) await tb.removeReplicationToxic(BLACKHOLE); // the next fault may cut this link again
  if (cacheLost) await tb.removeToxic('cache', other, BLACKHOLE); // the node is dead now: refused, not hanging
  tb.log.add('fault_end', { fault: 'az_power_interruption', ...m });
  return m;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
  });
}
