import { alive, runOwner } from '../local/temp-dir.js';
import { dockerEngineAnswers } from '../docker-engine.js';
import { docker } from './docker-cli.js';

/** Every container the testbed starts carries its run dir: a run's containers are found by it. */
export const RUN_DIR_LABEL = 'dev.testbed.run_dir';

export function containerLabels(runDir: string, o: { az: string; role: string }): string[] {
  return [`${RUN_DIR_LABEL}=${runDir}`, `dev.testbed.az=${o.az}`, `dev.testbed.role=${o.role}`];
}

/** IDs of a run's containers, running or stopped. */
export async function containersOfRun(runDir: string): Promise<string[]> {
  return (await docker(['ps', '-a', '-q', '--filter', `label=${RUN_DIR_LABEL}=${runDir}`])).split('\n').filter(Boolean);
}

/**
 * Removes containers whose run has ended without removing them (runner killed with -9, engine
 * restarts): Ryuk's job, which cannot run here (its image cannot be pulled). Without an engine, none.
 */
export async function reapStaleContainers(): Promise<number> {
  if (!(await dockerEngineAnswers())) return 0;
  const listed = await docker(['ps', '-a', '--filter', `label=${RUN_DIR_LABEL}`, '--format', `{{.ID}} {{.Label "${RUN_DIR_LABEL}"}}`], { timeout_ms: 10_000 }).catch(() => '');
  const stale: string[] = [];
  for (const line of listed.split('\n').filter(Boolean)) {
    const [id, dir] = line.split(' ');
    const owner = await runOwner(dir ?? '');
    if (!(owner > 0 && alive(owner))) stale.push(id!);
  }
  if (stale.length > 0) await docker(['rm', '-f', ...stale]).catch(() => {});
  return stale.length;
}
