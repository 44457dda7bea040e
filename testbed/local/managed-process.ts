import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { track } from './registry.js';
import { recordChildPid } from './temp-dir.js';
import { TestbedError } from './errors.js';
import { atNormalPriority } from './normal-priority.js';

export interface ProcessSpec {
  name: string;
  command: string;
  args: string[];
  runDir: string;
  logFile: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  uid?: number;
  gid?: number;
  stop_timeout_ms?: number;
}

const STOP_TIMEOUT_MS_DEFAULT = 10_000;
const LOG_TAIL_LINES = 6;
const LOG_TAIL_BYTES_MAX = 4_096;

/** How long a stopped process's output may take to arrive before its log is closed. */
const OUTPUT_DRAIN_MS_MAX = 200;

/** A child process owned by the testbed: logs to a file, stoppable, killable, pausable. */
export class ManagedProcess {
  private child: ChildProcess | undefined;
  private outputClosed: Promise<void> = Promise.resolve();
  private log: WriteStream | undefined;
  private exited: Promise<number | null> = Promise.resolve(null);
  exitCode: number | null = null;
  exitSignal: NodeJS.Signals | null = null;

  constructor(readonly spec: ProcessSpec) {}

  get pid(): number | undefined { return this.child?.pid; }
  get running(): boolean { return this.child !== undefined && this.exitCode === null && this.exitSignal === null; }

  async start(): Promise<void> {
    const { spec } = this;
    this.log = createWriteStream(spec.logFile, { flags: 'a' });
    const { command, args } = atNormalPriority(spec.command, spec.args);
    const child = spawn(command, args, {
      cwd: spec.cwd ?? spec.runDir,
      env: { ...process.env, ...spec.env, TESTBED_RUN_DIR: spec.runDir },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group: Ctrl-C in the terminal reaches the runner only, which stops the
      // run, writes the report and then stops each child in order (Postgres last, checkpointed).
      detached: true,
      ...(spec.uid === undefined ? {} : { uid: spec.uid, gid: spec.gid }),
    });
    this.child = child;
    this.exitCode = null;
    this.exitSignal = null;
    child.stdout!.pipe(this.log, { end: false });
    child.stderr!.pipe(this.log, { end: false });
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => {
      this.exitCode = code; this.exitSignal = signal; resolve(code);
    }));
    // 'close': every holder of its stdout/stderr is gone and the pipes have delivered everything.
    this.outputClosed = new Promise((resolve) => child.once('close', () => resolve()));
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (err) => reject(new TestbedError(`cannot start ${spec.name} (${spec.command}): ${err.message}`)));
    });
    track(child);
    await recordChildPid(spec.runDir, child.pid!);
  }

  signal(sig: NodeJS.Signals) {
    if (this.running && this.child?.pid !== undefined) process.kill(this.child.pid, sig);
  }

  /** SIGTERM (or the given signal), then SIGKILL after stop_timeout_ms. */
  async stop(sig: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.running) {
      this.signal('SIGCONT'); // a paused process cannot act on SIGTERM
      this.signal(sig);
      const timeout = this.spec.stop_timeout_ms ?? STOP_TIMEOUT_MS_DEFAULT;
      let timer: NodeJS.Timeout | undefined;
      const killed = new Promise<void>((resolve) => {
        timer = setTimeout(() => { this.signal('SIGKILL'); resolve(); }, timeout);
      });
      await Promise.race([this.exited, killed]);
      clearTimeout(timer);
      await this.exited;
    }
    // A grandchild can outlive the process and still hold its stdout (a Postgres backend): what it
    // writes after the log is closed threw "write after end" in a test run. Let the pipes deliver
    // for a moment, then cut them before the log closes.
    let drainTimer: NodeJS.Timeout | undefined;
    await Promise.race([this.outputClosed, new Promise((r) => { drainTimer = setTimeout(r, OUTPUT_DRAIN_MS_MAX); })]);
    clearTimeout(drainTimer);
    for (const out of [this.child?.stdout, this.child?.stderr]) {
      if (out && this.log) out.unpipe(this.log);
      out?.destroy();
    }
    await new Promise<void>((resolve) => (this.log ? this.log.end(resolve) : resolve()));
  }

  async waitExit(): Promise<number | null> { return this.exited; }

  /**
   * Polls `probe` until it answers true. If the process exits first, fails at once (not at the
   * timeout) naming it, how it ended and the end of its log: the "why" of a failed boot.
   */
  async waitReady(probe: () => Promise<boolean>, timeout_ms: number, poll_ms = 20): Promise<void> {
    const deadline = Date.now() + timeout_ms;
    for (;;) {
      if (!this.running) {
        await this.exited;
        throw new TestbedError(`${this.spec.name} exited during start (${this.exitSignal ?? `code ${this.exitCode}`})${await this.logTail()}`);
      }
      if (await probe().catch(() => false)) return;
      if (Date.now() > deadline) throw new TestbedError(`${this.spec.name} not ready after ${timeout_ms} ms${await this.logTail()}`);
      await new Promise((r) => setTimeout(r, poll_ms));
    }
  }

  /** The last lines of the process's log, as a suffix for an error message. */
  async logTail(): Promise<string> {
    await new Promise((r) => setTimeout(r, 50)); // let the pipes deliver what the process wrote last
    const text = await readFile(this.spec.logFile, 'utf8').catch(() => '');
    const lines = text.slice(-LOG_TAIL_BYTES_MAX).trimEnd().split('\n').slice(-LOG_TAIL_LINES);
    return lines.length && lines[0] ? `; ${this.spec.logFile} ends:\n    ${lines.join('\n    ')}` : `; ${this.spec.logFile} is empty`;
  }
}
