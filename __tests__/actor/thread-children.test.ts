// A thread actor that is terminated cannot reap the processes it started, and
// their parent process (ours) lives on: the thread backend kills what it left.
import { ActorKilledError, openActorNursery } from '../../src/index.ts';
import { ignoringPair } from './fixtures/basic.ts';
import { BASIC, caught, isAlive, waitAllGone } from './helpers.ts';

test('root -> thread actor (ignores cancel) -> fork actor (ignores cancel): the fork leaf goes with the thread', async () => {
  const leaves: number[] = [];
  try {
    const err = await caught(
      openActorNursery(
        async (an) => {
          const mid = await an.startActor('mid', { enableModules: [BASIC], backend: 'thread' });
          await mid.openContext(ignoringPair, [BASIC], async (_ctx, pids: number[]) => {
            leaves.push(...pids);
            void an.cancel(); // nobody below will listen
          });
        },
        { graceMs: 300, killMs: 200 },
      ),
    );
    expect(err).toBeInstanceOf(ActorKilledError);
    expect(err.message).toMatch(/'mid'/);
    expect(leaves).toHaveLength(1);
    await waitAllGone(leaves, 1000); // dying as the nursery returned, not left to run
  } finally {
    for (const pid of leaves) if (isAlive(pid)) process.kill(pid, 'SIGKILL'); // only after a failure
  }
});
