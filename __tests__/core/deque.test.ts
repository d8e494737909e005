// Deque: the ring buffer under channels, waiter queues and the RxJS bridge's buffer.
import { Deque } from 'furrow';

/** A deque whose ring has wrapped: its front is not at index 0 and it has grown once. */
function wrapped(): Deque<number> {
  const d = new Deque<number>();
  for (let i = 0; i < 10; i++) d.push(i);
  for (let i = 0; i < 10; i++) d.shift();
  for (let i = 0; i < 40; i++) d.push(100 + i); // wraps past the end of 16 slots, then grows
  return d;
}

describe('Deque', () => {
  test('first in, first out across wrap-around and growth', () => {
    const d = wrapped();
    expect(d.length).toBe(40);
    expect(d.peek()).toBe(100);
    const out: number[] = [];
    while (d.length > 0) out.push(d.shift()!);
    expect(out).toEqual(Array.from({ length: 40 }, (_, i) => 100 + i));
    expect(d.shift()).toBeUndefined();
  });

  test('drain returns every item in order and leaves an empty deque that works on', () => {
    const d = new Deque<number>();
    for (let i = 0; i < 12; i++) d.push(i);
    for (let i = 0; i < 9; i++) d.shift();
    for (let i = 12; i < 22; i++) d.push(i); // the ring wraps without growing
    expect(d.drain()).toEqual([9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21]);
    expect(d.length).toBe(0);
    expect(d.drain()).toEqual([]);
    d.push(1);
    d.push(2);
    expect(d.drain()).toEqual([1, 2]);
    const grown = wrapped();
    expect(grown.drain()).toEqual(Array.from({ length: 40 }, (_, i) => 100 + i));
  });

  test('remove takes out one item wherever it is', () => {
    const d = wrapped();
    expect(d.remove(120)).toBe(true);
    expect(d.remove(120)).toBe(false);
    expect(d.length).toBe(39);
    expect(d.drain()).toEqual(Array.from({ length: 40 }, (_, i) => 100 + i).filter((x) => x !== 120));
  });
});
