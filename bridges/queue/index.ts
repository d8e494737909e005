// `furrow/queue`: job queues as supervised work. `openTaskQueue` runs a p-queue whose
// jobs are tasks of a nursery; `openActorPool` puts a pool of actors behind one such
// queue (the worker-pool pattern).
export { openTaskQueue, TaskQueue, type Job, type JobOptions, type TaskQueueOptions } from './task-queue.ts';
export { openActorPool, ActorPool, PoolJobLostError, type ActorPoolOptions, type PoolBackend, type PoolJobOptions } from './pool.ts';
