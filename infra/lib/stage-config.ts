/** What differs between stages. Read by bin/ only; constructs get plain values. */
export interface StageConfig {
  stage: 'dev' | 'prod';
  natGateways: number;
  desiredTasks: number;
  maxTasks: number;
  dbInstanceClass: string;
  cacheNodeType: string;
  backupRetentionDays: number;
  /** Stateful resources survive a stack deletion and the stack refuses to be deleted. */
  protectData: boolean;
  /** HTTPS only (HTTP redirects): synth refuses without a certificate. */
  requireHttps: boolean;
  /** Alarms must reach someone: synth refuses without an alarm email. */
  requireAlarmDestination: boolean;
}

export const STAGES: Record<StageConfig['stage'], StageConfig> = {
  dev: { stage: 'dev', natGateways: 1, desiredTasks: 2, maxTasks: 4, dbInstanceClass: 'r6g.large', cacheNodeType: 'cache.t4g.small', backupRetentionDays: 7, protectData: false, requireHttps: false, requireAlarmDestination: false },
  prod: { stage: 'prod', natGateways: 2, desiredTasks: 4, maxTasks: 20, dbInstanceClass: 'r6g.xlarge', cacheNodeType: 'cache.r7g.large', backupRetentionDays: 30, protectData: true, requireHttps: true, requireAlarmDestination: true },
};
