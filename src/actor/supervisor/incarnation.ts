// One incarnation of a supervised child: start it, run it until it ends, and let
// the end come out as a return (it ended normally) or a throw (it failed, died, or
// was stopped). An actor child gets an actor nursery of its own, so its death ends
// that nursery only and reaches the supervisor as this incarnation's error, never as
// a cancel of its siblings; the nursery's teardown still reaps it (and everything it
// started) however it ends.
import { cancellable, currentSignal } from '../../core/index.ts';
import { openActorNursery } from '../actor-nursery.ts';
import type { Portal } from '../portal.ts';
import type { ChildSpec } from './spec.ts';

/** The teardown timing of an actor child's incarnation. */
export interface IncarnationTeardown {
  graceMs?: number;
  killMs?: number;
}

/**
 * Run one incarnation of `spec`. `started` is called once it runs (with its portal,
 * for an actor). Returns when it ended normally; throws its error otherwise.
 */
export async function runIncarnation(spec: ChildSpec, teardown: IncarnationTeardown, started: (portal?: Portal) => void): Promise<void> {
  if ('task' in spec) {
    started();
    await spec.task(currentSignal());
    return;
  }
  await openActorNursery(
    async (an) => {
      const portal = await an.startActor(spec.name, spec.actor);
      started(portal);
      if (spec.main === undefined) {
        // a daemon: it serves until the supervisor stops it, or it dies (the nursery then says how)
        await cancellable(portal.conn.waitClosed());
        return;
      }
      if (typeof spec.main === 'string') await portal.run(spec.main, ...(spec.args ?? []));
      else await portal.run(spec.main, ...(spec.args ?? []));
    },
    { graceMs: teardown.graceMs, killMs: teardown.killMs },
  );
}
