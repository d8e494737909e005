// The supervisor's restarts in the log: each restart at info with its delay and
// count, and giving up (its error is thrown to the caller, so the line is info too) (task children in virtual time; the lines are
// captured from the logger itself).
import { configureLog, logSpec, openNursery, openSupervisor, sleep, sleepForever, VirtualClock } from '../../src/index.ts';
import { setLogSink } from '../../src/core/log.ts';
import { caught } from './helpers.ts';

test('restarts and giving up are logged at info', async () => {
  const lines: string[] = [];
  const before = logSpec();
  const restore = setLogSink((l) => lines.push(l));
  configureLog('info');
  /** A task child that fails a moment after each start. */
  const crashSoon = async (): Promise<never> => {
    await sleep(1);
    throw new Error('storm');
  };
  const spec = { name: 'jobs', maxRestarts: 2, withinMs: 3_600_000, backoff: { type: 'exponential', initialMs: 100, maxMs: 1000 } as const };
  try {
    await openNursery(() => caught(openSupervisor({ ...spec, children: [{ name: 'storm', task: crashSoon }] }, () => sleepForever())), { clock: new VirtualClock() });
  } finally {
    setLogSink(restore);
    configureLog(before);
  }
  const text = lines.map((l) => l.slice(13)).join('');
  expect(text).toMatch(/^info +\S+\[[0-9a-f-]{8}:\d+\] \{main\} supervisor 'jobs': restarting 'storm' in 100 ms \(restart 1\)$/m);
  expect(text).toMatch(/^info +.* supervisor 'jobs': restarting 'storm' in 200 ms \(restart 2\)$/m);
  expect(text).toMatch(/^info +.* supervisor 'jobs': gave up on 'storm' after 3 crashes: /m);
});
