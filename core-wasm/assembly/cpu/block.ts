// cpu/block.ts — the decoded-block cache (ARCHITECTURE.md "The CPU": decode a block once, run it
// many times). A block is a run of instructions decoded from one 4 KiB page, ending after the
// first instruction that is not straight-line (a branch, a mode/paging/shadow change: bit
// R_STRAIGHT of the row, scripts/cpu/gen.ts), at the page end, or at BLK_MAX_INSNS.
// Blocks live in a two-way set-associative table keyed by linear address and MODE; their records
// and a copy of their code bytes live in a bump arena, flushed whole when full.
// Invariants:
// - A block is used only while its code bytes in guest memory equal its copy. blockFor compares
//   them when the block was last checked in an older code epoch or at another host address
//   (cpu/codemap.ts), so writes by this vCPU (which move the epoch), by other vCPUs or DMA (seen
//   after the next serializing event or cpu_execute call, as on hardware), through another linear
//   alias, and remapping (the host page comes from the TLB) are all caught.
// - Inside a block, this vCPU's writes into the block's own bytes end the block after the writing
//   instruction (FAULT_SMC, cpu/codemap.ts; SDM vol. 3A 11.6 "Self-modifying code").
// - Links: a block remembers the blocks that followed it (fall-through and another exit). A link
//   is followed only if its target was entered at that RIP and checked in the current epoch; the
//   epoch moves on everything that can change a mapping, the mode, CS or the code bytes.
// - In 64-bit mode (linear address == RIP) RIP-relative operands are folded to absolute
//   displacements, so straight-line handlers never need RIP in the state block; the run loop
//   stores RIP only before a block's last instruction and on exceptions/exits.
// - Records carry their offset in the block (D_BOFF) so the loop can name any instruction's RIP,
//   their handler's function-table index (D_FN) so the loop calls it directly, and their fast
//   path (D_FAST, cpu/fastops.ts).
import * as S from './state';
import * as D from './decoded';
import { decode } from './decode';
import { ROW_ATTR } from './gen/tables';
import { handlerIndex } from './gen/dispatch';
import { markCodeFrame, bumpCodeEpoch } from './codemap';
import { fastOpFor } from './fastops';
import { frameAllocContiguous, FRAME_SHIFT, vmPool, vmStopForOom, VM_OOM_NO_GPA } from './hvlink';

export const BLK_ENTRIES: usize = 1 << S.BLK_TABLE_LOG2;
export const BLK_ENTRY_SIZE: usize = 64;
export const BLK_ARENA_SIZE: usize = S.BLK_ARENA_BYTES;
export const BLK_MAX_INSNS: i32 = 32;
export const BLK_SCRATCH_SIZE: usize = 256; // code bytes copied before decoding (the decoder reads this copy)
const BLK_MAX_ALLOC: usize = <usize>BLK_MAX_INSNS * D.DECODED_SIZE + BLK_SCRATCH_SIZE + 16;

// Header fields.
export const B_TAG: usize = 0;    // u64 linear address of the first instruction
export const B_MODE: usize = 8;   // i32 MODE_* it was decoded in, -1 = empty
export const B_COUNT: usize = 12; // u16 instructions
export const B_BYTES: usize = 14; // u16 code bytes
export const B_RECS: usize = 16;  // u32 address of the first record
export const B_COPY: usize = 20;  // u32 address of the code-byte copy
export const B_EPOCH: usize = 24; // u64 code epoch in which the block was last checked
export const B_RIP: usize = 32;   // u64 RIP it was last entered at (fixed within an epoch)
export const B_HOST: usize = 40;  // u32 host address of its code when last checked
export const B_BUMP: usize = 44;  // u32 1: its last instruction is a system instruction (moves the epoch)
export const B_LINK0: usize = 48; // u32 header of the block that followed at the fall-through RIP, or 0
export const B_LINK1: usize = 52; // u32 header of a block that followed at another RIP, or 0
export const B_MRU: usize = 56;   // u8, first header of a set only: 1 if its second way was used last

// Row attribute bits (scripts/cpu/gen.ts).
const R_STRAIGHT: u32 = 1 << 23;
const R_STRING: u32 = 1 << 24;
const R_QUIET: u32 = 1 << 25;  // ends a block without moving the code epoch (near branches, x87)

