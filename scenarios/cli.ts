// testbed: list scenarios, run one or a suite or a file, validate and export scenario files,
// keep a topology up, clean leftovers. Exit codes and Ctrl-C behaviour: see USAGE.
import { reapStale } from '../testbed/local/temp-dir.js';
import { reapStaleContainers } from '../testbed/containers/labels.js';
import { killAll } from '../testbed/local/registry.js';
import { TestbedError } from '../testbed/local/errors.js';
import { catalogue, findScenario } from './catalogue/index.js';
import { run } from './cli-run.js';
import { up } from './cli-up.js';
import { EXIT, parseCommandLine, USAGE, UsageError, type Values } from './cli-usage.js';
import { loadScenarioFile, scenarioToText, ScenarioFileError, type ScenarioFormat } from './scenario-file.js';
import { terminalProgress } from './terminal-progress.js';

const err = (line: string) => process.stderr.write(`${line}\n`);

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseCommandLine(argv);
  const [command, ...args] = positionals;
  if (values.help || command === 'help') { console.log(USAGE); return EXIT.pass; }
  if (command === undefined) throw new UsageError('name a command');
  switch (command) {
    case 'list': return list(values);
    case 'run': return run(args, values, terminalProgress(), interruptible());
    case 'validate': return validate(args);
    case 'export': return exportScenario(args, values);
    case 'up': return up(values);
    case 'clean': {
      const r = await reapStale();
      const containers = await reapStaleContainers();
      console.log(`removed ${r.dirs} stale run dir(s), killed ${r.processes} leftover process(es), removed ${containers} leftover container(s)`);
      return EXIT.pass;
    }
    default: throw new UsageError(`unknown command "${command}"`);
  }
}

/** First Ctrl-C (or SIGTERM): stop the run, write its report, tear down. Second: kill everything now. */
function interruptible(): AbortSignal {
  const ac = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (!ac.signal.aborted) {
      err(`\n${signal}: stopping the run, writing its report and tearing the testbed down (again to stop at once)`);
      ac.abort();
      return;
    }
    err(`${signal} again: killing the testbed's processes; \`testbed clean\` removes what is left`);
    killAll();
    process.exit(EXIT.interrupted);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return ac.signal;
}

function list(v: Values): number {
  if (v.json) {
    console.log(JSON.stringify(catalogue.map((s) => ({ name: s.name, suites: s.suites, description: s.description, gates: s.gates, invariants: s.invariants, ...(s.runbook ? { runbook: s.runbook } : {}) })), null, 2));
    return EXIT.pass;
  }
  for (const s of catalogue) console.log(`${s.name.padEnd(24)} [${s.suites.join(', ')}]\n  ${s.description}\n`);
  return EXIT.pass;
}

async function validate(files: string[]): Promise<number> {
  if (files.length === 0) throw new UsageError('validate needs one or more scenario files');
  let bad = 0;
  for (const file of files) {
    try {
      const s = await loadScenarioFile(file);
      console.log(`${file}: ok (scenario ${s.name}: ${s.load.stages.length} stage(s), ${s.timeline?.length ?? 0} fault step(s), ${s.gates.length} gate(s))`);
    } catch (e) {
      if (!(e instanceof ScenarioFileError)) throw e;
      bad++;
      err(e.message);
    }
  }
  return bad === 0 ? EXIT.pass : EXIT.usage;
}

function exportScenario(names: string[], v: Values): number {
  if (names.length !== 1) throw new UsageError('export needs exactly one scenario name');
  const format = (v.format ?? 'yaml') as string;
  if (format !== 'yaml' && format !== 'json') throw new UsageError(`--format must be yaml or json; got "${format}"`);
  let s;
  try { s = findScenario(names[0]!); } catch (e) { throw new UsageError((e as Error).message); }
  process.stdout.write(scenarioToText(s, format as ScenarioFormat));
  return EXIT.pass;
}

main(process.argv.slice(2)).then((code) => process.exit(code), (e: unknown) => {
  if (e instanceof UsageError) { err(`testbed: ${e.message}\n\n${USAGE}`); process.exit(EXIT.usage); }
  if (e instanceof ScenarioFileError) { err(`testbed: ${e.message}`); process.exit(EXIT.usage); }
  if (e instanceof TestbedError) { err(`testbed: ${e.message}`); process.exit(EXIT.error); }
  err(`testbed: ${(e as Error).message}`);
  process.exit(EXIT.error);
});
