// tree(): the live supervision tree below the actor this code runs in (in the
// root: the whole tree), described by tree-describe.ts.
import { currentActor } from './runtime.ts';
import { DEFAULT_TREE_BUDGET_MS, describeTree, type TreeNode } from './tree-describe.ts';

export type { ActorState, TreeContext, TreeNode, TreeTask } from './tree-describe.ts';
export { DEFAULT_TREE_BUDGET_MS } from './tree-describe.ts';

/** Options of {@link tree}. */
export interface TreeOptions {
  /** how long to wait for the whole tree to answer (ms; default 3000) */
  budgetMs?: number;
}

/**
 * The live supervision tree below (and including) the actor this code runs in:
 * in the root, the whole tree. Each actor answers for itself; one that does not
 * answer within the budget is shown as its parent sees it, with `error` set.
 */
export async function tree(opts: TreeOptions = {}): Promise<TreeNode> {
  const budget = opts.budgetMs;
  if (budget !== undefined && !(budget > 0)) throw new RangeError(`tree(): budgetMs must be a positive number of milliseconds (got ${budget})`);
  return describeTree(currentActor(), budget ?? DEFAULT_TREE_BUDGET_MS);
}
