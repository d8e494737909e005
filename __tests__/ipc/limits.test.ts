// The bounds on what a client can hold: a frame must be complete soon after its
// first byte (a slowloris peer is dropped), a steady stream of frames split across
// reads is not, and an actor keeps at most 64 connections waiting for their
// handshake; a normal client is served afterwards and no descriptor is left.
import { createConnection, type Socket } from 'node:net';
import { once } from 'node:events';
import { readdirSync } from 'node:fs';
import { openActorNursery, sleep } from '../../src/index.ts';
import { MAX_PENDING_HANDSHAKES } from '../../src/actor/runtime.ts';
import { connectUds, frame, listenUds, openConnection, type Transport } from '../../src/ipc/index.ts';

const openFds = (): number => readdirSync('/proc/self/fd').length;

function connectRaw(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = createConnection(path, () => resolve(s));
    s.once('error', reject);
  });
}

test('a peer that dribbles a frame byte by byte is dropped once the frame deadline passes', async () => {
  const listener = await listenUds({ name: 'slowloris', frameDeadlineMs: 300 });
  try {
    const sock = await connectRaw((listener.address as { path: string }).path);
    const accepted = await listener.accept();
    const opening = openConnection(accepted, { name: 'server' });
    sock.write(Buffer.from([0, 0, 0, 100, 0x80])); // announces 100 bytes, sends 1
    const dribble = setInterval(() => sock.writable && sock.write(Buffer.from([0x80])), 50);
    const t0 = performance.now();
    await expect(opening).rejects.toMatchObject({ code: 'timeout', message: expect.stringMatching(/not complete 0.3 s after its first byte/) });
    expect(performance.now() - t0).toBeLessThan(2000);
    clearInterval(dribble);
    sock.destroy();
  } finally {
    await listener.close();
  }
});

test('a steady stream of frames that each arrive in pieces is not taken for a slowloris', async () => {
  const listener = await listenUds({ name: 'steady', frameDeadlineMs: 300 });
  try {
    const sock = await connectRaw((listener.address as { path: string }).path);
    const accepted: Transport = await listener.accept();
    const got: number[] = [];
    const done = new Promise<void>((resolve, reject) =>
      accepted.attach({ frame: (b) => (got.push(b.length), got.length === 100 && resolve()), closed: (e) => e && reject(e) }),
    );
    // 100 frames of 1500 bytes, sent 1000 bytes every 5 ms: most reads end inside a frame, for ~750 ms in all
    const bytes = Buffer.concat(Array.from({ length: 100 }, () => frame(new Uint8Array(1500).fill(0xc0))));
    for (let at = 0; at < bytes.length; at += 1000) {
      sock.write(bytes.subarray(at, at + 1000));
      await sleep(5);
    }
    await done;
    expect(got).toEqual(Array(100).fill(1500));
    sock.destroy();
    accepted.destroy();
  } finally {
    await listener.close();
  }
});

test(`an actor keeps at most ${MAX_PENDING_HANDSHAKES} connections waiting for their handshake; a normal client is served after`, async () => {
  await openActorNursery(async (an) => {
    const path = (an.actor.addr as { path: string }).path;
    const before = openFds();
    const silent = await Promise.all(Array.from({ length: MAX_PENDING_HANDSHAKES }, () => connectRaw(path)));
    const extra = await connectRaw(path);
    const t0 = performance.now();
    await once(extra, 'close');
    expect(performance.now() - t0).toBeLessThan(2000); // refused at once, not after the 10 s handshake timeout
    for (const s of silent) s.destroy();
    // a normal client: handshake and a call
    const conn = await openConnection(await connectUds(path), { name: 'client' });
    expect(conn.peer.name).toBe(an.actor.name);
    conn.close();
    // the server side of every closed socket is released
    for (let i = 0; i < 200 && openFds() > before; i++) await sleep(10);
    expect(openFds()).toBeLessThanOrEqual(before);
  });
});
