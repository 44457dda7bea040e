import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { freePort } from '../local/free-port.js';
import type { StartedDynamo } from '../started-nodes.js';
import { ContainerProcess } from './container-process.js';

/** The image LocalStack's community edition ships as, pinned to a release that needs no auth token. */
export const LOCALSTACK_IMAGE = 'localstack/localstack:3.8';
const READY_TIMEOUT_MS = 90_000;

/**
 * The sessions table's DynamoDB (and Secrets Manager) as LocalStack: the emulator most teams
 * already run. Its own entrypoint, told by GATEWAY_LISTEN where to listen (host networking).
 * Not runnable where its image cannot be pulled (here): the GitHub Actions workflow runs it.
 */
export class LocalstackDynamo implements StartedDynamo {
  readonly host = '127.0.0.1';
  readonly az = 'regional' as const;
  readonly name = 'dynamodb-localstack';
  port = 0;
  private proc: ContainerProcess | undefined;
  constructor(readonly options: { runDir: string; image: string }) {}

  get process(): ContainerProcess | undefined { return this.proc; }
  get endpoint(): string { return `http://127.0.0.1:${this.port}`; }

  async start(): Promise<this> {
    this.port = this.port || (await freePort());
    const { runDir, image } = this.options;
    this.proc = new ContainerProcess({
      name: this.name, command: '', args: [], runDir, logFile: path.join(runDir, `${this.name}.log`),
      env: { GATEWAY_LISTEN: `127.0.0.1:${this.port}`, SERVICES: 'dynamodb,secretsmanager', EAGER_SERVICE_LOADING: '1' },
    }, { image, image_cmd: true, az: 'regional', role: 'dynamodb' });
    await this.proc.start();
    await this.proc.waitReady(async () => {
      const health = await (await fetch(`${this.endpoint}/_localstack/health`, { signal: AbortSignal.timeout(1_000) })).json() as { services?: Record<string, string> };
      return ['available', 'running'].includes(health.services?.dynamodb ?? '');
    }, READY_TIMEOUT_MS, 250);
    return this;
  }

  async stop(): Promise<void> { await this.proc?.stop('SIGTERM'); }

  client(): DynamoDBClient {
    return new DynamoDBClient({ endpoint: this.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  }
}
