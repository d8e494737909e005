// The test vectors (protocol/vectors.json) through the Node codec and validator, and
// the same vectors through the Python ones: both must give the vectors' answers, and
// so the same answers as each other. The Python side's own unittest
// (bridges/asyncio/python/tests/test_vectors.py) checks it against the file as well.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { vectorsJson } from '../../protocol/make-vectors.ts';
import type { Vector } from '../../protocol/vector-kit.ts';
import { PY } from '../bridges/asyncio/helpers.ts';
import { answer, type Answer } from './vector-answers.ts';

const file = new URL('../../protocol/vectors.json', import.meta.url);
const { vectors } = JSON.parse(readFileSync(file, 'utf8')) as { vectors: Vector[] };

function agrees(got: Answer, v: Vector): void {
  expect(got.records).toEqual(v.expect.records);
  expect(got.error?.code).toBe(v.expect.error?.code);
  if (v.expect.error?.mentions) expect(got.error!.message).toContain(v.expect.error.mentions);
}

test('protocol/vectors.json is what protocol/make-vectors.ts writes', () => {
  expect(readFileSync(file, 'utf8')).toBe(vectorsJson());
});

test('the vectors cover every record type, valid and invalid, and the protocol.md examples', () => {
  const names = vectors.map((v) => v.name);
  expect(names.filter((n) => n.startsWith('protocol.md 8:'))).toHaveLength(2);
  const valid = new Set(vectors.flatMap((v) => v.expect.records.map((r) => (r as { type: string }).type)));
  expect([...valid].sort()).toEqual(['Aid', 'Cancel', 'CancelAck', 'Credit', 'Error', 'Ping', 'Pong', 'Return', 'SpawnSpec', 'Start', 'StartAck', 'Started', 'Stop', 'Yield']);
  for (const code of ['malformed', 'oversized', 'dropped']) expect(vectors.some((v) => v.expect.error?.code === code)).toBe(true);
});

describe('the Node codec and validator answer every vector as it says', () => {
  test.each(vectors.map((v) => [v.name, v] as const))('%s', (_name, v) => {
    agrees(answer(v), v);
    // the same bytes one at a time: reassembly changes nothing
    agrees(answer(v, 1), v);
  });
});

test('the Python codec and validator give the Node side\'s answer to every vector', () => {
  const cwd = fileURLToPath(new URL('../../bridges/asyncio/python/', import.meta.url));
  const run = spawnSync(PY, ['-m', 'tests.vector_answers', fileURLToPath(file)], { cwd, encoding: 'utf8', maxBuffer: 64 << 20 });
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  const python = JSON.parse(run.stdout) as Record<string, Answer>;
  const strip = (a: Answer) => ({ records: a.records, code: a.error?.code ?? null });
  for (const v of vectors) expect([v.name, strip(python[v.name]!)]).toEqual([v.name, strip(answer(v))]);
});
