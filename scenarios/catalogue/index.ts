import { azLoss, azLossAsync } from './az-loss.js';
import { azLossFailback, azLossNoRebuild } from './az-loss-failback.js';
import { blueGreenDeploy, blueGreenRollback } from './blue-green.js';
import { cacheStampede, cacheStampedeUnprotected } from './cache-stampede.js';
import { dbFailover, dbSlow, dynamodbSlow, redisDown, rollingDeploy, taskKilled } from './dependency-faults.js';
import { restoreDrill } from './restore-drill.js';
import type { Scenario, Suite } from '../scenario.js';
import { baseline1kTps } from './baseline-1k-tps.js';
import { capacity } from './capacity.js';
import { gateSelfTestSlowDb } from './gate-self-test.js';
import { mixedReadWrite } from './mixed-read-write.js';
import { overload } from './overload.js';
import { smoke } from './smoke.js';
import { writerCrash } from './writer-crash.js';

export const catalogue: Scenario[] = [
  smoke, baseline1kTps, azLoss, cacheStampede, overload,
  azLossAsync, azLossFailback, azLossNoRebuild, cacheStampedeUnprotected, dbFailover, redisDown, dynamodbSlow, dbSlow, rollingDeploy, taskKilled, restoreDrill, writerCrash,
  blueGreenDeploy, blueGreenRollback,
  mixedReadWrite, capacity, gateSelfTestSlowDb,
];

export function findScenario(name: string): Scenario {
  const s = catalogue.find((x) => x.name === name);
  if (!s) throw new Error(`unknown scenario "${name}"; known: ${catalogue.map((x) => x.name).join(', ')}`);
  return s;
}

export function suite(name: Suite): Scenario[] {
  return catalogue.filter((s) => s.suites.includes(name));
}
