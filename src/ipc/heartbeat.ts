// The heartbeat: a `Ping` every `everyMs`, and a peer silent (no frame at all) for
// `timeoutMs` is declared gone. For links where the peer's process cannot be seen
// (another host); a peer on this host is watched through /proc instead
// (peer-liveness.ts), since a busy peer is not a dead one.
import { ignoring } from '../core/ignore.ts';
import { encodeFrame } from './codec.ts';

/** The default heartbeat period on sockets and pipes (ms), when a connection uses one. */
export const DEFAULT_HEARTBEAT_MS = 5000;

/** What the heartbeat needs from its connection. */
export interface HeartbeatHost {
  /** frames received so far (any frame proves the peer alive) */
  readonly framesIn: () => number;
  /** queue a frame (throws once the connection is closed) */
  write(frame: Uint8Array): void;
  /** the peer has been silent for `silentMs` */
  silent(silentMs: number): void;
}

/** Start a heartbeat; returns the function that stops it. */
export function startHeartbeat(host: HeartbeatHost, everyMs: number, timeoutMs: number): () => void {
  let seen = host.framesIn();
  let silentMs = 0;
  let seq = 0;
  const timer = setInterval(() => {
    if (host.framesIn() !== seen) {
      seen = host.framesIn();
      silentMs = 0;
    } else {
      silentMs += everyMs;
      if (silentMs >= timeoutMs) return host.silent(silentMs);
    }
    seq = (seq + 1) >>> 0;
    ignoring('the connection closed meanwhile; its end is reported there', () => host.write(encodeFrame({ type: 'Ping', seq })));
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
