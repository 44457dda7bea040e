import path from 'node:path';
import net from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { freePort } from './free-port.js';
import type { StartedDynamo } from '../started-nodes.js';
import { hostLauncher, type Launcher } from './launcher.js';
import type { ManagedProcess } from './managed-process.js';

const READY_TIMEOUT_MS = 10_000;

/** dynalite (DynamoDB API on LevelDB, in memory) as a child process. It has no TTL. */
export class DynaliteProcess implements StartedDynamo {
  readonly host = '127.0.0.1';
  port = 0;
  private proc: ManagedProcess | undefined;
  constructor(readonly options: { name: string; runDir: string; launcher?: Launcher }) {}

  get process(): ManagedProcess | undefined { return this.proc; }
  get endpoint(): string { return `http://127.0.0.1:${this.port}`; }
  get name(): string { return this.options.name; }
  readonly az = 'regional' as const;

  async start(): Promise<this> {
    this.port = this.port || (await freePort());
    const launcher = this.options.launcher ?? hostLauncher;
    const { command, args } = launcher.dynalite();
    this.proc = launcher.server({
      name: this.options.name, command,
      args: [...args, '--port', String(this.port), '--host', '127.0.0.1', '--createTableMs', '0', '--deleteTableMs', '0', '--updateTableMs', '0'],
      runDir: this.options.runDir, logFile: path.join(this.options.runDir, `${this.options.name}.log`),
    });
    await this.proc.start();
    await this.proc.waitReady(() => new Promise((resolve) => {
      const s = net.connect(this.port, '127.0.0.1', () => { s.destroy(); resolve(true); });
      s.on('error', () => resolve(false));
    }), READY_TIMEOUT_MS);
    return this;
  }

  async stop(): Promise<void> { await this.proc?.stop('SIGTERM'); }

  client(): DynamoDBClient {
    return new DynamoDBClient({ endpoint: this.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  }
}

/**
 * The sessions table as infra/ declares it: partition key token_hash, TTL attribute expires_at.
 * dynalite is started with --createTableMs 0, so the table is ACTIVE when this returns.
 */
export async function createSessionsTable(client: DynamoDBClient, table: string): Promise<void> {
  await client.send(new CreateTableCommand({
    TableName: table,
    AttributeDefinitions: [{ AttributeName: 'token_hash', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'token_hash', KeyType: 'HASH' }],
    BillingMode: 'PAY_PER_REQUEST',
  }));
}
