// Work an owner's peer does in the background one task at a time, in order (derive a view, answer
// an analytics job): a task that fails is reported and the next one runs; after stop() nothing
// more starts. `running` counts a task under way, so blob collection can wait for what it seals
// (datasets.ts putsInFlight).
export class SerialWork {
  private tail: Promise<void> = Promise.resolve();
  private ended = false;
  /** Tasks under way (0 or 1). */
  running = 0;

  /** Run `task` after those queued before it; `failed` hears of its error. */
  add(task: () => Promise<void>, failed: (error: Error) => void): void {
    if (this.ended) return;
    this.tail = this.tail
      .then(async () => {
        if (this.ended) return;
        this.running += 1;
        try {
          await task();
        } finally {
          this.running -= 1;
        }
      })
      .catch((error) => failed(error as Error));
  }

  /** Resolves when the tasks queued so far are done (or failed). */
  idle(): Promise<void> {
    return this.tail;
  }

  /** Whether stop() was called (a running task checks it between its steps). */
  get stopped(): boolean {
    return this.ended;
  }

  stop(): void {
    this.ended = true;
  }
}
