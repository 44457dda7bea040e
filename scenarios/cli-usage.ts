import { parseArgs } from 'node:util';

export const USAGE = `usage: testbed <command> [options]

commands:
  list [--json]                scenarios, their suites and what they check
  run <scenario...>            run catalogue scenarios by name
  run --suite <gate|chaos|capacity|extended|self-test>
  run --file <scenario.yaml|.json>   run a scenario file (repeatable)
      --out <dir>              where reports go (default reports/<timestamp>)
      --baseline <file>        compare with a saved run; fail on regression
      --regression-pct <n>     allowed regression vs baseline (default 10)
      --save-baseline <file>   save this run's gate metrics as a baseline
  validate <file...>           check scenario files without running them
  export <scenario> [--format yaml|json]   print a catalogue scenario as a file
  --provider <local|containers|external>   (run and up; default local: embedded processes, no Docker)
      --postgres-url <url> --redis-url <redis://host:port/db> --dynamodb-endpoint <url>   (external)
  --service-image <ref>    (run and up) every service task runs as a container of this image, and
                           the report names the image ID the engine gives it (npm run image builds one)
  up                           boot the default two-AZ topology and keep it up (Ctrl-C stops it)
      --instances-per-az <n>   service instances per AZ (default 1)
      --replication <synchronous|asynchronous|none>
      --alb '<json>'           the ALB's tuning, as a scenario's topology.alb: e.g. '{"queue_requests_max":128,
                               "overload_queue_wait_ms":0}' (queue bounds, overload cut, health checks)
  clean                        stop processes and remove temp dirs left by killed runs

Ctrl-C stops a run: the interrupted scenario's report is written (verdict "interrupted"), the
testbed is torn down and its temp dir removed; a second Ctrl-C stops at once. A run that fails
keeps its temp dir (logs, data) until the next run starts; the report names it.
TESTBED_KEEP_DIR=1 keeps it always.

exit codes: 0 all passed, 1 a gate or invariant failed, 2 bad usage or an invalid scenario file,
            3 the run itself failed, 130 interrupted (Ctrl-C)`;

export const EXIT = { pass: 0, fail: 1, usage: 2, error: 3, interrupted: 130 } as const;

/** A mistake in how the command was called: exit 2 with the usage. */
export class UsageError extends Error {}

export type Values = Record<string, string | boolean | string[] | undefined>;

const OPTIONS = {
  suite: { type: 'string' }, out: { type: 'string' }, baseline: { type: 'string' }, file: { type: 'string', multiple: true },
  'save-baseline': { type: 'string' }, 'regression-pct': { type: 'string' }, json: { type: 'boolean' }, format: { type: 'string' },
  'instances-per-az': { type: 'string' }, replication: { type: 'string' }, help: { type: 'boolean', short: 'h' },
  provider: { type: 'string' }, 'postgres-url': { type: 'string' }, 'redis-url': { type: 'string' }, 'dynamodb-endpoint': { type: 'string' }, 'service-image': { type: 'string' },
  alb: { type: 'string' },
} as const;

/** node's parseArgs, with its errors (unknown option, missing value) turned into usage errors. */
export function parseCommandLine(argv: string[]): { positionals: string[]; values: Values } {
  try {
    const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, options: OPTIONS });
    return { positionals, values };
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code?.startsWith('ERR_PARSE_ARGS')) throw new UsageError((e as Error).message.replace(/\. To specify a positional argument.*$/s, ''));
    throw e;
  }
}
