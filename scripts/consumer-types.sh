#!/usr/bin/env bash
# The published types, as a consumer sees them: pack the package, install the
# tarball into an empty project with nothing but its peers, and type-check a
# program that uses every entry point, with full library checking
# (skipLibCheck off), under TypeScript 5.9 and under TypeScript 7.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run --silent build
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tarball=$(npm pack --silent --pack-destination "$tmp" | tail -1)
cd "$tmp"
cat > package.json <<'JSON'
{ "name": "consumer", "private": true, "type": "module" }
JSON
cat > tsconfig.json <<'JSON'
{
  "compilerOptions": {
    "target": "es2023", "lib": ["es2023", "esnext.disposable"],
    "module": "nodenext", "moduleResolution": "nodenext",
    "strict": true, "noEmit": true, "skipLibCheck": false, "types": ["node"]
  },
  "files": ["consumer.ts"]
}
JSON
cat > consumer.ts <<'TS'
import { openNursery, moveOnAfter, openActorNursery, context, type Portal } from 'furrow';
import { registerSpawnBackend, killTree, type SpawnBackend } from 'furrow/spawn';
import { runPromise } from 'furrow/promise';
import { fromObservable } from 'furrow/rxjs';
import { openTaskQueue, openActorPool } from 'furrow/queue';
import 'furrow/asyncio';
import { joinCluster, type RemoteActorOptions } from 'furrow/hosts';
import { of } from 'rxjs';

export const echo = context(async (ctx, word: string) => {
  await ctx.started(word);
  return word.length;
});
const n: number | undefined = await openNursery(async (nursery) => {
  nursery.startSoon(() => moveOnAfter(10, () => runPromise((signal) => fetch('http://localhost', { signal }))));
  return 1;
});
await openActorNursery(async (an) => {
  const p: Portal = await an.startActor('a', { enableModules: [import.meta.filename] });
  const len: number | undefined = await p.openContext(echo, ['hi'], async (_ctx, first) => first.length);
  const remote: RemoteActorOptions = { host: 'b', listenHost: '10.0.0.1' };
  if (process.env.NEVER) await an.startActor('r', { backend: 'remote', ...remote, enableModules: [import.meta.filename] });
  return len;
});
for await (const v of fromObservable(of(1, 2))) console.log(v + 1);
await openTaskQueue({ concurrency: 2 }, (q) => void q.add(async (signal) => signal.aborted));
await openActorPool({ size: 1, enableModules: [] }, async (pool) => pool.size);
const backend: SpawnBackend | undefined = undefined;
if (backend) registerSpawnBackend('mine', backend);
killTree(-1);
if (process.env.NEVER) joinCluster({ hostAddr: '10.0.0.1' });
console.log(n);
TS
npm install --silent --no-audit --no-fund "./$tarball" rxjs@7.8.2 p-queue@10.0.0 @nats-io/transport-node@3.4.0 typescript@5.9.3
echo "TypeScript $(npx tsc --version)"; npx tsc -p .
npm install --silent --no-audit --no-fund typescript@7.0.2
echo "TypeScript $(npx tsc --version)"; npx tsc -p .
echo "the published types check under TypeScript 5.9 and 7"
