/** Parent → children, from each process's parent pid, as read from /proc. */
export function childrenOf(parentOf: Map<number, number>): Map<number, number[]> {
  const children = new Map<number, number[]>();
  for (const [pid, ppid] of parentOf) (children.get(ppid) ?? children.set(ppid, []).get(ppid)!).push(pid);
  return children;
}

/** Sum of `value` over the given roots and all their descendants, each process counted once. */
export function sumOverTrees(roots: number[], children: Map<number, number[]>, value: (pid: number) => number): number {
  let total = 0;
  const seen = new Set<number>();
  const stack = [...roots];
  while (stack.length) {
    const pid = stack.pop()!;
    if (seen.has(pid)) continue;
    seen.add(pid);
    total += value(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return total;
}
