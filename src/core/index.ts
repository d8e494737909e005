// The core layer's public surface: scopes, nurseries, checkpoints, time, channels,
// sync primitives, trionics and errors. No I/O.
export { openNursery, Nursery, type NurseryOptions, type TaskFn, type StartFn } from './nursery.ts';
export {
  CancelScope,
  withCancelScope,
  moveOnAfter,
  moveOnAt,
  failAfter,
  failAt,
  currentScope,
  currentSignal,
  currentTime,
  type CancelScopeOptions,
} from './scope.ts';
export { sleep, sleepUntil, sleepForever, checkpoint, cancellable, suspend, throwIfCancelled } from './checkpoints.ts';
export { RealClock, VirtualClock, realClock, type Clock, type Timer, type VirtualClockOptions } from './clock.ts';
export { openChannel, MemorySendChannel, MemoryReceiveChannel, type ChannelStatistics } from './channel.ts';
export { Event, Lock, Semaphore, CapacityLimiter } from './sync.ts';
export { ParkingLot } from './parking-lot.ts';
export { Deque } from './deque.ts';
export { ignore, ignoring, onIgnoredError, type IgnoreReason } from './ignore.ts';
export { broadcast, type Broadcaster, type BroadcastReceiver, type BroadcastOptions } from './broadcast.ts';
export { maybeOpenResource, gatherResources, type Resource, type ResourceFactory } from './resources.ts';
export {
  Cancelled,
  isCancelled,
  TooSlowError,
  ErrorGroup,
  CancelIgnoredError,
  ClosedResourceError,
  BrokenResourceError,
  EndOfChannel,
  WouldBlock,
  Lagged,
} from './errors.ts';
export { log, configureLog, logSpec, type Logger, type LogIdentity } from './log.ts';
export { parseLogSpec, LOG_LEVELS, LOG_AREAS, type LogLevel, type LogArea, type LogKind, type LogSetting } from './log-config.ts';
