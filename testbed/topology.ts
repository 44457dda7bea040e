import { z } from 'zod';
import { albTuningSchema } from './alb/alb-config.js';

export const AZS = ['a', 'b'] as const;
export type Az = (typeof AZS)[number];

/** Local nodes are named for their zone: postgres-a, redis-b. Others are regional. */
export function azOfName(name: string): Az | 'regional' {
  const suffix = name.slice(name.lastIndexOf('-') + 1);
  return (AZS as readonly string[]).includes(suffix) ? (suffix as Az) : 'regional';
}

export const topologySchema = z.object({
  /** local: embedded processes (default, no Docker). external: endpoints by URL. containers: needs Docker. */
  provider: z.enum(['local', 'containers', 'external']).default('local'),
  external: z.object({
    postgres_url: z.string().min(1),
    redis_url: z.string().min(1),
    dynamodb_endpoint: z.string().min(1),
  }).optional(),
  instances_per_az: z.number().int().min(0).max(8).default(1),
  /** Aurora-like writer + standby in the other AZ; synchronous means no acknowledged commit is lost on failover. */
  replication: z.enum(['synchronous', 'asynchronous', 'none']).default('synchronous'),
  redis_replica: z.boolean().default(true),
  /** Continuous WAL archiving from the writer (for base backups and point-in-time restore). */
  wal_archiving: z.boolean().default(false),
  service_env: z.record(z.string(), z.string()).default({}),
  /** The containers provider's images; by default the official ones, or ours where only those exist (containers:setup). */
  containers: z.strictObject({
    postgres_image: z.string().min(1).optional(), redis_image: z.string().min(1).optional(), dynamodb_image: z.string().min(1).optional(),
  }).default({}),
  /** Run every task as a container of this image (a tag or ID the local engine holds) instead of the compiled build. */
  service_image: z.string().min(1).optional(),
  /** The ALB emulator's target group and queue settings (see alb/alb-config.ts); validated with its own bounds. */
  alb: albTuningSchema.prefault({}),
  seed: z.object({
    customers: z.number().int().min(2).max(100_000).default(1_000),
    accounts_per_customer: z.number().int().min(1).max(10).default(2),
    initial_balance_minor: z.coerce.bigint().default(100_000_000n),
    currency: z.string().regex(/^[A-Z]{3}$/).default('EUR'),
  }).prefault({}),
});

export type TopologySpec = z.input<typeof topologySchema>;
export type Topology = z.output<typeof topologySchema>;

/** Names of the fault proxy listeners: one per (client AZ, endpoint), so AZ links fail separately. */
export const ENDPOINTS = ['writer', 'reader', 'cache', 'sessions'] as const;
export type Endpoint = (typeof ENDPOINTS)[number];
export const proxyName = (endpoint: Endpoint, clientAz: Az) => `${endpoint}@${clientAz}`;
