import type { OverloadResult } from '../overload.js';
import type { Calibration, Machine } from '../../loadtests/calibration.js';
import type { CheckReport } from '../../chaos/history-checker.js';
import type { StepResult } from '../../chaos/timeline.js';
import type { GateResult } from '../../loadtests/gates.js';
import type { LatencySummary } from '../../loadtests/latency-histogram.js';
import type { WindowStats } from '../../loadtests/open-model.js';
import type { CpuSplitReport } from '../../testbed/cpu-split.js';
import type { TestbedEvent } from '../../testbed/event-log.js';
import type { ServerView } from '../../testbed/metrics-scraper.js';
import type { Check } from './checks.js';
import type { SwapResult } from '../phases/restore-swap.js';

/** report.json: everything a person or a machine needs to judge one scenario run. */
export interface RunReport {
  schema: 'testbed-run/1';
  scenario: string;
  description: string;
  /** interrupted: stopped by the user (Ctrl-C); the report holds what ran until then. */
  verdict: Verdict;
  /** The failed checks, in words. */
  reasons: string[];
  /** Every judgement (passed and failed); JUnit is written from these. */
  checks: Check[];
  started_at: string;
  /** Wall-clock time of the load's t=0 (window 0 of the charts). */
  load_started_at?: string;
  finished_at: string;
  commit?: string;
  /** The image the tasks ran (--service-image), by the ID the Docker engine gave it; absent when they ran the build. */
  image_digest?: string;
  /** The registry digests (repo@sha256:...) the engine knew for that image, once pushed or pulled. */
  image_repo_digests?: string[];
  /** What the tasks ran on the local provider: the compiled service, by the sha256 of its files. */
  service_build_sha256?: string;
  machine: Machine;
  /** pgbench on the bare make_payment against this run's writer, measured before the load. */
  calibration?: Calibration | { error: string };
  topology: {
    /** local, containers or external; with containers, the image each kind of data node ran. */
    provider?: string; images?: Record<string, string>;
    boot_ms: number; processes: { name: string; az: string }[]; memory_idle_bytes?: number; memory_under_load_bytes?: number };
  load: {
    duration_s: number; warmup_s: number; scheduled: number; sent: number; completed: number; dropped: number; late: number;
    achieved_rate_per_s: number; goodput_per_s: number; offered_rate_per_s: number; error_rate: number; status_counts: Record<string, number>; code_counts: Record<string, number>;
    latency: LatencySummary; latency_by_op: Record<string, LatencySummary>; histogram: string;
    /** The generator thread's nice value (raised above the system under test; null: it could not be, see generator_note). */
    generator_nice?: number | null; generator_note?: string;
    /** The runner session's autogroup nice (raised with the thread; null: no autogroups, or it could not be). */
    generator_autogroup_nice?: number | null;
    /** The generator's process CPU over the load, in cores (one thread: near 1, it was its own limit). */
    generator_cores?: number;
  };
  /** Scenarios with load.generator_cpus: the generator's CPUs and the system's, or why they were shared. */
  cpu_split?: CpuSplitReport;
  gates: GateResult[];
  steady_state?: { before: GateResult[]; after: GateResult[] };
  invariants?: CheckReport;
  timeline: StepResult[];
  recovery?: Record<string, number | null>;
  events: TestbedEvent[];
  windows: WindowStats[];
  /** The server's view on the same clock: each task's /metrics every second, summed over tasks. */
  server?: ServerView;
  restore_drill?: {
    rto_ms: number; rpo_ms: number; backup_ms: number; target: string; payments_restored: number; acknowledged_before_target: number; check: CheckReport;
    /** The restored cluster swapped in as the writer, payments continued, the ledger checked on it. */
    swap?: SwapResult;
  };
  overload?: OverloadResult;
  capacity?: { knee_rate_per_s: number; broke_at_rate_per_s: number | null; stages: { rate_per_s: number; worst_p99_ms: number; error_rate: number; ok: boolean }[] };
  runbook?: { path: string; steps: { step: string; took_ms: number }[] };
  error?: string;
  /** The run's temp dir (logs, data) when it was kept: TESTBED_KEEP_DIR=1, or the run did not pass. */
  run_dir_kept?: string;
}

export type Verdict = 'pass' | 'fail' | 'error' | 'interrupted';
