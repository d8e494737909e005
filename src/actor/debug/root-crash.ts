// Post-mortem in the root (`debugMode`): when a child's error arrives through a
// portal of a debug-mode nursery, a crash REPL opens at the root's terminal (in its
// turn, after the crash REPL of the actor that failed) before the caller sees the
// error. The root's own loop keeps running (nothing above it could drive a pause), so
// this REPL evaluates expressions with `error` (the arrived `RemoteActorError`) in
// scope, in a fresh context; `c` goes on.
import { inspect } from 'node:util';
import { atTheTerminal, readCommands } from './session.ts';

/** Open the root's crash REPL for `error`, which arrived from `from`. */
export function rootCrashRepl(error: unknown, from: string): Promise<void> {
  return atTheTerminal(async () => {
    const out = process.stdout;
    const shown = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    out.write(`\n-- crash arrived at the root from ${from}: ${shown}\n-- \`error\` is the error\n`);
    const vm = process.getBuiltinModule('node:vm');
    const context = vm.createContext({ error });
    const typed = await readCommands('(furrow root) ', async (line) => {
      try {
        return inspect(vm.runInContext(line, context), { colors: false, depth: 4 });
      } catch (err) {
        return `! ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`;
      }
    });
    if (typed) out.write('-- the root goes on\n');
  });
}
