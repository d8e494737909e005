// A small client of the V8 inspector protocol over its WebSocket (Node's global
// WebSocket): calls with their answers, the `Debugger.paused` events one at a time,
// and the scripts parsed so far (for file names and source lines). Just what the
// root's REPL needs to drive a paused actor (session.ts).
import { fileURLToPath } from 'node:url';

/** One frame of a paused stack, as the inspector reports it. */
export interface CallFrame {
  callFrameId: string;
  functionName: string;
  location: { scriptId: string; lineNumber: number; columnNumber?: number };
}

/** A value in the paused actor, as the inspector describes it. */
export interface RemoteObject {
  type: string;
  subtype?: string;
  value?: unknown;
  description?: string;
  unserializableValue?: string;
}

/** A connected inspector session. */
export class InspectorClient {
  #ws: WebSocket;
  #nextId = 1;
  #calls = new Map<number, { resolve: (r: any) => void; reject: (e: Error) => void }>();
  #pauses: ((frames: CallFrame[] | null) => void)[] = [];
  #scripts = new Map<string, string>();
  #sources = new Map<string, string[]>();
  #closed = false;

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    ws.onmessage = (ev) => this.#onMessage(JSON.parse(String(ev.data)));
    ws.onclose = () => {
      this.#closed = true;
      for (const c of this.#calls.values()) c.reject(new Error('the paused actor went away'));
      this.#calls.clear();
      for (const p of this.#pauses.splice(0)) p(null);
    };
  }

  /** Connect to the inspector at `url`. */
  static connect(url: string): Promise<InspectorClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      ws.onopen = () => resolve(new InspectorClient(ws));
      ws.onerror = () => reject(new Error(`cannot reach the inspector at ${url}`));
    });
  }

  /** True once the socket closed (the actor exited, or closed its inspector). */
  get closed(): boolean {
    return this.#closed;
  }

  /** Call `method`; resolves with its result, rejects with its error. */
  call(method: string, params: object = {}): Promise<any> {
    if (this.#closed) return Promise.reject(new Error('the paused actor went away'));
    const id = this.#nextId++;
    this.#ws.send(JSON.stringify({ id, method, params }));
    return new Promise((resolve, reject) => this.#calls.set(id, { resolve, reject }));
  }

  /** Send `method` without waiting for its answer (one that ends the session, say). */
  notify(method: string, params: object = {}): void {
    if (!this.#closed) this.#ws.send(JSON.stringify({ id: this.#nextId++, method, params }));
  }

  /** The stack at the next pause (null if the actor went away first). Ask before the call that pauses. */
  nextPause(): Promise<CallFrame[] | null> {
    return new Promise((resolve) => (this.#closed ? resolve(null) : this.#pauses.push(resolve)));
  }

  /** The file a frame is in (a path for `file:` URLs). */
  fileOf(frame: CallFrame): string {
    const url = this.#scripts.get(frame.location.scriptId) ?? '?';
    return url.startsWith('file://') ? fileURLToPath(url) : url;
  }

  /** The source lines of a frame's script (cached). */
  async sourceOf(frame: CallFrame): Promise<string[]> {
    const id = frame.location.scriptId;
    let lines = this.#sources.get(id);
    if (!lines) {
      const r = (await this.call('Debugger.getScriptSource', { scriptId: id })) as { scriptSource: string };
      lines = r.scriptSource.split('\n');
      this.#sources.set(id, lines);
    }
    return lines;
  }

  /** Hang up (the actor goes on as it is). */
  close(): void {
    this.#ws.close();
  }

  #onMessage(msg: { id?: number; result?: unknown; error?: { message: string }; method?: string; params?: any }): void {
    if (msg.id !== undefined) {
      const c = this.#calls.get(msg.id);
      this.#calls.delete(msg.id);
      if (msg.error) c?.reject(new Error(msg.error.message));
      else c?.resolve(msg.result);
    } else if (msg.method === 'Debugger.scriptParsed') {
      this.#scripts.set(msg.params.scriptId, msg.params.url);
    } else if (msg.method === 'Debugger.paused') {
      this.#pauses.shift()?.(msg.params.callFrames as CallFrame[]);
    }
  }
}
