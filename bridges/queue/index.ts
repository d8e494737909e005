// `furrow/queue`: job queues as supervised work. `openTaskQueue` runs a p-queue whose
// jobs are tasks of a nursery. (An actor pool behind one queue, `pool.ts`, will sit
// beside it once the actor runtime exists.)
export { openTaskQueue, TaskQueue, type Job, type JobOptions, type TaskQueueOptions } from './task-queue.ts';
