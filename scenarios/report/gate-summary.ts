import type { Verdict } from './run-report.js';
/** summary.json of a CLI run: what the deploy command reads to decide whether a digest may ship. */
export interface GateSummary {
  suite: string | null;
  commit: string | null;
  /** The image ID the Docker engine gave the image every scenario ran (--service-image), or null. */
  image_digest: string | null;
  /** Registry digests (repo@sha256:...) the engine knew for that image: what ECR and ECS name it by. */
  image_repo_digests?: string[];
  finished_at: string;
  scenarios: { scenario: string; verdict: Verdict; reasons: string[] }[];
}
