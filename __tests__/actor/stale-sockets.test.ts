// Socket files: an actor SIGKILLed cannot remove its own, so a root starting up
// removes those of dead pids (and nothing else); an orderly exit leaves none.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { openActorNursery } from '../../src/index.ts';
import { runtimeDir } from '../../src/ipc/index.ts';
import { BASIC } from './helpers.ts';

/** The socket files in the runtime dir named after `pid`. */
function socketsOf(pid: number): string[] {
  return readdirSync(runtimeDir()).filter((f) => f.includes(`-${pid}-`) && f.endsWith('.sock'));
}

/** A pid that was just used by a process that has exited (and been reaped). */
function deadPid(): number {
  return spawnSync('/bin/true').pid!;
}

test('a root starting up removes socket files of dead pids, and only those', async () => {
  const dir = runtimeDir();
  const dead = deadPid();
  const stale = join(dir, `victim-${dead}-0badf00d.sock`);
  const live = join(dir, `alive-${process.ppid}-0badf00d.sock`); // our parent's pid: a live process
  const other = join(dir, `notes-${dead}.txt`); // not a name furrow makes
  for (const f of [stale, live, other]) writeFileSync(f, '');
  try {
    await openActorNursery(async () => {});
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(live)).toBe(true);
    expect(existsSync(other)).toBe(true);
  } finally {
    for (const f of [stale, live, other]) rmSync(f, { force: true });
  }
});

test('a SIGKILLed child leaves its socket file; the next root removes it; an orderly exit leaves none', async () => {
  let killedPid = 0;
  let orderlyPid = 0;
  await openActorNursery(async (an) => {
    const victim = await an.startActor('victim', { enableModules: [BASIC] });
    const orderly = await an.startActor('orderly', { enableModules: [BASIC] });
    killedPid = victim.pid;
    orderlyPid = orderly.pid;
    expect(socketsOf(killedPid)).toHaveLength(1);
    await victim.kill();
    await orderly.cancelActor();
  });
  expect(socketsOf(orderlyPid)).toEqual([]);
  expect(socketsOf(process.pid)).toEqual([]); // the root's own, gone when it stopped
  expect(socketsOf(killedPid)).toHaveLength(1);
  await openActorNursery(async () => {});
  expect(socketsOf(killedPid)).toEqual([]);
});
