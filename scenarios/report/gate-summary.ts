import type { Verdict } from './run-report.js';
/** summary.json of a CLI run: what the deploy command reads to decide whether a digest may ship. */
export interface GateSummary {
  suite: string | null;
  commit: string | null;
  image_digest: string | null;
  finished_at: string;
  scenarios: { scenario: string; verdict: Verdict; reasons: string[] }[];
}
