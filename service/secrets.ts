import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Config } from './config.js';

/**
 * The DB password: from Secrets Manager when a secret id is configured (RDS-managed secrets are
 * JSON with a `password` field), otherwise the explicit local DB_PASSWORD. The schema guarantees
 * exactly one of the two is set.
 */
export async function resolveDbPassword(config: Config): Promise<string> {
  if (config.DB_PASSWORD_SECRET_ID === undefined) return config.DB_PASSWORD!;
  const client = new SecretsManagerClient({ region: config.AWS_REGION });
  try {
    const out = await client.send(new GetSecretValueCommand({ SecretId: config.DB_PASSWORD_SECRET_ID }));
    const raw = out.SecretString;
    if (raw === undefined) throw new Error('secret has no SecretString');
    if (!raw.trimStart().startsWith('{')) return raw;
    const parsed = JSON.parse(raw) as { password?: unknown };
    if (typeof parsed.password !== 'string') throw new Error('secret JSON has no string "password" field');
    return parsed.password;
  } catch (err) {
    throw new Error(`cannot read DB password from Secrets Manager secret ${config.DB_PASSWORD_SECRET_ID}: ${(err as Error).message}`);
  } finally {
    client.destroy();
  }
}
