// `furrow/rxjs`: RxJS Observables and furrow scopes, both ways. `fromObservable`
// reads an Observable as a scope-bound async iterable, `toObservable` makes furrow
// work an Observable, `untilCancelled` ends a pipeline with its scope.
export {
  fromObservable,
  ObservableStream,
  type ObservableBatches,
  DEFAULT_OBSERVABLE_BUFFER,
  type FromObservableOptions,
  type OverflowPolicy,
} from './from-observable.ts';
export { toObservable, type Producer } from './to-observable.ts';
export { untilCancelled } from './until-cancelled.ts';
export { BufferOverflowError } from './errors.ts';
