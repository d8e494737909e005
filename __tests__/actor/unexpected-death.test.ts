// An unexpected death is never lost: a child SIGKILLed from outside is reported as
// ActorDiedError even when the body cancels the nursery (or returns) before the
// parent has seen the exit.
import { ActorDiedError, openActorNursery } from '../../src/index.ts';
import { BASIC, caught, expectAllGone } from './helpers.ts';

const endings = {
  'an.cancel() right after the kill': async (an: { cancel(): Promise<void> }) => void (await an.cancel()),
  'the body returning right after the kill': async () => {},
};

test.each(Object.entries(endings))('a child SIGKILLed from outside is reported, with %s', async (_how, end) => {
  // eight rounds: the loss was a race the parent lost most of the time
  for (let round = 0; round < 8; round++) {
    const pids: number[] = [];
    const err = await caught(
      openActorNursery(async (an) => {
        const victim = await an.startActor('victim', { enableModules: [BASIC] });
        const bystander = await an.startActor('bystander', { enableModules: [BASIC] });
        pids.push(victim.pid, bystander.pid);
        process.kill(victim.pid, 'SIGKILL'); // the parent has not seen the exit yet
        await end(an);
      }),
    );
    expect(err).toBeInstanceOf(ActorDiedError);
    expect(err.message).toMatch(/victim/);
    expect(err.signal).toBe('SIGKILL');
    expectAllGone(pids);
  }
});
