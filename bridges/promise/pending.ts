// The in-flight runPromise calls of each cancel scope, kept in an intrusive linked
// list (O(1) to add and remove, no hashing, no per-call AbortController or listener)
// with one abort listener per scope. On cancel each call gets its grace timer.
import type { CancelScope } from 'furrow';

/** One in-flight call: linked into its scope's list until its promise settles. */
export interface PendingCall {
  prev: PendingCall | undefined;
  next: PendingCall | undefined;
  /** Called once when the scope is cancelled while the call is in flight. */
  onCancel(reason: unknown): void;
}

/** The in-flight calls of one scope. */
class PendingList {
  head: PendingCall | undefined;
  readonly scope: CancelScope;
  constructor(scope: CancelScope) {
    this.scope = scope;
    scope.signal.addEventListener('abort', this.#cancelAll, { once: true });
  }

  add(call: PendingCall): void {
    call.next = this.head;
    if (this.head !== undefined) this.head.prev = call;
    this.head = call;
  }

  remove(call: PendingCall): void {
    if (call.prev !== undefined) call.prev.next = call.next;
    else if (this.head === call) this.head = call.next;
    else return; // already removed
    if (call.next !== undefined) call.next.prev = call.prev;
    call.prev = call.next = undefined;
  }

  #cancelAll = (): void => {
    const reason = this.scope.signal.reason;
    let call = this.head;
    this.head = undefined;
    while (call !== undefined) {
      const next = call.next;
      call.prev = call.next = undefined;
      call.onCancel(reason);
      call = next;
    }
  };
}

const lists = new WeakMap<CancelScope, PendingList>();

/** The list of in-flight calls of `scope` (made, with its one abort listener, on first use). */
export function pendingIn(scope: CancelScope): PendingList {
  let list = lists.get(scope);
  if (list === undefined) lists.set(scope, (list = new PendingList(scope)));
  return list;
}
