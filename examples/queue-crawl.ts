// A p-queue crawl under furrow: jobs fetch pages of a local HTTP server (a tree of
// linked pages, some slow) with 3 at a time, and each page queues its links. Half
// way through, the crawl is cancelled: running fetches are aborted, waiting jobs are
// cleared, and when openTaskQueue returns nothing is left running.
import { createServer } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { openNursery } from 'furrow';
import { openTaskQueue, type TaskQueue } from 'furrow/queue';

const PAGES = 40;
const open = new Set<unknown>();
const server = createServer((req, res) => {
  open.add(req);
  req.socket.on('close', () => open.delete(req));
  res.on('finish', () => open.delete(req));
  const n = Number(req.url!.slice(1));
  const links = [2 * n + 1, 2 * n + 2].filter((k) => k < PAGES).map((k) => `/${k}`);
  const timer = setTimeout(() => res.end(JSON.stringify(links)), n % 5 === 4 ? 10_000 : 5); // every fifth page is very slow
  res.on('close', () => clearTimeout(timer));
});
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

const crawled: string[] = [];
let queue: TaskQueue | undefined;
await openNursery(async (n) => {
  await openTaskQueue({ concurrency: 3 }, (q) => {
    queue = q;
    const visit = (path: string) => async (signal: AbortSignal) => {
      const links = (await (await fetch(base + path, { signal })).json()) as string[];
      crawled.push(path);
      if (crawled.length === PAGES / 4) n.cancel('crawled enough'); // cancel half way
      for (const link of links) void q.add(visit(link));
    };
    void q.add(visit('/0'));
  });
});

console.log(`crawled ${crawled.length} of ${PAGES} pages, then cancelled`);
console.log(`jobs waiting: ${queue!.size}, jobs running: ${queue!.pending}`);
while (open.size > 0) await new Promise((r) => setTimeout(r, 5)); // aborted requests close on the server too
console.log(`requests still open on the server: ${open.size}`);
server.closeAllConnections();
server.close();
await once(server, 'close');
console.log('server closed; nothing left running');