/** Empties the cache (cpu_init, and when the arena is full). */
export function blockFlushAll(cpu: usize): void {
  const t = <usize>load<u32>(cpu, S.CPU_OFF_BLK_CACHE);
  if (t != 0) for (let i: usize = 0; i < BLK_ENTRIES; i++) store<i32>(t + i * BLK_ENTRY_SIZE, -1, B_MODE);
  store<u32>(cpu, 0, S.CPU_OFF_BLK_POS);
  store<u32>(cpu, load<u32>(cpu, S.CPU_OFF_BLK_FLUSHES) + 1, S.CPU_OFF_BLK_FLUSHES);
  bumpCodeEpoch(cpu); // links may name emptied headers
}

/**
 * Takes the table and arena from the VM's pool (cpu_execute, the first time); false when the pool
 * has no run of frames that long: the VM stops ("host out of memory") and the caller exits.
 */
export function blockCacheAlloc(cpu: usize): bool {
  const frames = <u32>(S.BLK_CACHE_BYTES >> FRAME_SHIFT);
  const vm = load<usize>(cpu, S.CPU_OFF_VM);
  const t = frameAllocContiguous(vmPool(vm), frames);
  if (t == 0) {
    vmStopForOom(vm, VM_OOM_NO_GPA);
    return false;
  }
  store<u32>(cpu, <u32>t, S.CPU_OFF_BLK_CACHE);
  blockFlushAll(cpu);
  return true;
}

/** True when the n bytes at a and b are equal. */
@inline function sameBytes(a: usize, b: usize, n: usize): bool {
  if (n >= 16) {
    for (let i: usize = 0; i + 16 < n; i += 16) {
      if (v128.any_true(v128.xor(v128.load(a + i), v128.load(b + i)))) return false;
    }
    return !v128.any_true(v128.xor(v128.load(a + n - 16), v128.load(b + n - 16)));
  }
  if (n >= 8) return load<u64>(a) == load<u64>(b) && load<u64>(a + n - 8) == load<u64>(b + n - 8);
  if (n >= 4) return load<u32>(a) == load<u32>(b) && load<u32>(a + n - 4) == load<u32>(b + n - 4);
  return load<u8>(a) == load<u8>(b) && load<u8>(a + n - 1) == load<u8>(b + n - 1) && load<u8>(a + (n >> 1)) == load<u8>(b + (n >> 1));
}

/**
 * The block for the code at linear address lin (host address p, from the execute TLB) entered at
 * rip, decoding it if needed; 0 when not even the first instruction fits in the page or decodes
 * (the caller runs it alone, which also raises its fault).
 */
@inline export function blockFor(cpu: usize, lin: u64, p: usize, mode: i32, rip: u64): usize {
  // Two-way sets: the way used last is remembered in the set's first header (B_MRU).
  const set = <usize>load<u32>(cpu, S.CPU_OFF_BLK_CACHE) + <usize>(((lin * 0x9E37_79B9_7F4A_7C15) >> (64 - <u64>(S.BLK_TABLE_LOG2 - 1))) * (2 * BLK_ENTRY_SIZE));
  let h = set;
  if (load<u64>(h, B_TAG) != lin || load<i32>(h, B_MODE) != mode) {
    h = set + BLK_ENTRY_SIZE;
    if (load<u64>(h, B_TAG) != lin || load<i32>(h, B_MODE) != mode) {
      h = set + (load<u8>(set, B_MRU) != 0 ? 0 : BLK_ENTRY_SIZE); // replace the way not used last
      store<u8>(set, h == set ? 0 : 1, B_MRU);
      return blockBuild(cpu, h, lin, p, mode, rip);
    }
  }
  store<u8>(set, h == set ? 0 : 1, B_MRU);
  const epoch = load<u64>(cpu, S.CPU_OFF_CODE_EPOCH);
  if (load<u64>(h, B_EPOCH) != epoch || <usize>load<u32>(h, B_HOST) != p) {
    if (!sameBytes(p, <usize>load<u32>(h, B_COPY), <usize>load<u16>(h, B_BYTES))) return blockBuild(cpu, h, lin, p, mode, rip);
    markCodeFrame(cpu, <u64>p);
    store<u32>(h, <u32>p, B_HOST);
    store<u64>(h, epoch, B_EPOCH);
  }
  store<u64>(h, rip, B_RIP);
  return h;
}

/** The linked block that follows `prev` at rip, if still valid; else 0. */
@inline export function blockLinked(cpu: usize, prev: usize, rip: u64): usize {
  const epoch = load<u64>(cpu, S.CPU_OFF_CODE_EPOCH);
  let b = <usize>load<u32>(prev, B_LINK0);
  if (b != 0 && load<u64>(b, B_RIP) == rip && load<u64>(b, B_EPOCH) == epoch) return b;
  b = <usize>load<u32>(prev, B_LINK1);
  if (b != 0 && load<u64>(b, B_RIP) == rip && load<u64>(b, B_EPOCH) == epoch) return b;
  return 0;
}

