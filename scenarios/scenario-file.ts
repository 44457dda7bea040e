// Scenario files: YAML or JSON on disk <-> validated Scenario objects, with errors that name the field.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import YAML from 'yaml';
import { SCENARIO_FILE_SCHEMA, scenarioSchema } from './scenario-schema.js';
import type { Scenario } from './scenario.js';
import { problemsOf } from './zod-problems.js';

export const SCENARIO_FILE_BYTES_MAX = 1_048_576;
const FORMATS = { '.yaml': 'yaml', '.yml': 'yaml', '.json': 'json' } as const;
export type ScenarioFormat = (typeof FORMATS)[keyof typeof FORMATS];

/** A scenario file that cannot be used; `problems` lists each one as "path: message". */
export class ScenarioFileError extends Error {
  constructor(readonly file: string, readonly problems: string[]) {
    super(`${file}: ${problems.length === 1 ? problems[0] : `${problems.length} problems:\n  ${problems.join('\n  ')}`}`);
  }
}

export function formatOf(file: string): ScenarioFormat {
  const format = FORMATS[path.extname(file).toLowerCase() as keyof typeof FORMATS];
  if (!format) throw new ScenarioFileError(file, [`unknown file type "${path.extname(file)}"; expected .yaml, .yml or .json`]);
  return format;
}

export async function loadScenarioFile(file: string): Promise<Scenario> {
  const format = formatOf(file);
  let text: string;
  try { text = await readFile(file, 'utf8'); } catch (e) { throw new ScenarioFileError(file, [`cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`]); }
  return parseScenario(text, format, file);
}

export function parseScenario(text: string, format: ScenarioFormat, file = `<${format}>`): Scenario {
  if (Buffer.byteLength(text) > SCENARIO_FILE_BYTES_MAX) throw new ScenarioFileError(file, [`larger than ${SCENARIO_FILE_BYTES_MAX} bytes`]);
  let data: unknown;
  try {
    data = format === 'json' ? JSON.parse(text) : YAML.parse(text, { prettyErrors: true, maxAliasCount: 100 });
  } catch (e) {
    throw new ScenarioFileError(file, [`not valid ${format.toUpperCase()}: ${(e as Error).message.split('\n')[0]}`]);
  }
  const parsed = scenarioSchema.safeParse(data);
  if (!parsed.success) throw new ScenarioFileError(file, problemsOf(parsed.error));
  return parsed.data;
}

/** A catalogue scenario as file text; loading it back gives the same scenario (tested). */
export function scenarioToText(s: Scenario, format: ScenarioFormat): string {
  const data = { schema: SCENARIO_FILE_SCHEMA, ...s };
  const plain = JSON.parse(JSON.stringify(data, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))) as unknown;
  return format === 'json' ? `${JSON.stringify(plain, null, 2)}\n` : YAML.stringify(plain, { lineWidth: 0 });
}
