// Legacy promise code under furrow: a fetch-based client (plain Promises and an
// AbortSignal) runs in a nursery with a timeout. The slow request is aborted when the
// time is up (the server sees the connection close), the fast ones finish, and
// legacy code gets the whole thing back as one Promise through toPromise.
import { createServer } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { moveOnAfter } from 'furrow';
import { runPromise, toPromise } from 'furrow/promise';

// A local server: /fast answers at once, /slow never answers.
let closedSlow = 0;
const server = createServer((req, res) => {
  if (req.url === '/slow') return void req.socket.on('close', () => closedSlow++);
  res.end(`hello from ${req.url}`);
});
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

// The legacy client: knows nothing about furrow, only Promises and AbortSignals.
async function getText(path: string, signal?: AbortSignal): Promise<string> {
  const res = await fetch(base + path, { signal });
  return res.text();
}

// Legacy code calls furrow work and gets a Promise back.
const results = await toPromise(async (n) => {
  const got: string[] = [];
  for (const path of ['/fast', '/a', '/slow']) {
    n.startSoon(async () => {
      const text = await moveOnAfter(200, () => runPromise((signal) => getText(path, signal), { name: `GET ${path}` }));
      got.push(`${path}: ${text ?? 'timed out'}`);
    });
  }
  return got;
});

for (const line of results.sort()) console.log(line);
while (closedSlow === 0) await new Promise((r) => setTimeout(r, 5)); // the aborted request's socket closes
console.log(`slow requests closed by the server's view: ${closedSlow}`);
server.closeAllConnections();
server.close();
