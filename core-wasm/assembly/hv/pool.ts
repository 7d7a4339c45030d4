// hv/pool.ts — the host memory pool: one shared WebAssembly.Memory is the host's RAM, handed out
// in 4 KiB frames to every VM (guest RAM, EPT tables, VM/vCPU structs).
//
// Layout (all above __heap_base, page aligned):
//   [pool header, 4 KiB][refcount array: u32 per frame][frames ... up to the end of memory]
// Invariants:
//   - frame numbers are absolute (hpa >> 12); frames [firstFrame, endFrame) are managed.
//   - frames at or above `bump` have never been handed out and are zero (fresh memory);
//     frames below it are either in use (refcount >= 1) or on the free list (refcount 0).
//   - the free list is threaded through the first 4 bytes of each free frame; a frame taken from
//     it is zeroed before it is returned, so every allocation yields a zeroed frame.
//   - every mutation of bump/free list happens under the pool spinlock (cmpxchg; it never waits,
//     so the page's main thread may allocate too); refcounts and counters use atomic RMW.
//   - refcount 0 <=> the frame is on the free list (or above bump): the 1 -> 0 drop and the push,
//     and the pop and the 0 -> 1 rise, happen under the lock, so a scan for contiguous free
//     frames (frameAllocContiguous once bump is exhausted) can trust the refcounts.
//   - `shared` counts frames with refcount > 1 (KSM-merged or snapshot-referenced pages).
// No module-level mutable state: the pool is addressed through its base pointer.

export const FRAME_SHIFT: u32 = 12;
export const FRAME_SIZE: u32 = 4096;

export const POOL_MAGIC: u32 = 0x4c4f4f50; // "POOL"
export const POOL_OFF_MAGIC: u32 = 0;
export const POOL_OFF_LOCK: u32 = 4;
export const POOL_OFF_FIRST_FRAME: u32 = 8;
export const POOL_OFF_END_FRAME: u32 = 12;
export const POOL_OFF_BUMP: u32 = 16;
export const POOL_OFF_FREE_HEAD: u32 = 20;
export const POOL_OFF_FREE_COUNT: u32 = 24;
export const POOL_OFF_USED: u32 = 28;
export const POOL_OFF_SHARED: u32 = 32;
export const POOL_OFF_REFCOUNTS: u32 = 36;
export const POOL_OFF_NEXT_VM_ID: u32 = 40;
export const POOL_OFF_OOM_EVENTS: u32 = 44;
export const POOL_OFF_PEAK_USED: u32 = 48;
export const POOL_OFF_VM_COUNT: u32 = 52;
export const POOL_OFF_VM_TABLE: u32 = 64; // POOL_MAX_VMS pointers
export const POOL_MAX_VMS: u32 = 256;
export const POOL_HEADER_SIZE: u32 = 4096;

@inline export function spinLock(p: usize): void {
  while (atomic.cmpxchg<i32>(p, 0, 1) != 0) {
    // Critical sections are a handful of loads/stores; spinning is cheaper than waiting.
  }
}

@inline export function spinUnlock(p: usize): void {
  atomic.store<i32>(p, 0);
}

/**
 * Lays the pool out over [base, endFrame << 12) of linear memory (a frame number, so a 4 GiB
 * memory's end fits in 32 bits). `base` must be 4 KiB aligned. Returns the pool pointer.
 */
export function poolInit(base: usize, endFrame: u32): usize {
  const firstCandidate = <u32>((base + POOL_HEADER_SIZE) >> FRAME_SHIFT);
  // refcount array needs 4 bytes for each managed frame; solve for its size conservatively.
  const totalGuess = endFrame - firstCandidate;
  const rcBytes = (totalGuess * 4 + FRAME_SIZE - 1) & ~(FRAME_SIZE - 1);
  const refcounts = base + POOL_HEADER_SIZE;
  const firstFrame = <u32>((refcounts + rcBytes) >> FRAME_SHIFT);
  memory.fill(base, 0, POOL_HEADER_SIZE);
  memory.fill(refcounts, 0, rcBytes);
  store<u32>(base, firstFrame, POOL_OFF_FIRST_FRAME);
  store<u32>(base, endFrame, POOL_OFF_END_FRAME);
  store<u32>(base, firstFrame, POOL_OFF_BUMP);
  store<u32>(base, <u32>refcounts, POOL_OFF_REFCOUNTS);
  store<u32>(base, 1, POOL_OFF_NEXT_VM_ID);
  atomic.store<u32>(base, POOL_MAGIC, POOL_OFF_MAGIC);
  return base;
}

