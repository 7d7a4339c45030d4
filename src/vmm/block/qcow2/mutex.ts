// A FIFO async mutex: qcow2 metadata updates (allocation, L2/L1 writes) run one
// at a time so the write ordering in refcount.ts/write.ts holds.

export class Mutex {
  private tail: Promise<void> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn);
    this.tail = result.then(() => undefined, () => undefined);
    return result;
  }
}
