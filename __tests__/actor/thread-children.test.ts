// A thread actor that is terminated cannot reap the processes it started, and
// their parent process (ours) lives on: the thread backend kills what it left,
// also what a thread actor nested inside it started.
import { ActorKilledError, openActorNursery } from '../../src/index.ts';
import { ignoringNestedPair, ignoringPair } from './fixtures/basic.ts';
import { BASIC, caught, fixture, isAlive, waitAllGone } from './helpers.ts';
import { nestedPythonLeaf } from './fixtures/nested-python.ts';
import { FIXTURES } from '../bridges/asyncio/helpers.ts';

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

test('root -> thread (ignores cancel) -> nested thread (ignores cancel) -> fork (ignores cancel): the leaf goes too', async () => {
  const leaves: number[] = [];
  try {
    const err = await caught(
      openActorNursery(
        async (an) => {
          const mid = await an.startActor('outer', { enableModules: [BASIC], backend: 'thread' });
          await mid.openContext(ignoringNestedPair, [BASIC], async (_ctx, pids: number[]) => {
            leaves.push(...pids);
            void an.cancel(); // nobody below will listen
          });
        },
        { graceMs: 300, killMs: 200 },
      ),
    );
    expect(err).toBeInstanceOf(ActorKilledError);
    expect(leaves).toHaveLength(1);
    await waitAllGone(leaves, 1000); // the nested thread's leaf, killed from the outer thread's table
  } finally {
    for (const pid of leaves) if (isAlive(pid)) process.kill(pid, 'SIGKILL'); // only after a failure
  }
});

test("root -> thread -> nested thread -> spinning Python actor over pipes: the outer thread's table takes the Python leaf down", async () => {
  const NESTED = fixture('nested-python.ts');
  const leaves: number[] = [];
  try {
    const err = await caught(
      openActorNursery(
        async (an) => {
          const outer = await an.startActor('outer', { enableModules: [NESTED], backend: 'thread' });
          await outer.openContext(nestedPythonLeaf, [NESTED, FIXTURES], async (_ctx, pids: number[]) => {
            leaves.push(...pids);
            void an.cancel(); // nobody below will listen
          });
        },
        { graceMs: 300, killMs: 200 },
      ),
    );
    expect(err).toBeInstanceOf(ActorKilledError);
    expect(leaves).toHaveLength(1);
    await waitAllGone(leaves, 1000); // its pipes stay open in this process: only the kill ends it
  } finally {
    for (const pid of leaves) if (isAlive(pid)) process.kill(pid, 'SIGKILL'); // only after a failure
  }
});
