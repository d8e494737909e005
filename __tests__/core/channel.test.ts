// Memory channels: rendezvous, backpressure, close, clone and the error types.
import {
  openNursery,
  openChannel,
  moveOnAfter,
  sleep,
  EndOfChannel,
  ClosedResourceError,
  BrokenResourceError,
  WouldBlock,
  Event,
} from '../../src/index.ts';

test('size 0 is a rendezvous: send waits until a receiver takes the value', async () => {
  const [send, receive] = openChannel<string>(0);
  const log: string[] = [];
  await openNursery(async (n) => {
    n.startSoon(async () => {
      await send.send('hello');
      log.push('send returned');
    });
    await sleep(5);
    log.push('receiving');
    log.push(await receive.receive());
  });
  expect(log).toEqual(['receiving', 'hello', 'send returned']);
  expect(() => send.sendNowait('x')).toThrow(WouldBlock);
});

test('size N buffers N values, then backpressure makes the sender wait', async () => {
  const [send, receive] = openChannel<number>(3);
  let sent = 0;
  await openNursery(async (n) => {
    n.startSoon(async () => {
      for (let i = 0; i < 5; i++) {
        await send.send(i);
        sent++;
      }
    });
    await sleep(5);
    expect(sent).toBe(3);
    expect(send.statistics()).toMatchObject({ currentBufferUsed: 3, tasksWaitingSend: 1 });
    const got = [];
    for (let i = 0; i < 5; i++) got.push(await receive.receive());
    expect(got).toEqual([0, 1, 2, 3, 4]);
  });
  expect(sent).toBe(5);
});

test('closing the send side ends `for await` after the buffer drains, then EndOfChannel', async () => {
  const [send, receive] = openChannel<number>(10);
  for (const x of [1, 2, 3]) await send.send(x);
  send.close();
  const got: number[] = [];
  for await (const x of receive) got.push(x);
  expect(got).toEqual([1, 2, 3]);
  await expect(receive.receive()).rejects.toBeInstanceOf(EndOfChannel);
});

test('clone: the channel ends only when every send clone is closed', async () => {
  const [send, receive] = openChannel<string>(Infinity);
  const got: string[] = [];
  await openNursery(async (n) => {
    for (const name of ['a', 'b', 'c']) {
      const mine = send.clone();
      n.startSoon(async () => {
        await sleep(name.charCodeAt(0) - 96);
        await mine.send(name);
        mine.close();
      });
    }
    send.close();
    for await (const x of receive) got.push(x);
  });
  expect(got.sort()).toEqual(['a', 'b', 'c']);
});

test('clone on the receive side: consumers share the values, each value once', async () => {
  const [send, receive] = openChannel<number>(0);
  const seen: number[][] = [[], []];
  await openNursery(async (n) => {
    for (const k of [0, 1]) {
      const mine = receive.clone();
      n.startSoon(async () => {
        for await (const x of mine) {
          seen[k]!.push(x);
          await sleep(1);
        }
      });
    }
    receive.close();
    for (let i = 0; i < 10; i++) await send.send(i);
    send.close();
  });
  expect([...seen[0]!, ...seen[1]!].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  expect(seen[0]!.length).toBeGreaterThan(0);
  expect(seen[1]!.length).toBeGreaterThan(0);
});

test('ClosedResourceError for a closed handle, BrokenResourceError when receivers are gone', async () => {
  const [send, receive] = openChannel<number>(1);
  const spare = send.clone();
  send.close();
  await expect(send.send(1)).rejects.toBeInstanceOf(ClosedResourceError);
  expect(() => send.clone()).toThrow(ClosedResourceError);
  receive.close();
  await expect(receive.receive()).rejects.toBeInstanceOf(ClosedResourceError);
  await expect(spare.send(1)).rejects.toBeInstanceOf(BrokenResourceError);
});

test('a blocked sender is woken with BrokenResourceError when the last receiver closes', async () => {
  const [send, receive] = openChannel<number>(0);
  const blocked = new Event();
  await openNursery(async (n) => {
    n.startSoon(async () => {
      const p = send.send(1);
      blocked.set();
      await expect(p).rejects.toBeInstanceOf(BrokenResourceError);
    });
    await blocked.wait();
    receive.close();
  });
});

test('receiveNowait: WouldBlock on empty, EndOfChannel after close', async () => {
  const [send, receive] = openChannel<number>(2);
  expect(() => receive.receiveNowait()).toThrow(WouldBlock);
  send.sendNowait(4);
  expect(receive.receiveNowait()).toBe(4);
  send.close();
  expect(() => receive.receiveNowait()).toThrow(EndOfChannel);
});

test('a cancelled receive leaves the channel intact for the next receiver', async () => {
  const [send, receive] = openChannel<number>(0);
  expect(await moveOnAfter(5, () => receive.receive())).toBeUndefined();
  expect(receive.statistics().tasksWaitingReceive).toBe(0);
  await openNursery(async (n) => {
    n.startSoon(() => send.send(9));
    expect(await receive.receive()).toBe(9);
  });
});

test('bad buffer sizes are refused', () => {
  expect(() => openChannel(-1)).toThrow(RangeError);
  expect(() => openChannel(Number.NaN)).toThrow(/bufferSize must be a number >= 0/);
});
