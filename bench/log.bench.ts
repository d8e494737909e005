// Logging bench: what the logger costs on the RPC round trip. Three children are
// started under three settings (each inherits its parent's at spawn): `off`, the
// default `info`, and `debug` (every area on). Round by round, the root switches to
// the same setting and times Portal.run(trivial) on the matching child, so load
// swings hit all three alike. Nothing on this path writes a line at any of these
// levels: the rows show what checking the level costs, which should be nothing.
// `npm run bench log`.
import { fileURLToPath } from 'node:url';
import { configureLog, openActorNursery, type Portal } from '../src/index.ts';
import { measureRounds, pairRow, printTable, type Row } from './lib.ts';

const ME = fileURLToPath(import.meta.url);
const RTT_N = 2000;
const SETTINGS = ['off', 'info', 'debug'] as const;

/** In an actor: a trivial function for the round trip. */
export async function ping(x: number): Promise<number> {
  return x;
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  await openActorNursery(async (an) => {
    const peers = {} as Record<(typeof SETTINGS)[number], Portal>;
    for (const s of SETTINGS) {
      configureLog(s);
      peers[s] = await an.startActor(`peer-${s}`, { enableModules: [ME] });
    }
    // the spawn and exit lines of the info and debug rounds would go to stderr: not here
    const round = (s: (typeof SETTINGS)[number]) => async (): Promise<void> => {
      configureLog(s);
      for (let i = 0; i < RTT_N; i++) await peers[s].run(ping, i);
    };
    const r = await measureRounds(RTT_N, { off: round('off'), info: round('info'), debug: round('debug') }, 9);
    configureLog('off');
    rows.push(pairRow('RPC round trip, logging at info (the default) vs off (us)', r.info, r.off, 1.1, 'off'));
    rows.push(pairRow('RPC round trip, logging at debug, every area on, vs off (us)', r.debug, r.off, 1.1, 'off'));
  });
  printTable('logging', rows);
}

if (import.meta.main) main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
