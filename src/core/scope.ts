// Cancel scopes: the unit of cancellation. Scopes form a tree that follows the
// dynamic nesting of the code (found through AsyncLocalStorage, one context per
// scope, never one per task). Cancelling a scope wakes every waiter parked in it or
// in a scope below it (unless shielded) with `Cancelled`; the scope that was
// cancelled catches that `Cancelled` when it unwinds to it.
import { AsyncLocalStorage } from 'node:async_hooks';
import { realClock, type Clock, type Timer } from './clock.ts';
import { Cancelled, TooSlowError, isCancelled } from './errors.ts';

/** Called with the `Cancelled` error when a waiter's scope is cancelled. */
export type Waiter = (err: Cancelled) => void;

/** Options of a {@link CancelScope}. */
export interface CancelScopeOptions {
  /** Absolute time (in the scope's clock, ms) at which the scope cancels itself. */
  deadline?: number;
  /** Protect the scope's work from the cancellation of scopes outside it. */
  shield?: boolean;
  /** A clock for this scope and every scope below it (default: the parent's). */
  clock?: Clock;
}

/** The scope the running code is in: one store per scope, shared by its tasks. */
export const scopeStorage = new AsyncLocalStorage<CancelScope>();

/**
 * A region of work that can be cancelled as a whole, with an optional deadline and
 * an optional shield against outer cancellation. Run code in it with
 * {@link withCancelScope}; a nursery owns one too (`Nursery.cancelScope`).
 */
export class CancelScope {
  /** True once the scope caught the `Cancelled` its own cancellation raised. */
  cancelledCaught = false;
  /** The scope this one was entered in, if any. */
  parent: CancelScope | undefined;
  /** The task this scope is the outermost scope of, for log lines (e.g. an RPC task's `module:function`). */
  label: string | undefined;
  #clock: Clock | undefined;
  #cancelCalled = false;
  #reason: unknown;
  #shield: boolean;
  #deadline: number;
  #deadlineTimer: Timer | undefined;
  #active = false;
  /** Set when cancellation reached this scope (its own, or an unshielded parent's). */
  #error: Cancelled | undefined;
  #waiters: Set<Waiter> | undefined;
  #children: Set<CancelScope> | undefined;
  #controller: AbortController | undefined;

  constructor(opts: CancelScopeOptions = {}) {
    this.#deadline = opts.deadline ?? Infinity;
    this.#shield = opts.shield ?? false;
    this.#clock = opts.clock;
  }

  /** The clock of this scope's tree. */
  get clock(): Clock {
    return this.#clock ?? this.parent?.clock ?? realClock;
  }

  /** True once `cancel()` was called on this scope (directly or by its deadline). */
  get cancelCalled(): boolean {
    return this.#cancelCalled;
  }

  /** True when cancellation reached this scope: its own, or an outer one it is not shielded from. */
  get isCancelled(): boolean {
    return this.#error !== undefined;
  }

  /** The reason given to `cancel()`, if any. */
  get reason(): unknown {
    return this.#reason;
  }

  /** The absolute deadline in clock milliseconds (`Infinity` for none). Settable while running. */
  get deadline(): number {
    return this.#deadline;
  }
  set deadline(at: number) {
    this.#deadline = at;
    if (this.#active) this.#armDeadline();
  }

  /** Whether outer cancellation is kept out. Settable while running. */
  get shield(): boolean {
    return this.#shield;
  }
  set shield(on: boolean) {
    this.#shield = on;
    const outer = this.parent?._error;
    if (!on && this.#active && outer) this.#deliver(outer);
  }

  /**
   * An AbortSignal that aborts when cancellation reaches this scope, for foreign
   * APIs (`fetch`, `timers/promises`, child processes). Made on first use.
   */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#error) this.#controller.abort(this.#error);
    }
    return this.#controller.signal;
  }

