import path from 'node:path';

/** The floors, lowest first: a floor may import only floors below it (see README, Layout). */
export const FLOORS = ['service', 'testbed', 'loadtests', 'chaos', 'scenarios', 'infra'] as const;
// The service's own integration tests boot real dependencies through the testbed's harness.
const ALLOWED = (from: string, floor: string, target: string) => floor === 'service' && target === 'testbed' && from.endsWith('.test.ts');

export interface ImportEdge { from: string; spec: string; fromFloor: string; toFloor: string }

/** Every relative import between floors, from the source text of the repository's .ts files. */
export function floorEdges(files: { path: string; source: string }[]): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const f of files) {
    const fromFloor = f.path.split('/')[0]!;
    if (!(FLOORS as readonly string[]).includes(fromFloor)) continue;
    for (const m of f.source.matchAll(/(?:from\s+|import\(\s*|import\s+)'(\.{1,2}\/[^']+)'/g)) {
      const toFloor = path.posix.normalize(path.posix.join(path.posix.dirname(f.path), m[1]!)).split('/')[0]!;
      if (toFloor !== fromFloor) edges.push({ from: f.path, spec: m[1]!, fromFloor, toFloor });
    }
  }
  return edges;
}

/** Imports that reach up a floor (or out of the floors), each as "file -> import (floor a imports floor b)". */
export function floorViolations(edges: ImportEdge[]): string[] {
  const rank = (f: string) => (FLOORS as readonly string[]).indexOf(f);
  return edges
    .filter((e) => (rank(e.toFloor) < 0 || rank(e.toFloor) > rank(e.fromFloor)) && !ALLOWED(e.from, e.fromFloor, e.toFloor))
    .map((e) => `${e.from} -> ${e.spec} (${e.fromFloor} imports ${e.toFloor}, a floor above it)`);
}

/** Packages a shipped service file imports that package.json does not list as runtime dependencies. */
export function serviceImportsOutsideDependencies(files: { path: string; source: string }[], dependencies: string[]): string[] {
  const out = new Set<string>();
  for (const f of files) {
    if (!f.path.startsWith('service/') || f.path.endsWith('.test.ts')) continue;
    for (const m of f.source.matchAll(/(?:from\s+|import\s+)'([^.'][^']*)'/g)) {
      const spec = m[1]!;
      if (spec.startsWith('node:')) continue;
      const pkg = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
      if (!dependencies.includes(pkg)) out.add(`${f.path} imports ${pkg}`);
    }
  }
  return [...out];
}

/** TIGER_STYLE's limit, scaled for TypeScript: a function fits on a screen. */
export const FUNCTION_LINES_MAX = 70;
const FUNCTION_START = /^(\s*)(?:export\s+)?(?:default\s+)?(?:async\s+)?function\*?\s+[\w$]+|^(\s*)(?:(?:public|private|protected|static|async|get|set|readonly)\s+)*\[?[\w$.]+\]?\s*(?:<[^>]*>)?\([^;]*\)\s*(?::\s*[^;]*)?\{\s*$/;
const NOT_A_FUNCTION = /^\s*(?:if|for|while|switch|catch|else|return|do|try)\b/;

/**
 * Functions and methods longer than the limit, as "file:line name (n lines)". The code is
 * formatted with consistent indentation, so a declaration ends at the first closing brace at its
 * own indentation; nested callbacks count towards the function that holds them.
 */
export function longFunctions(files: { path: string; source: string }[], max = FUNCTION_LINES_MAX): string[] {
  const out: string[] = [];
  for (const f of files) {
    const lines = f.source.split('\n');
    lines.forEach((line, i) => {
      if (!FUNCTION_START.test(line) || NOT_A_FUNCTION.test(line)) return;
      const indent = /^\s*/.exec(line)![0].length;
      const end = lines.findIndex((l, j) => j > i && /^\s*\}/.test(l) && /^\s*/.exec(l)![0].length === indent);
      const length = (end < 0 ? lines.length : end) - i + 1;
      if (length > max) out.push(`${f.path}:${i + 1} ${line.trim().slice(0, 60)} (${length} lines)`);
    });
  }
  return out;
}
