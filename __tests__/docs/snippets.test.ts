// The TypeScript shown in the README and in docs/ compiles under the project's
// strict settings, importing furrow as a user would; a wrong snippet is reported
// at its line in the Markdown file.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { checkSnippets, extractSnippets, projectDocs } from '../../scripts/snippets.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

test('every ```ts block of the README and docs/ compiles', () => {
  const snippets = projectDocs(ROOT).flatMap((doc) => extractSnippets(doc, readFileSync(`${ROOT}/${doc}`, 'utf8')));
  expect(snippets.filter((s) => s.doc === 'README.md').length).toBeGreaterThanOrEqual(7);
  expect(checkSnippets(snippets, ROOT)).toEqual([]);
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