@inline function refcountPtr(pool: usize, frame: u32): usize {
  return <usize>load<u32>(pool, POOL_OFF_REFCOUNTS) + ((<usize>(frame - load<u32>(pool, POOL_OFF_FIRST_FRAME))) << 2);
}

export function poolTotalFrames(pool: usize): u32 {
  return load<u32>(pool, POOL_OFF_END_FRAME) - load<u32>(pool, POOL_OFF_FIRST_FRAME);
}

export function poolFreeFrames(pool: usize): u32 {
  return poolTotalFrames(pool) - atomic.load<u32>(pool, POOL_OFF_USED);
}

function noteUsed(pool: usize, n: u32): void {
  const used = atomic.add<u32>(pool, n, POOL_OFF_USED) + n;
  let peak = atomic.load<u32>(pool, POOL_OFF_PEAK_USED);
  while (used > peak) {
    const seen = atomic.cmpxchg<u32>(pool, peak, used, POOL_OFF_PEAK_USED);
    if (seen == peak) break;
    peak = seen;
  }
}

/** One zeroed frame; returns its host address, or 0 when the pool is exhausted. Refcount = 1. */
export function frameAlloc(pool: usize): usize {
  spinLock(pool + POOL_OFF_LOCK);
  let frame = load<u32>(pool, POOL_OFF_FREE_HEAD);
  let recycled = false;
  if (frame != 0) {
    store<u32>(pool, load<u32>(<usize>frame << FRAME_SHIFT), POOL_OFF_FREE_HEAD);
    store<u32>(pool, load<u32>(pool, POOL_OFF_FREE_COUNT) - 1, POOL_OFF_FREE_COUNT);
    recycled = true;
  } else {
    frame = load<u32>(pool, POOL_OFF_BUMP);
    if (frame >= load<u32>(pool, POOL_OFF_END_FRAME)) {
      spinUnlock(pool + POOL_OFF_LOCK);
      atomic.add<u32>(pool, 1, POOL_OFF_OOM_EVENTS);
      return 0;
    }
    store<u32>(pool, frame + 1, POOL_OFF_BUMP);
  }
  atomic.store<u32>(refcountPtr(pool, frame), 1);
  spinUnlock(pool + POOL_OFF_LOCK);
  const hpa = <usize>frame << FRAME_SHIFT;
  if (recycled) memory.fill(hpa, 0, FRAME_SIZE);
  noteUsed(pool, 1);
  return hpa;
}

/** `n` physically contiguous zeroed frames (for structs larger than a page); 0 when exhausted. */
export function frameAllocContiguous(pool: usize, n: u32): usize {
  if (n == 0) return 0;
  if (n == 1) return frameAlloc(pool);
  spinLock(pool + POOL_OFF_LOCK);
  let frame = load<u32>(pool, POOL_OFF_BUMP);
  let recycled = false;
  if (frame + n <= load<u32>(pool, POOL_OFF_END_FRAME) && frame + n > frame) {
    store<u32>(pool, frame + n, POOL_OFF_BUMP);
  } else {
    frame = takeFreeRun(pool, n);
    recycled = true;
  }
  if (frame == 0) {
    spinUnlock(pool + POOL_OFF_LOCK);
    atomic.add<u32>(pool, 1, POOL_OFF_OOM_EVENTS);
    return 0;
  }
  for (let i: u32 = 0; i < n; i++) atomic.store<u32>(refcountPtr(pool, frame + i), 1);
  spinUnlock(pool + POOL_OFF_LOCK);
  if (recycled) memory.fill(<usize>frame << FRAME_SHIFT, 0, n << FRAME_SHIFT);
  noteUsed(pool, n);
  return <usize>frame << FRAME_SHIFT;
}

/**
 * Slow path (lock held): finds `n` adjacent free frames below the bump pointer and unlinks them
 * from the free list. Refcount 0 <=> on the free list, because the 1 -> 0 transition and the push
 * happen together under the lock (frameUnref), as do the pop and 0 -> 1 (frameAlloc).
 */
function takeFreeRun(pool: usize, n: u32): u32 {
  const first = load<u32>(pool, POOL_OFF_FIRST_FRAME);
  const bump = load<u32>(pool, POOL_OFF_BUMP);
  let run: u32 = 0;
  for (let f = first; f < bump; f++) {
    run = atomic.load<u32>(refcountPtr(pool, f)) == 0 ? run + 1 : 0;
    if (run < n) continue;
    const start = f + 1 - n;
    unlinkRun(pool, start, n);
    return start;
  }
  return 0;
}

