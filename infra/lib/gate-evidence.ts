import type { GateSummary } from '../../scenarios/report/gate-summary.js';

/**
 * The digest to deploy is the image the gate ran: its engine ID (a local build) or one of the
 * registry digests the engine knew for it (ECR's manifest digest, what the task definition pins).
 */
function vouchesForImage(summary: GateSummary, digest: string): boolean {
  return summary.image_digest === digest || (summary.image_repo_digests ?? []).some((d) => d.slice(d.lastIndexOf('@') + 1) === digest);
}

/**
 * Why a deploy must be refused, or [] when the gate report vouches for exactly this image and
 * commit: the whole gate suite ran, every scenario passed.
 */
export function refuseDeploy(summary: GateSummary | null, want: { imageDigest: string; commit: string; requiredScenarios: string[] }): string[] {
  if (summary === null) return ['no gate report: run `npm run gate -- --service-image <the image>` for this image first'];
  const reasons: string[] = [];
  if (summary.suite !== 'gate') reasons.push(`the report is for suite "${summary.suite ?? 'named scenarios'}", not the gate suite`);
  if (!vouchesForImage(summary, want.imageDigest)) reasons.push(`the report is for image ${summary.image_digest ?? '(none: the gate ran the build, not an image)'}, not ${want.imageDigest}`);
  if (summary.commit !== want.commit) reasons.push(`the report is for commit ${summary.commit ?? '(none recorded)'}, not ${want.commit}`);
  for (const name of want.requiredScenarios) {
    const s = summary.scenarios.find((x) => x.scenario === name);
    if (!s) reasons.push(`gate scenario ${name} did not run`);
    else if (s.verdict !== 'pass') reasons.push(`gate scenario ${name} ${({ fail: 'failed', error: 'errored', interrupted: 'was interrupted' } as const)[s.verdict]}: ${s.reasons.join('; ')}`);
  }
  return reasons;
}
