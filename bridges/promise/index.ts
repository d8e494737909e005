// `furrow/promise`: supervised Promise work both ways. `runPromise` runs foreign
// promise code inside furrow (cancel aborts its signal, with a bounded wait);
// `toPromise` hands furrow work to legacy code as a Promise (abort cancels it).
export { runPromise, DEFAULT_PROMISE_GRACE_MS, type RunPromiseOptions } from './run-promise.ts';
export { toPromise } from './to-promise.ts';
export { PromiseAbandonedError } from './errors.ts';
