// ParkingLot: the one wait-to-be-woken primitive: order, counts, repark, cancellation.
import { openNursery, moveOnAfter, checkpoint, ParkingLot, Cancelled } from '../../src/index.ts';

/** Start `count` tasks that park in `lot` in order and record their index when woken. */
function parkTasks(n: { startSoon(fn: () => Promise<void>): void }, lot: ParkingLot, count: number, woken: number[]): void {
  for (let i = 0; i < count; i++)
    n.startSoon(async () => {
      await lot.park();
      woken.push(i);
    });
}

test('unpark(n) wakes the n longest-parked tasks, in arrival order', async () => {
  const lot = new ParkingLot();
  const woken: number[] = [];
  await openNursery(async (n) => {
    parkTasks(n, lot, 4, woken);
    expect(lot.length).toBe(4);
    expect(lot.unpark(2)).toBe(2);
    await checkpoint();
    expect(woken).toEqual([0, 1]);
    expect(lot.unpark()).toBe(1);
    expect(lot.unparkAll()).toBe(1);
  });
  expect(woken).toEqual([0, 1, 2, 3]);
  expect(lot.unpark()).toBe(0);
});

test('repark moves waiters to another lot without waking them; they keep their order', async () => {
  const a = new ParkingLot();
  const b = new ParkingLot();
  const woken: number[] = [];
  await openNursery(async (n) => {
    parkTasks(n, a, 3, woken);
    expect(a.repark(b, 2)).toBe(2);
    expect([a.length, b.length]).toEqual([1, 2]);
    await checkpoint();
    expect(woken).toEqual([]);
    b.unparkAll();
    await checkpoint();
    expect(woken).toEqual([0, 1]);
    a.unparkAll();
  });
  expect(woken).toEqual([0, 1, 2]);
});

test('a cancelled waiter leaves the lot (also after a repark) and throws Cancelled', async () => {
  const a = new ParkingLot();
  const b = new ParkingLot();
  let caught: unknown;
  await moveOnAfter(5, async () => {
    const parked = a.park();
    a.repark(b);
    try {
      await parked;
    } catch (e) {
      caught = e;
      throw e;
    }
  });
  expect(caught).toBeInstanceOf(Cancelled);
  expect([a.length, b.length]).toEqual([0, 0]);
});
