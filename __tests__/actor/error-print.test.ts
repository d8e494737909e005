// Errors print once (issue 15): a relayed error, printed as Node prints an uncaught
// one (util.inspect), shows its remote stack once, with the relay path as a short
// list in its first line, instead of again for its box and for each relay. The box
// and the remote stack stay readable as properties. Real actors: root > mid > sub.
import { inspect } from 'node:util';
import { openActorNursery, RemoteActorError } from '../../src/index.ts';
import { BASIC, caught } from './helpers.ts';

test('a relayed error prints its remote stack once, the relay path in its first line', async () => {
  let err: RemoteActorError | undefined;
  await openActorNursery(async (an) => {
    const mid = await an.startActor('mid', { enableModules: [BASIC] });
    err = await caught(mid.run(`${BASIC}:spawnAndRun`, BASIC, 'fail', ['deep boom']));
  });
  expect(err).toBeInstanceOf(RemoteActorError);
  const printed = inspect(err);
  expect(printed.split('\n')[0]).toBe("RemoteActorError: TypeError: deep boom [raised in actor 'sub-fail' via mid]");
  // the frame where it was raised (basic.ts `fail`, first column) appears once
  const raisedAt = /at fail \(\S+basic\.ts:\d+:\d+\)/.exec(err!.remoteStack)![0];
  expect(printed.split(raisedAt).length - 1).toBe(1);
  expect(printed).not.toContain('remoteStack');
  expect(printed).not.toContain('relayed:');
  // still there for code that wants them
  expect(err!.box.relayPath.map((u) => u[0])).toEqual(['mid']);
  expect(err!.remoteStack).toContain('TypeError: deep boom');
  expect(Object.keys(err!)).not.toContain('box');
});
