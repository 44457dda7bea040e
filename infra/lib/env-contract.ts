import { configKeys, configSchema, parseConfig } from '../../service/config.js';

/** Variables the service cannot start without (no default, not optional). */
export function requiredConfigKeys(): string[] {
  return configKeys.filter((k) => !configSchema.shape[k].safeParse(undefined).success);
}

/** Names that must only ever arrive as secrets, never in a task definition's plain environment. */
export const SECRET_KEYS = ['DB_PASSWORD', 'REDIS_AUTH_TOKEN'];

/**
 * Problems between a task definition (plain environment + secret names) and the service's config
 * schema: unknown variables, missing required ones, secrets in plain text, values the schema refuses.
 */
export function envContractProblems(environment: Record<string, unknown>, secretNames: string[], o: { extraSecrets?: string[] } = {}): string[] {
  const problems: string[] = [];
  // extraSecrets: read by the container's own command (APP_DB_PASSWORD for migrate), not the service.
  const known = new Set<string>([...configKeys, ...(o.extraSecrets ?? [])]);
  const provided = new Set([...Object.keys(environment), ...secretNames]);
  for (const k of Object.keys(environment)) if (!known.has(k)) problems.push(`${k} is set but the service does not read it`);
  for (const k of secretNames) if (!known.has(k)) problems.push(`secret ${k} is injected but the service does not read it`);
  for (const k of requiredConfigKeys()) if (!provided.has(k)) problems.push(`${k} is required by the service but not provided`);
  for (const k of SECRET_KEYS) if (k in environment) problems.push(`${k} is a secret but sits in the plain environment`);
  if (!provided.has('DB_PASSWORD') && !provided.has('DB_PASSWORD_SECRET_ID')) problems.push('neither DB_PASSWORD nor DB_PASSWORD_SECRET_ID is provided');
  // Values CloudFormation resolves at deploy time (tokens) are replaced by plausible stand-ins.
  const standIn = (k: string, v: unknown) => typeof v === 'string' ? v : k === 'REDIS_URL' ? 'rediss://cache:6379' : 'resolved-at-deploy';
  const env: Record<string, string> = Object.fromEntries(Object.entries(environment).map(([k, v]) => [k, standIn(k, v)]));
  for (const k of secretNames.filter((n) => configKeys.includes(n as never))) env[k] = 'secret-value-resolved-at-run-time';
  try { parseConfig(env); } catch (err) { problems.push((err as Error).message); }
  return problems;
}
