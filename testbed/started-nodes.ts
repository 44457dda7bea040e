// What the testbed needs of a data node once it runs, whoever runs it: the local provider (a
// process here), the external provider (a URL) or, later, the containers provider. After
// testcontainers' Started*Container types: connection details out, stop() in.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type pg from 'pg';
import type { ManagedProcess } from './local/managed-process.js';
import type { Az } from './topology.js';

export interface StartedNode {
  /** A stable name for logs and reports (postgres-a, redis-external). */
  readonly name: string;
  readonly host: string;
  readonly port: number;
  /** The zone it runs in; 'regional' when the testbed does not place it (external endpoints). */
  readonly az: Az | 'regional';
  /** The process, when the testbed runs it (local provider): for CPU, memory and signals. */
  readonly process: ManagedProcess | undefined;
  stop(): Promise<void>;
}

export interface StartedPostgres extends StartedNode {
  connectionConfig(database?: string): pg.ClientConfig;
  createDatabase(name: string): Promise<void>;
}

export interface StartedRedis extends StartedNode {
  command(args: string[]): Promise<unknown>;
}

export interface StartedDynamo extends StartedNode {
  readonly endpoint: string;
  client(): DynamoDBClient;
}
