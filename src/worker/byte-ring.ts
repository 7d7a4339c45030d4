// byte-ring.ts — a single-producer single-consumer byte ring in a SharedArrayBuffer, for bulk data
// between a VM worker and the page (or the Node CLI): console output, console input. No message
// per byte: the producer copies into the ring and bumps `tail`; the consumer copies out and bumps
// `head`; Atomics.notify wakes a consumer parked in Atomics.wait (workers) or waitAsync (page).
// A side about to park says so first (a parked flag), and the other side notifies only then: a
// notify costs microseconds (more with a waitAsync waiter), and a NIC pushes one record per frame.
// Layout: Int32 [0] head, [1] tail, [2] closed flag, [3] dropped-bytes counter, [4] consumer parked,
// [5] producer parked; data from byte 32.
// No lost wake-up: each side stores (tail, or its parked flag) before it loads the other's (all
// sequentially consistent), and Atomics.wait returns at once when tail/head already moved.
// A producer that must not drop (the page's input) can wait for room with waitForRoomSync.
// Invariants: head and tail are free-running u32 counters (wrap at 2^32); 0 <= tail - head <= capacity.
// Only the producer writes tail, only the consumer writes head.

const HEAD = 0, TAIL = 1, CLOSED = 2, DROPPED = 3, READER_PARKED = 4, WRITER_PARKED = 5;
const HEADER_BYTES = 32;

export class ByteRing {
  readonly capacity: number;
  private readonly ctl: Int32Array;
  private readonly data: Uint8Array;

  /** Wraps an existing buffer (from the other side) or makes one with `capacity` data bytes. */
  constructor(bufferOrCapacity: SharedArrayBuffer | number) {
    const buffer = typeof bufferOrCapacity === 'number'
      ? new SharedArrayBuffer(HEADER_BYTES + bufferOrCapacity)
      : bufferOrCapacity;
    this.capacity = buffer.byteLength - HEADER_BYTES;
    if (this.capacity <= 0) throw new RangeError('byte ring needs a positive capacity');
    this.ctl = new Int32Array(buffer, 0, 8);
    this.data = new Uint8Array(buffer, HEADER_BYTES);
  }

  get buffer(): SharedArrayBuffer {
    return this.ctl.buffer as SharedArrayBuffer;
  }

  /** Bytes waiting to be read. */
  get available(): number {
    return (Atomics.load(this.ctl, TAIL) - Atomics.load(this.ctl, HEAD)) >>> 0;
  }

  get closed(): boolean {
    return Atomics.load(this.ctl, CLOSED) !== 0;
  }

  /** Bytes the producer had to drop because the consumer fell behind. */
  get dropped(): number {
    return Atomics.load(this.ctl, DROPPED) >>> 0;
  }

  /** Producer: copies as much of `bytes` as fits; the rest is counted as dropped. Returns bytes written. */
  write(bytes: Uint8Array): number {
    const tail = Atomics.load(this.ctl, TAIL) >>> 0;
    const n = Math.min(this.room(tail), bytes.length);
    this.put(tail, bytes.subarray(0, n));
    if (n < bytes.length) Atomics.add(this.ctl, DROPPED, bytes.length - n);
    this.publish(tail + n);
    return n;
  }

  /**
   * Producer: writes the parts back to back and publishes them together (a consumer never sees a
   * record without its body); false, writing nothing, when they do not all fit.
   */
  writeParts(parts: readonly Uint8Array[]): boolean {
    const tail = Atomics.load(this.ctl, TAIL) >>> 0;
    let end = tail;
    for (const p of parts) end += p.length;
    if (end - tail > this.room(tail)) return false;
    for (let at = tail, i = 0; i < parts.length; at += parts[i]!.length, i++) this.put(at, parts[i]!);
    this.publish(end);
    return true;
  }

  /** Free bytes, seen by the producer whose tail is `tail`. */
  private room(tail: number): number {
    return this.capacity - ((tail - (Atomics.load(this.ctl, HEAD) >>> 0)) >>> 0);
  }

  /** Copies bytes to the ring position of counter value `at` (wrapping at the end of the data). */
  private put(at: number, bytes: Uint8Array): void {
    const i = (at >>> 0) % this.capacity; // the u32 counter, as the consumer computes it
    const first = Math.min(bytes.length, this.capacity - i);
    this.data.set(bytes.subarray(0, first), i);
    this.data.set(bytes.subarray(first), 0);
  }

  /** Moves tail (what the consumer may read) and wakes a parked consumer. */
  private publish(tail: number): void {
    Atomics.store(this.ctl, TAIL, tail | 0);
    if (Atomics.load(this.ctl, READER_PARKED)) Atomics.notify(this.ctl, TAIL);
  }

  /** Consumer: fills `out` exactly; the caller knows that many bytes are available. */
  readInto(out: Uint8Array): void {
    const head = Atomics.load(this.ctl, HEAD) >>> 0;
    const n = out.length;
    const at = head % this.capacity;
    const first = Math.min(n, this.capacity - at);
    out.set(this.data.subarray(at, at + first));
    out.set(this.data.subarray(0, n - first), first);
    Atomics.store(this.ctl, HEAD, (head + n) | 0);
    if (n && Atomics.load(this.ctl, WRITER_PARKED)) Atomics.notify(this.ctl, HEAD);
  }

  /** Consumer: takes up to `max` bytes (all available by default). */
  read(max = Infinity): Uint8Array {
    const head = Atomics.load(this.ctl, HEAD) >>> 0;
    const out = new Uint8Array(Math.min(max, ((Atomics.load(this.ctl, TAIL) >>> 0) - head) >>> 0));
    this.readInto(out); // wakes a producer waiting for room
    return out;
  }

  /** Producer: no more data will come; wakes the consumer. */
  close(): void {
    Atomics.store(this.ctl, CLOSED, 1);
    Atomics.notify(this.ctl, TAIL);
  }

  /** Producer in a worker: sleeps until at least `bytes` are free, the ring closes, or timeout (ms). */
  waitForRoomSync(bytes: number, timeoutMs: number): void {
    const head = Atomics.load(this.ctl, HEAD);
    Atomics.store(this.ctl, WRITER_PARKED, 1);
    if (this.capacity - this.available < bytes && !this.closed) Atomics.wait(this.ctl, HEAD, head, timeoutMs);
    Atomics.store(this.ctl, WRITER_PARKED, 0);
  }

  /** Consumer in a worker: sleeps until data, close, or timeout (ms). */
  waitSync(timeoutMs: number): void {
    const tail = Atomics.load(this.ctl, TAIL);
    Atomics.store(this.ctl, READER_PARKED, 1);
    if (!(((tail >>> 0) - (Atomics.load(this.ctl, HEAD) >>> 0)) >>> 0) && !this.closed) Atomics.wait(this.ctl, TAIL, tail, timeoutMs);
    Atomics.store(this.ctl, READER_PARKED, 0);
  }

  /** Consumer on a main thread: resolves on data, close, or timeout (ms). */
  async waitAsync(timeoutMs: number): Promise<void> {
    const tail = Atomics.load(this.ctl, TAIL);
    Atomics.store(this.ctl, READER_PARKED, 1);
    try {
      if (((tail >>> 0) - (Atomics.load(this.ctl, HEAD) >>> 0)) >>> 0 || this.closed) return;
      const r = Atomics.waitAsync(this.ctl, TAIL, tail, timeoutMs);
      if (r.async) await r.value;
    } finally {
      Atomics.store(this.ctl, READER_PARKED, 0);
    }
  }
}
