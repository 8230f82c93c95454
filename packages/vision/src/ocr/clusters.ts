// Grouping boxes into connected groups (union-find): text boxes into rows, lone characters into vertical stacks.

/**
 * The groups of `items` joined by `linked(a, b)`, asked once per pair with `a` before `b` in the list (the join is
 * transitive: a–b and b–c put a, b and c in one group). Groups come in the order of their first item, each in list order.
 */
export function clusters<T>(items: readonly T[], linked: (a: T, b: T) => boolean): T[][] {
  const parent = items.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i])));
  for (let i = 0; i < items.length; i++) {
    for (let j = i + 1; j < items.length; j++) if (linked(items[i], items[j])) parent[find(j)] = find(i);
  }
  const groups = new Map<number, T[]>();
  items.forEach((item, i) => {
    const g = find(i);
    if (!groups.has(g)) groups.set(g, []);
    groups.get(g)!.push(item);
  });
  return [...groups.values()];
}
