// The TypeScript shown in the README, in docs/ and in the TSDoc `@example` blocks
// compiles under the project's strict settings, importing furrow as a user would;
// a wrong snippet is reported at its line in the Markdown (or source) file.
import { fileURLToPath } from 'node:url';
import { checkSnippets, docCommentsAsMarkdown, extractSnippets, projectSnippets } from '../../scripts/snippets.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

test('every ```ts block of the README and docs/, and every @example of the entry points, compiles', () => {
  const snippets = projectSnippets(ROOT);
  expect(snippets.filter((s) => s.doc === 'README.md').length).toBeGreaterThanOrEqual(7);
  const examples = new Set(snippets.map((s) => s.doc));
  for (const entry of ['src/core/nursery.ts', 'src/actor/actor-nursery.ts', 'src/actor/portal.ts', 'bridges/promise/run-promise.ts', 'bridges/rxjs/from-observable.ts', 'bridges/queue/task-queue.ts', 'bridges/queue/pool.ts', 'bridges/asyncio/backend.ts']) {
    expect(examples).toContain(entry);
  }
  expect(checkSnippets(snippets, ROOT)).toEqual([]);
}, 60_000);

test("a TSDoc example is found at its source line; code outside doc comments is not", () => {
  const source = [
    '/**', // 1
    ' * Does things.', // 2
    ' * @example', // 3
    ' * ```ts', // 4
    " * const x: number = 'not a number';", // 5
    ' * ```', // 6
    ' */', // 7
    'export const y = 1; // ```ts', // 8
  ].join('\n');
  const snippets = extractSnippets('src/thing.ts', docCommentsAsMarkdown(source));
  expect(snippets).toEqual([expect.objectContaining({ line: 5, code: "const x: number = 'not a number';" })]);
  expect(checkSnippets(snippets, ROOT)).toEqual([expect.objectContaining({ doc: 'src/thing.ts', line: 5 })]);
}, 60_000);

test("a snippet that does not compile is reported at its Markdown line; a sketch is not compiled; a prelude declares a fragment's names", () => {
  const markdown = [
    '# a page', // 1
    '<!-- snippet: declare const words: string[]; -->', // 2
    '```ts', // 3
    "import { context } from 'furrow';", // 4
    'export const f = context(async (ctx) => {', // 5
    '  await ctx.openStream<string, string>(async (s) => { for (const w of words) await s.send(w); });', // 6: the body returns void, not string
    '});', // 7
    '```', // 8
    '```ts sketch', // 9
    'openNursery(body): Promise<T>', // 10
    '```', // 11
  ].join('\n');
  const snippets = extractSnippets('page.md', markdown);
  expect(snippets).toHaveLength(1);
  expect(snippets[0]).toMatchObject({ line: 4, prelude: 'declare const words: string[];' });
  const errors = checkSnippets(snippets, ROOT);
  expect(errors).toEqual([expect.objectContaining({ doc: 'page.md', line: 6 })]);
  expect(errors[0]!.message).toMatch(/not assignable/);
}, 60_000);

test('a ```ts block that is never closed is an error naming its line', () => {
  expect(() => extractSnippets('page.md', 'text\n```ts\nconst x = 1;\n')).toThrow('page.md:2: a ```ts block is never closed');
});
