/** HAProxy's largest server weight: the listener's weights are scaled into 1..this. */
export const SERVER_WEIGHT_MAX = 256;
/** The ALB's largest target group weight in a weighted forward action. */
export const GROUP_WEIGHT_MAX = 999;
export const DEFAULT_GROUP = 'blue';

/** A target group's name as the emulator takes it (it also names a task set and a metric label). */
export function checkGroupName(group: string): string {
  if (!/^[a-z0-9-]{1,32}$/.test(group)) throw new Error(`target group name ${JSON.stringify(group)}: 1-32 lower-case letters, digits and -`);
  return group;
}

function checkGroupWeight(group: string, w: unknown): number {
  if (typeof w !== 'number' || !Number.isInteger(w) || w < 0 || w > GROUP_WEIGHT_MAX) throw new Error(`weight of target group ${group} must be an integer 0..${GROUP_WEIGHT_MAX}, got ${JSON.stringify(w)}`);
  return w;
}

/**
 * An ALB listener's weighted forward action (target group -> weight, 0..999) as HAProxy server
 * weights: a group's share is split evenly over its routable targets. One backend with weighted
 * servers instead of a backend per group: the target slots and health semantics stay as they are.
 */
export function serverWeights(groupWeights: Record<string, number>, routableByGroup: Map<string, string[]>): Map<string, number> {
  const raw = new Map<string, number>();
  for (const [group, ids] of routableByGroup) {
    const w = checkGroupWeight(group, groupWeights[group] ?? 0);
    for (const id of ids) raw.set(id, w / ids.length);
  }
  const top = Math.max(0, ...raw.values());
  const out = new Map<string, number>();
  // A group with weight > 0 keeps at least 1 per target: a small share is rounded up, never dropped.
  for (const [id, w] of raw) out.set(id, w === 0 ? 0 : Math.max(1, Math.round((w / top) * SERVER_WEIGHT_MAX)));
  return out;
}

/** A weights update as an ALB takes it: 0..999 per group, at least one above 0; groups may be registered later. */
export function parseGroupWeights(body: unknown): Record<string, number> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new Error('weights must be an object of target group name -> weight');
  const out: Record<string, number> = {};
  for (const [group, w] of Object.entries(body)) out[checkGroupName(group)] = checkGroupWeight(group, w);
  if (!Object.values(out).some((w) => w > 0)) throw new Error('at least one target group needs a weight above 0 (an ALB forward action needs somewhere to send)');
  return out;
}