/** Remembers that blk followed prev (prev ran to its end, entered at prevRip; rm = RIP mask). */
@inline export function blockLink(prev: usize, prevRip: u64, rm: u64, blk: usize, rip: u64): void {
  if (rip == ((prevRip + <u64>load<u16>(prev, B_BYTES)) & rm)) store<u32>(prev, <u32>blk, B_LINK0);
  else store<u32>(prev, <u32>blk, B_LINK1);
}

function blockBuild(cpu: usize, h: usize, lin: u64, p: usize, mode: i32, rip: u64): usize {
  store<i32>(h, -1, B_MODE);
  store<u64>(h, 0, B_EPOCH);
  const pageLeft = <usize>(4096 - (lin & 0xFFF));
  const avail = pageLeft < BLK_SCRATCH_SIZE ? pageLeft : BLK_SCRATCH_SIZE;
  // Decode from a private copy: another writer cannot make the records disagree with the copy.
  const scratch = cpu + S.CPU_OFF_BLK_SCRATCH;
  memory.copy(scratch, p, avail);
  if (<usize>load<u32>(cpu, S.CPU_OFF_BLK_POS) + BLK_MAX_ALLOC > BLK_ARENA_SIZE) blockFlushAll(cpu);
  const arena = <usize>load<u32>(cpu, S.CPU_OFF_BLK_CACHE) + S.BLK_TABLE_BYTES;
  const recs = arena + <usize>load<u32>(cpu, S.CPU_OFF_BLK_POS);
  const fold = mode == S.MODE_LONG64;
  let off: usize = 0;
  let n: i32 = 0;
  let a: u32 = R_STRAIGHT;
  while (n < BLK_MAX_INSNS && off < avail) {
    const d = recs + <usize>n * D.DECODED_SIZE;
    const len = decode(cpu, scratch + off, <i32>(avail - off), d);
    if (len <= 0) { store<i32>(cpu, 0, S.CPU_OFF_FAULT); break; } // not decodable here: ends the block before it
    store<u16>(d, <u16>off, D.D_BOFF);
    store<u32>(d, handlerIndex(<i32>load<u16>(d, D.D_ID)), D.D_FN);
    store<u8>(d, fastOpFor(d, mode), D.D_FAST);
    off += <usize>len;
    n++;
    if (fold && load<u16>(d, D.D_BASE) == <u16>S.CPU_OFF_RIP) {
      store<u16>(d, <u16>S.CPU_OFF_ZERO, D.D_BASE);
      store<i64>(d, load<i64>(d, D.D_DISP) + <i64>(lin + <u64>off), D.D_DISP);
    }
    a = unchecked(ROW_ATTR[load<u16>(d, D.D_ROW)]);
    if ((a & R_STRAIGHT) == 0 &&
        ((a & R_STRING) == 0 || (load<u8>(d, D.D_PFX) & (D.P_REP | D.P_REPNE)) != 0)) break;
  }
  if (n == 0) return 0;
  store<u32>(cpu, load<u32>(cpu, S.CPU_OFF_BLK_BUILDS) + 1, S.CPU_OFF_BLK_BUILDS);
  markCodeFrame(cpu, <u64>p);
  const copy = recs + <usize>n * D.DECODED_SIZE;
  memory.copy(copy, scratch, off);
  store<u64>(h, lin, B_TAG);
  store<u16>(h, <u16>n, B_COUNT);
  store<u16>(h, <u16>off, B_BYTES);
  store<u32>(h, <u32>recs, B_RECS);
  store<u32>(h, <u32>copy, B_COPY);
  store<u32>(h, <u32>p, B_HOST);
  store<u64>(h, rip, B_RIP);
  store<u32>(h, (a & (R_STRAIGHT | R_STRING | R_QUIET)) == 0 ? 1 : 0, B_BUMP);
  store<u32>(h, 0, B_LINK0);
  store<u32>(h, 0, B_LINK1);
  store<i32>(h, mode, B_MODE);
  store<u64>(h, load<u64>(cpu, S.CPU_OFF_CODE_EPOCH), B_EPOCH);
  store<u32>(cpu, <u32>((copy + off + 15 - arena) & ~<usize>15), S.CPU_OFF_BLK_POS);
  return h;
}
