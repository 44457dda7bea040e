import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { postgresBinDir, postgresRunAs, redisServerBinary } from './binaries.js';
import { TestbedError } from './errors.js';
import { ManagedProcess, type ProcessSpec } from './managed-process.js';
import { atNormalPriority } from './normal-priority.js';

const require = createRequire(import.meta.url);
const TOOL_TIMEOUT_MS = 120_000;

export interface ToolOptions { uid?: number; gid?: number; cwd: string; env?: Record<string, string> }

/**
 * Where a data node's processes run: here (the local provider) or in a container of the node's
 * image (the containers provider). Node classes (PostgresProcess, RedisProcess, DynaliteProcess)
 * drive their servers the same way on both; only the launcher knows the difference.
 */
export interface Launcher {
  /** A long-running server. */
  server(spec: ProcessSpec): ManagedProcess;
  /** A tool run to completion beside the server's files (initdb, pg_basebackup, cp). */
  tool(cmd: string, args: string[], o: ToolOptions): Promise<void>;
  /** Where the Postgres binaries are, and who they must run as (Postgres refuses root). */
  postgres(): { binDir: string; runAs: { uid: number; gid: number } | undefined };
  redisServer(): string;
  /** dynalite's command line. */
  dynalite(): { command: string; args: string[] };
}

export const hostLauncher: Launcher = {
  server: (spec) => new ManagedProcess(spec),
  tool: (cmd, args, o) => new Promise((resolve, reject) => {
    const run = atNormalPriority(cmd, args);
    execFile(run.command, run.args, { ...(o.uid === undefined ? {} : { uid: o.uid, gid: o.gid }), cwd: o.cwd, env: { ...process.env, ...o.env }, timeout: TOOL_TIMEOUT_MS }, (err, _out, stderr) => {
      if (err) reject(new TestbedError(`${path.basename(cmd)}: ${(stderr || err.message).trim()}`)); else resolve();
    });
  }),
  postgres: () => ({ binDir: postgresBinDir(), runAs: postgresRunAs() }),
  redisServer: () => redisServerBinary(),
  dynalite: () => ({ command: process.execPath, args: [path.join(path.dirname(require.resolve('dynalite/package.json')), 'cli.js')] }),
};
