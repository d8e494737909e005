// A small helper the examples share: whether a process id still names a live
// process (signal 0 checks without sending anything).

/** True while `pid` names a live process. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