  /** Cancel this scope and everything running in it. Idempotent. */
  cancel(reason?: unknown): void {
    if (this.#cancelCalled) return;
    this.#cancelCalled = true;
    this.#reason = reason;
    this.#deadlineTimer?.cancel();
    if (this.#active) this.#deliver(new Cancelled(reason));
  }

  /** @internal Enter the scope under `parent`; delivers a cancel that came early. */
  _enter(parent: CancelScope | undefined): void {
    if (this.#active) throw new Error('a CancelScope can be entered only once');
    this.#active = true;
    this.parent = parent;
    if (parent) (parent.#children ??= new Set()).add(this);
    const outer = parent?._error;
    if (this.#cancelCalled) this.#deliver(new Cancelled(this.#reason));
    else if (!this.#shield && outer) this.#deliver(outer);
    else this.#armDeadline();
  }

  /**
   * @internal Move this active scope under another parent (a task that `Nursery.start`
   * ran under its caller's scope moves into the nursery once it called `started()`).
   * Cancellation already in the new parent is delivered at once.
   */
  _reparent(parent: CancelScope): void {
    if (this.parent) this.parent.#children?.delete(this);
    this.parent = parent;
    (parent.#children ??= new Set()).add(this);
    const outer = parent._error;
    if (!this.#shield && outer) this.#deliver(outer);
  }

  /** @internal Leave the scope. */
  _exit(): void {
    this.#active = false;
    this.#deadlineTimer?.cancel();
    if (this.parent) this.parent.#children?.delete(this);
  }

  /** @internal Park a waiter to be woken with `Cancelled` when cancellation arrives. */
  _addWaiter(w: Waiter): void {
    (this.#waiters ??= new Set()).add(w);
  }

  /** @internal Remove a parked waiter (it finished on its own). */
  _removeWaiter(w: Waiter): void {
    this.#waiters?.delete(w);
  }

  /** @internal How many waiters are parked here (for tests of the primitives). */
  get _waiting(): number {
    return this.#waiters?.size ?? 0;
  }

  /** @internal The `Cancelled` error delivered here, if any. */
  get _error(): Cancelled | undefined {
    return this.#error;
  }

  #armDeadline(): void {
    this.#deadlineTimer?.cancel();
    this.#deadlineTimer = undefined;
    if (this.#cancelCalled || this.#deadline === Infinity) return;
    if (this.#deadline <= this.clock.now()) return this.cancel('deadline exceeded');
    this.#deadlineTimer = this.clock.schedule(this.#deadline, () => this.cancel('deadline exceeded'));
  }

  #deliver(err: Cancelled): void {
    if (this.#error) return;
    this.#error = err;
    const waiters = this.#waiters;
    this.#waiters = undefined;
    if (waiters) for (const w of waiters) w(err);
    this.#controller?.abort(err);
    if (this.#children) for (const c of this.#children) if (!c.#shield) c.#deliver(err);
  }
}

/** The innermost scope the running code is in, or `undefined` outside furrow. */
export function currentScope(): CancelScope | undefined {
  return scopeStorage.getStore();
}

let neverAborted: AbortSignal | undefined;

/**
 * The AbortSignal of the current scope, for foreign APIs. Outside any scope it is a
 * signal that never aborts.
 */
export function currentSignal(): AbortSignal {
  return scopeStorage.getStore()?.signal ?? (neverAborted ??= new AbortController().signal);
}

/** The current time (ms) of the current scope's clock. */
export function currentTime(): number {
  return (scopeStorage.getStore()?.clock ?? realClock).now();
}

/**
 * Run `fn` inside a cancel scope (given, or made from `opts`). If the scope's own
 * cancellation (or deadline) interrupts `fn`, the `Cancelled` is caught here, the
 * scope's `cancelledCaught` becomes true, and the call returns `undefined`.
 */
export async function withCancelScope<T>(
  opts: CancelScopeOptions | CancelScope,
  fn: (scope: CancelScope) => Promise<T> | T,
): Promise<T | undefined> {
  const scope = opts instanceof CancelScope ? opts : new CancelScope(opts);
  scope._enter(scopeStorage.getStore());
  try {
    return await scopeStorage.run(scope, fn, scope);
  } catch (err) {
    if (isCancelled(err) && scope.cancelCalled) {
      scope.cancelledCaught = true;
      return undefined;
    }
    throw err;
  } finally {
    scope._exit();
  }
}

/** Run `fn`, giving up after `ms`: returns `undefined` if the time ran out. */
export function moveOnAfter<T>(ms: number, fn: (scope: CancelScope) => Promise<T> | T): Promise<T | undefined> {
  return moveOnAt(currentTime() + ms, fn);
}

/** Run `fn`, giving up at clock time `at`: returns `undefined` if the time ran out. */
export function moveOnAt<T>(at: number, fn: (scope: CancelScope) => Promise<T> | T): Promise<T | undefined> {
  return withCancelScope({ deadline: at }, fn);
}

/** Run `fn`; if it takes longer than `ms`, cancel it and throw {@link TooSlowError}. */
export function failAfter<T>(ms: number, fn: (scope: CancelScope) => Promise<T> | T): Promise<T> {
  return failAt(currentTime() + ms, fn);
}

/** Run `fn`; if it is not done by clock time `at`, cancel it and throw {@link TooSlowError}. */
export async function failAt<T>(at: number, fn: (scope: CancelScope) => Promise<T> | T): Promise<T> {
  const scope = new CancelScope({ deadline: at });
  const result = await withCancelScope(scope, fn);
  if (scope.cancelledCaught) throw new TooSlowError(`deadline of ${at.toFixed(1)} ms exceeded`);
  return result as T;
}