/** Unlinks the frames [start, start+n) (all on the free list: refcount 0) from the free list. */
function unlinkRun(pool: usize, start: u32, n: u32): u32 {
  let prev: usize = pool + POOL_OFF_FREE_HEAD;
  let cur = load<u32>(prev);
  let taken: u32 = 0;
  while (cur != 0 && taken < n) {
    const next = load<u32>(<usize>cur << FRAME_SHIFT);
    if (cur >= start && cur - start < n) {
      store<u32>(prev, next);
      taken++;
    } else {
      prev = <usize>cur << FRAME_SHIFT;
    }
    cur = next;
  }
  store<u32>(pool, load<u32>(pool, POOL_OFF_FREE_COUNT) - taken, POOL_OFF_FREE_COUNT);
  return taken;
}

/** Takes one more reference to an in-use frame (sharing). */
export function frameRef(pool: usize, hpa: usize): void {
  const old = atomic.add<u32>(refcountPtr(pool, <u32>(hpa >> FRAME_SHIFT)), 1);
  if (old == 1) atomic.add<u32>(pool, 1, POOL_OFF_SHARED);
}

export function frameRefcount(pool: usize, hpa: usize): u32 {
  return atomic.load<u32>(refcountPtr(pool, <u32>(hpa >> FRAME_SHIFT)));
}

/** Drops one reference; the frame returns to the free list when none is left. */
export function frameUnref(pool: usize, hpa: usize): void {
  const frame = <u32>(hpa >> FRAME_SHIFT);
  const rc = refcountPtr(pool, frame);
  while (true) {
    const old = atomic.load<u32>(rc);
    if (old == 0) return; // already free: a double free is ignored rather than corrupting the list
    if (old > 1) {
      if (atomic.cmpxchg<u32>(rc, old, old - 1) != old) continue;
      if (old == 2) atomic.sub<u32>(pool, 1, POOL_OFF_SHARED);
      return;
    }
    // last reference: refcount 0 and the push happen together under the lock
    spinLock(pool + POOL_OFF_LOCK);
    if (atomic.cmpxchg<u32>(rc, 1, 0) != 1) {
      spinUnlock(pool + POOL_OFF_LOCK);
      continue;
    }
    store<u32>(hpa, load<u32>(pool, POOL_OFF_FREE_HEAD));
    store<u32>(pool, frame, POOL_OFF_FREE_HEAD);
    store<u32>(pool, load<u32>(pool, POOL_OFF_FREE_COUNT) + 1, POOL_OFF_FREE_COUNT);
    spinUnlock(pool + POOL_OFF_LOCK);
    atomic.sub<u32>(pool, 1, POOL_OFF_USED);
    return;
  }
}

/** Frees `n` contiguous frames from frameAllocContiguous (each goes back on the free list). */
export function frameFreeContiguous(pool: usize, hpa: usize, n: u32): void {
  for (let i: u32 = 0; i < n; i++) frameUnref(pool, hpa + ((<usize>i) << FRAME_SHIFT));
}

/** True when `hpa` is a frame address managed by this pool. */
export function poolOwnsFrame(pool: usize, hpa: usize): bool {
  const f = <u32>(hpa >> FRAME_SHIFT);
  return (hpa & (FRAME_SIZE - 1)) == 0 && f >= load<u32>(pool, POOL_OFF_FIRST_FRAME) && f < load<u32>(pool, POOL_OFF_END_FRAME);
}

/** Registers a VM struct in the pool's table (for statistics); returns its id, 0 if the table is full. */
export function poolRegisterVm(pool: usize, vm: usize): u32 {
  spinLock(pool + POOL_OFF_LOCK);
  let id: u32 = 0;
  for (let i: u32 = 0; i < POOL_MAX_VMS; i++) {
    const slot = pool + POOL_OFF_VM_TABLE + (<usize>i << 2);
    if (load<u32>(slot) == 0) {
      store<u32>(slot, <u32>vm);
      id = load<u32>(pool, POOL_OFF_NEXT_VM_ID);
      store<u32>(pool, id + 1, POOL_OFF_NEXT_VM_ID);
      store<u32>(pool, load<u32>(pool, POOL_OFF_VM_COUNT) + 1, POOL_OFF_VM_COUNT);
      break;
    }
  }
  spinUnlock(pool + POOL_OFF_LOCK);
  return id;
}

export function poolUnregisterVm(pool: usize, vm: usize): void {
  spinLock(pool + POOL_OFF_LOCK);
  for (let i: u32 = 0; i < POOL_MAX_VMS; i++) {
    const slot = pool + POOL_OFF_VM_TABLE + (<usize>i << 2);
    if (load<u32>(slot) == <u32>vm) {
      store<u32>(slot, 0);
      store<u32>(pool, load<u32>(pool, POOL_OFF_VM_COUNT) - 1, POOL_OFF_VM_COUNT);
      break;
    }
  }
  spinUnlock(pool + POOL_OFF_LOCK);
}
