// Drawing a supervision tree (tree.ts) as text, like `pstree`: one line per
// actor (name, short uuid, pid, backend, state; the state in colour on a
// terminal), its tasks and contexts indented below it, then its children.
import type { TreeNode } from './tree-describe.ts';

/** Options of {@link renderTree}. */
export interface RenderTreeOptions {
  /** colour the states with ANSI escapes (default false) */
  color?: boolean;
}

/** ANSI colour per state: running green, starting yellow, cancelling magenta, exiting red. */
const STATE_COLOR: Record<string, string> = { running: '32', starting: '33', cancelling: '35', exiting: '31' };
const DIM = '2';
const RED = '31';

/** A duration for people: `850 ms`, `12.4 s`, `3 min 5 s`, `2 h 10 min`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.floor(s % 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** `module:function` with a `file:` module shortened to its file name (`file:///a/b/jobs.ts:f` is `jobs.ts:f`). */
export function shortTarget(target: string): string {
  return target.startsWith('file:') ? target.slice(target.lastIndexOf('/', target.lastIndexOf(':')) + 1) : target;
}

/** The tree as indented text, one actor per line with its tasks and contexts below it; ends with a newline. */
export function renderTree(root: TreeNode, opts: RenderTreeOptions = {}): string {
  const paint = (code: string, text: string): string => (opts.color ? `\x1b[${code}m${text}\x1b[0m` : text);
  const lines: string[] = [];
  const draw = (node: TreeNode, lead: string, branch: string, under: string): void => {
    const uuid = node.uid[1] ? node.uid[1].slice(0, 8) : '--------';
    const where = node.pid ? `pid ${node.pid}` : 'no pid yet';
    const state = paint(STATE_COLOR[node.state] ?? DIM, node.state);
    const host = node.parent === null ? ` on ${node.host}` : '';
    lines.push(`${lead}${branch}${node.name} [${uuid}] ${where} ${node.backend}${host} ${state}${node.error ? ' ' + paint(RED, `(${node.error})`) : ''}`);
    const body = lead + under;
    const detail = body + (node.children.length ? '│ ' : '  ');
    for (const t of node.tasks) lines.push(`${detail}${paint(DIM, '·')} task ${shortTarget(t.name)} ${formatDuration(t.runningMs)} (for ${t.caller})`);
    for (const c of node.contexts) {
      const stream = c.stream ? ', stream open' : '';
      lines.push(`${detail}${paint(DIM, '·')} context ${shortTarget(c.target)} ${c.side} with ${c.peer}${stream} ${formatDuration(c.openMs)}`);
    }
    node.children.forEach((child, i) => {
      const last = i === node.children.length - 1;
      draw(child, body, last ? '└─ ' : '├─ ', last ? '   ' : '│  ');
    });
  };
  draw(root, '', '', '');
  return lines.join('\n') + '\n';
}
