// Type-checks the TypeScript in the README, in docs/, and in the `@example` blocks
// of the sources' TSDoc: every ```ts block is compiled under the project's strict
// tsconfig, importing furrow by its package name as a user would. Two kinds of block are told apart by their fence:
//   ```ts          a program or a fragment; it must compile. A fragment names what it
//                  uses without defining it in an HTML comment just above the fence:
//                  <!-- snippet: declare const url: string; -->
//   ```ts sketch   an API outline (signatures, elided bodies); not compiled.
// Run it with `node scripts/snippets.ts` (prints each error at its Markdown line).
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** One compiled block: where it came from and the text handed to the compiler. */
export interface Snippet {
  /** the Markdown file, relative to the repository root */
  doc: string;
  /** the line (1-based) of the first line of code in `doc` */
  line: number;
  /** the prelude from `<!-- snippet: ... -->`, or '' */
  prelude: string;
  code: string;
}

/** A type error in a snippet, placed at its line in the Markdown file. */
export interface SnippetError {
  doc: string;
  line: number;
  message: string;
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PRELUDE = /^<!--\s*snippet:\s*([\s\S]*?)-->\s*$/;

/** The ```ts blocks of one Markdown text (sketches left out). */
export function extractSnippets(doc: string, markdown: string): Snippet[] {
  const lines = markdown.split('\n');
  const out: Snippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    const fence = /^```ts(.*)$/.exec(lines[i]!);
    if (!fence) continue;
    const end = lines.indexOf('```', i + 1);
    if (end < 0) throw new Error(`${doc}:${i + 1}: a \`\`\`ts block is never closed`);
    const prelude = PRELUDE.exec(lines[i - 1] ?? '')?.[1]?.trim() ?? '';
    if (fence[1]!.trim() !== 'sketch') out.push({ doc, line: i + 2, prelude, code: lines.slice(i + 1, end).join('\n') });
    i = end;
  }
  return out;
}

/** The README and every page under docs/. */
export function projectDocs(root = ROOT): string[] {
  return ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
}

/** The TypeScript sources whose TSDoc may hold examples: src/ and bridges/. */
export function projectSources(root = ROOT): string[] {
  return ['src', 'bridges'].flatMap((top) =>
    readdirSync(join(root, top), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts') && !f.includes('python'))
      .map((f) => `${top}/${f}`),
  );
}

/**
 * The text of a source file's doc comments as Markdown, line for line (code lines
 * become empty, the ` * ` margin of comment lines is dropped), so that
 * {@link extractSnippets} finds its examples at their real line numbers.
 */
export function docCommentsAsMarkdown(source: string): string {
  let inDoc = false;
  return source
    .split('\n')
    .map((line) => {
      const trimmed = line.trim();
      if (!inDoc && trimmed.startsWith('/**')) inDoc = !trimmed.endsWith('*/');
      else if (inDoc && trimmed.endsWith('*/')) inDoc = false;
      else if (inDoc) return trimmed.replace(/^\* ?/, '');
      return '';
    })
    .join('\n');
}

/** Every checked snippet of the project: the docs' blocks and the sources' examples. */
export function projectSnippets(root = ROOT): Snippet[] {
  return [
    ...projectDocs(root).flatMap((doc) => extractSnippets(doc, readFileSync(join(root, doc), 'utf8'))),
    ...projectSources(root).flatMap((src) => extractSnippets(src, docCommentsAsMarkdown(readFileSync(join(root, src), 'utf8')))),
  ];
}

/**
 * Compile `snippets` (each as its own module, in a scratch directory inside the
 * repository so that `furrow` resolves to this package) and return their errors.
 */
export function checkSnippets(snippets: readonly Snippet[], root = ROOT): SnippetError[] {
  const dir = join(root, '.snippets');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
  const files = new Map<string, { snippet: Snippet; offset: number }>();
  snippets.forEach((s, n) => {
    const file = join(dir, `${s.doc.replace(/[/.]/g, '_')}_${n}.ts`);
    // the prelude goes on the first line, so code lines keep their numbers; `export {}` makes a fragment a module
    writeFileSync(file, `export {}; ${s.prelude.replace(/\n/g, ' ')}\n${s.code}\n`);
    files.set(file, { snippet: s, offset: 1 });
  });
  const config = ts.getParsedCommandLineOfConfigFile(join(root, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n')); } })!;
  const program = ts.createProgram([...files.keys()], { ...config.options, noUnusedLocals: false, types: ['node'] });
  const errors: SnippetError[] = [];
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const at = d.file && files.get(d.file.fileName);
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    if (!at || d.start === undefined) {
      errors.push({ doc: d.file ? relative(root, d.file.fileName) : '(config)', line: 0, message });
      continue;
    }
    const { line } = d.file!.getLineAndCharacterOfPosition(d.start);
    errors.push({ doc: at.snippet.doc, line: at.snippet.line + Math.max(0, line - at.offset), message });
  }
  rmSync(dir, { recursive: true, force: true });
  return errors;
}

if (import.meta.main) {
  const snippets = projectSnippets();
  const errors = checkSnippets(snippets);
  for (const e of errors) console.error(`${e.doc}:${e.line}: ${e.message}`);
  console.log(`${snippets.length} snippets, ${errors.length} errors`);
  process.exitCode = errors.length ? 1 : 0;
}
