// What the root of a trial saw, as facts the oracle can check: the root's error is
// taken apart (error groups, relayed boxes, their members) into one fact per leaf
// error, each naming the actor it is about. Runs in the root process, where the
// error objects are; the facts travel to the driver as JSON.
import { ActorDiedError, ActorKilledError, ContextCancelled, RemoteActorError, RemoteCancelIgnoredError, TransportError } from 'furrow';

/** The kinds of fact; `other` is anything the chaos tree never causes on purpose. */
export type FactKind = 'raise' | 'died' | 'killed' | 'dropped' | 'cancelIgnored' | 'other';

/** One leaf error the root saw: its kind, the actor it is about (a path, or `root`), and its text. */
export interface Fact {
  kind: FactKind;
  path: string;
  detail: string;
}

const RAISE = /^chaos raise at (\S+)$/;

/** Every leaf error inside `err`, as facts. */
export function factsOf(err: unknown): Fact[] {
  const out: Fact[] = [];
  collect(err, out);
  return out;
}

function collect(err: unknown, out: Fact[]): void {
  const detail = describe(err);
  if (err instanceof RemoteActorError && !(err instanceof ContextCancelled)) {
    if (err.errors.length) return err.errors.forEach((e) => collect(e, out));
    out.push(remoteFact(err, detail));
    return;
  }
  if (err instanceof AggregateError) return err.errors.forEach((e) => collect(e, out));
  if (err instanceof ActorKilledError) return void out.push({ kind: 'killed', path: err.uid[0], detail });
  if (err instanceof ActorDiedError) return void out.push({ kind: 'died', path: err.uid[0], detail });
  if (err instanceof RemoteCancelIgnoredError) return void out.push({ kind: 'cancelIgnored', path: err.uid[0], detail });
  if (err instanceof TransportError) return void out.push({ kind: 'dropped', path: viaOf(err) ?? '?', detail });
  const raised = err instanceof Error && err.name === 'ChaosError' ? RAISE.exec(err.message) : null;
  out.push(raised ? { kind: 'raise', path: raised[1]!, detail } : { kind: 'other', path: '?', detail });
}

/** A fact from an error raised in another actor (relayed up as a box). */
function remoteFact(err: RemoteActorError, detail: string): Fact {
  const uidPath = (): string => ((err.extra.uid as [string, string] | undefined)?.[0] ?? '?');
  switch (err.boxedType) {
    case 'ChaosError': {
      const m = RAISE.exec(err.message);
      return m ? { kind: 'raise', path: m[1]!, detail } : { kind: 'other', path: '?', detail };
    }
    case 'ActorKilledError':
      return { kind: 'killed', path: uidPath(), detail };
    case 'ActorDiedError':
      return { kind: 'died', path: uidPath(), detail };
    case 'RemoteCancelIgnoredError':
      return { kind: 'cancelIgnored', path: uidPath(), detail };
    case 'TransportError':
      return { kind: 'dropped', path: (err.extra.chaosVia as string | undefined) ?? '?', detail };
    default:
      return { kind: 'other', path: err.srcUid[0], detail };
  }
}

function viaOf(err: Error): string | undefined {
  return (err as { chaosVia?: string }).chaosVia;
}

function describe(err: unknown): string {
  if (err instanceof RemoteActorError) return `${err.name}: ${err.boxedType}: ${err.message} [in '${err.srcUid[0]}']`;
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}
