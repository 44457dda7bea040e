import { calibrate, type Calibration } from '../../loadtests/calibration.js';
import { Testbed } from '../../testbed/testbed.js';
import type { RunReport } from '../report/run-report.js';
import type { Scenario } from '../scenario.js';

export interface Booted { tb: Testbed; topology: RunReport['topology']; calibration?: Calibration | { error: string } }

const QUIET_EVENTS = new Set(['toxic_added', 'toxic_removed']);
const mb = (b: number) => Math.round(b / 1e6);

/** Phase 1: the scenario's topology up, its idle memory, and this machine's speed right now. */
export async function boot(s: Scenario, say: (line: string) => void, o: { calibrate: boolean }): Promise<Booted> {
  say(`[${s.name}] booting topology`);
  const tb = await Testbed.up(s.topology, { onEvent: (e) => { if (!QUIET_EVENTS.has(e.kind)) say(`[${s.name}] t=${(e.t_ms / 1000).toFixed(1)}s ${e.kind} ${JSON.stringify(e.detail)}`); } });
  const topology = { provider: tb.topology.provider, ...(tb.dataImages ? { images: tb.dataImages } : {}), boot_ms: tb.boot_ms, processes: tb.processes().map((p) => ({ name: p.name, az: p.az })), memory_idle_bytes: await tb.pss_bytes() };
  say(`[${s.name}] topology up in ${tb.boot_ms} ms (${topology.processes.length} processes, ${mb(topology.memory_idle_bytes)} MB; run dir ${tb.runDir})${tb.dataImages ? `; containers of ${Object.values(tb.dataImages).join(', ')}` : ''}`);
  if (!o.calibrate) return { tb, topology };
  const calibration = await calibrate(tb.pgPrimary, tb.runDir).catch((err: Error) => ({ error: err.message }));
  say(`[${s.name}] calibration: ${'error' in calibration ? `not measured (${calibration.error})` : `pgbench make_payment ${calibration.pgbench_make_payment_tps} TPS on this machine now`}`);
  return { tb, topology, calibration };
}
