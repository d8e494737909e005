// Which of the parent's Node flags a child actor starts with: all of them (so a
// user's loader or `--conditions` comes along) except those that belong to one
// process only.
/**
 * Flags a child must not inherit: a debugger port cannot be shared, and the
 * parent's own script (`-e`, `-p`) and its `--input-type` are not the child's.
 */
const SKIP = /^--(inspect|inspect-brk|inspect-port|debug-port|eval|print|input-type)\b|^-[ep]$/;
/** Of those, the ones whose value may come as the next argument. */
const TAKES_VALUE = /^(--(eval|print|input-type|inspect-port|debug-port)|-[ep])$/;

/**
 * The parent's `execArgv`, minus flags that only make sense once per process tree
 * (`process.execArgv` of `node -e CODE --input-type=module` is all three).
 */
export function inheritedExecArgv(argv: readonly string[] = process.execArgv): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!SKIP.test(a)) out.push(a);
    else if (TAKES_VALUE.test(a) && !a.includes('=')) i++;
  }
  return out;
}
