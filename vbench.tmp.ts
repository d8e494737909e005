import { validateMsg as vNew } from './src/ipc/validate.ts';
import { validateMsg as vOld } from './src/ipc/validate_old.tmp.ts';
import { Packr, Unpackr } from 'msgpackr/pack';
const o = { useRecords: false, mapsAsObjects: true, int64AsType: 'auto' } as any;
const p = new Packr(o), u = new Unpackr(o);
const box = { boxedType: 'ValueError', message: 'x', stack: 'Traceback', srcUid: ['a', 'b'], relayPath: [], canceller: null, relayed: null, cause: null, extra: {} };
const recs = [
  { type: 'Credit', cid: 3, n: 256 }, { type: 'Stop', cid: 3 }, { type: 'Start', cid: 5, ns: 'mod', func: 'f', pld: new Uint8Array([0x90]) },
  { type: 'StartAck', cid: 5, functype: 'context' }, { type: 'Cancel', cid: 5, canceller: ['a', 'b'], reason: null }, { type: 'Error', cid: 5, error: box },
];
const bodies = recs.map((r) => p.pack(r));
const decoded = bodies.map((b) => u.unpack(b));
function run(v: (x: unknown) => unknown, withDecode: boolean, N: number): number {
  const t = process.hrtime.bigint();
  let k = 0;
  for (let i = 0; i < N; i++) { const j = i % bodies.length; const r = v(withDecode ? u.unpack(bodies[j]!) : decoded[j]) as any; k += r.type.length; }
  return Number(process.hrtime.bigint() - t) / N;
}
for (let round = 0; round < 5; round++) {
  const N = 2_000_000;
  const a = run(vOld, false, N), b = run(vNew, false, N), c = run(vOld, true, N), d = run(vNew, true, N);
  console.log(`validate only: old ${a.toFixed(1)} ns new ${b.toFixed(1)} ns | decode+validate: old ${c.toFixed(1)} new ${d.toFixed(1)}`);
}
