// One task at a time per key. With the Web Locks API (tabs, workers) the lock holds across every
// context of the origin, so two tabs of one identity cannot interleave either; elsewhere (Node)
// an in-process queue per key. A task that fails releases the key like one that succeeds.

interface LockManagerLike {
  request<T>(name: string, callback: () => Promise<T>): Promise<T>;
}

function webLocks(): LockManagerLike | null {
  const locks = (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator?.locks;
  return locks && typeof locks.request === 'function' ? locks : null;
}

export class KeyedLock {
  private readonly tails = new Map<string, Promise<unknown>>();

  /** @param prefix names the locks in the origin-wide Web Locks namespace */
  constructor(
    private readonly prefix: string,
    private readonly locks: LockManagerLike | null = webLocks(),
  ) {}

  /** Run `task` once every earlier task under `key` (in this peer) has settled. */
  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const locked = this.locks ? () => this.locks!.request(`${this.prefix}${key}`, task) : task;
    const before = this.tails.get(key) ?? Promise.resolve();
    const run = before.then(locked, locked);
    const tail = run.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return run;
  }
}
