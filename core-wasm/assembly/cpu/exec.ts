// cpu/exec.ts — the interpreter loop (ARCHITECTURE.md "The CPU"): per block, fetch through the
// execute TLB, find the decoded block (cpu/block.ts), run its instructions, then handle what an
// instruction raised (FAULT): exceptions are delivered (RIP back at the faulting instruction),
// exits return to the hypervisor, either before retiring (IO/MMIO reads, re-executed after
// cpu_complete_io) or after (writes, HLT); FAULT_SMC (a write into the running block) retires the
// instruction and ends the block. An instruction that cannot start a block (it crosses the page
// end, does not decode, or IP would wrap inside the block) runs alone, uncached. A block that ran
// to its end is followed by its linked successor when the link is still valid (cpu/block.ts);
// the code epoch moves here on entry, on event delivery and after system instructions.
// Invariants: between instructions FAULT == 0; CPU_OFF_ICOUNT counts retired instructions; inside
// a block RIP in the state block is stale until the block's last instruction (which gets RIP and
// INSN_RIP as if run alone) or a fault (RIP and INSN_RIP name the faulting instruction); blocks
// never run past the budget; an interrupt shadow limits the block to one instruction.
import * as S from './state';
import * as D from './decoded';
import { decode } from './decode';
import { dispatch } from './gen/dispatch';
import { fetchHost, fetchPtr, fetchFault, tlbCheckGeneration } from './mmu';
import { ripMaskOf } from './mode';
import { blockCacheAlloc, blockFor, blockLinked, blockLink, B_COUNT, B_BYTES, B_RECS, B_HOST, B_BUMP } from './block';
import { bumpCodeEpoch } from './codemap';
import { runFast } from './fastops';
import { deliverException, deliverEvent, EV_EXT } from './interrupt';
import { irqPending, irqAcknowledge, nmiPending, nmiAcknowledge } from './hvlink';

/** Delivers a pending NMI or (IF = 1, no shadow) external interrupt; returns an exit code or NONE. */
function checkInterrupts(cpu: usize): i32 {
  if (load<i32>(cpu, S.CPU_OFF_EXC_EXIT)) return S.CPU_EXIT_NONE; // test harness: no guest IDT
  let vector: i32 = -1;
  if (nmiPending(cpu)) { nmiAcknowledge(cpu); vector = S.EXC_NMI; }
  else if ((load<u64>(cpu, S.CPU_OFF_RFLAGS) & S.FL_IF) != 0 && load<i32>(cpu, S.CPU_OFF_INT_SHADOW) == 0) {
    vector = irqPending(cpu);
    if (vector >= 0) irqAcknowledge(cpu, vector);
  }
  if (vector < 0) return S.CPU_EXIT_NONE;
  store<i32>(cpu, 0, S.CPU_OFF_FAULT);
  if (deliverEvent(cpu, vector, -1, EV_EXT)) return S.CPU_EXIT_NONE;
  // Delivery faulted: handle it as an exception raised at the current RIP.
  store<i32>(cpu, 0, S.CPU_OFF_FAULT);
  return deliverException(cpu);
}

/**
 * The bytes at host address ip (0: none) for an internal-error exit, at most 15 and never past
 * the end of ip's frame: the next host frame may be another VM's, or past the end of memory.
 */
function copyExitInsn(cpu: usize, ip: usize): void {
  const out = cpu + S.CPU_OFF_EXIT_INSN;
  memory.fill(out, 0, 16);
  if (ip == 0) return;
  const left: usize = 4096 - (ip & 0xFFF);
  memory.copy(out, ip, left < <usize>15 ? left : <usize>15);
}

/** Runs until an exit, the budget or a request; returns CPU_EXIT_*. */
export function execute(cpu: usize, budget: u64): i32 {
  if (load<u32>(cpu, S.CPU_OFF_BLK_CACHE) == 0 && !blockCacheAlloc(cpu)) {
    store<i32>(cpu, S.INTERNAL_HOST_OOM, S.CPU_OFF_EXIT_INFO);
    store<i32>(cpu, S.CPU_EXIT_INTERNAL_ERROR, S.CPU_OFF_EXIT_REASON);
    return S.CPU_EXIT_INTERNAL_ERROR;
  }
  tlbCheckGeneration(cpu);
  store<i32>(cpu, 0, S.CPU_OFF_FAULT);
  store<i32>(cpu, S.CPU_EXIT_NONE, S.CPU_OFF_EXIT_REASON);
  store<u64>(cpu, 0, S.CPU_OFF_SMC_LEN);
  const irq = checkInterrupts(cpu);
  bumpCodeEpoch(cpu); // the VMM, DMA or other vCPUs may have written code since the last call
  if (irq != S.CPU_EXIT_NONE) { store<i32>(cpu, irq, S.CPU_OFF_EXIT_REASON); return irq; }
  if (load<i32>(cpu, S.CPU_OFF_HALTED)) return S.CPU_EXIT_HLT;
  let n: u64 = 0;
  let exit = S.CPU_EXIT_NONE;
  while (n < budget) {
    const left = budget - n;
    const r = runSlice(cpu, left < SLICE ? left : SLICE);
    n += r & 0xFFFF_FFFF;
    exit = <i32>(r >> 32);
    if (exit != S.CPU_EXIT_NONE) break;
  }
  store<u64>(cpu, load<u64>(cpu, S.CPU_OFF_ICOUNT) + n, S.CPU_OFF_ICOUNT);
  store<i32>(cpu, exit, S.CPU_OFF_EXIT_REASON);
  return exit;
}

/** Instructions per runSlice call at most. V8 cannot replace a running call with its optimized
 *  code, so the loop lives in a function that returns often: its first calls run in the baseline
 *  tier only until the optimized code is ready, however large the caller's budget. */
const SLICE: u64 = 65536;

/** The run loop for at most `budget` instructions: returns exit << 32 | instructions retired. */
function runSlice(cpu: usize, budget: u64): u64 {
  let n: u64 = 0;
  let exit = S.CPU_EXIT_NONE;
  let prev: usize = 0;  // the block that just ran to its end (for links)
  let prevRip: u64 = 0; // the RIP it was entered at
  while (n < budget) {
    if (atomic.load<i32>(cpu, S.CPU_OFF_REQUEST) != 0) { exit = S.CPU_EXIT_REQUEST; break; }
    const rip = load<u64>(cpu, S.CPU_OFF_RIP);
    const rm = ripMaskOf(load<i32>(cpu, S.CPU_OFF_MODE));
    let blk: usize = prev != 0 ? blockLinked(cpu, prev, rip) : 0;
    let p: usize = 0;
    if (blk == 0) {
      const mode = load<i32>(cpu, S.CPU_OFF_MODE);
      const lin = codeLinear(cpu, rip);
      // Fetch: execute-TLB hit inline, else a walk (which may fault).
      const te = cpu + S.CPU_OFF_TLB + (<usize>((lin >> 12) & (S.TLB_ENTRIES - 1)) << 5);
      if (load<u64>(te, S.TLB_TAG_X) == ((lin & ~<u64>0xFFF) | load<u64>(cpu, S.CPU_OFF_TLB_USER))) {
        p = <usize>(lin + load<u64>(te, S.TLB_ADDEND));
      } else {
        p = fetchHost(cpu, lin);
      }
      if (p != 0) {
        blk = blockFor(cpu, lin, p, mode, rip);
        if (blk != 0 && ((rip + <u64>load<u16>(blk, B_BYTES) - 1) & ~rm) != 0) blk = 0; // IP would wrap inside
        if (blk != 0 && prev != 0) blockLink(prev, prevRip, rm, blk, rip);
      }
    }
    prev = 0;
    let fault: i32;
    let insnRip = rip; // the instruction that ran last or faulted
    let ip: usize = p; // host address of its bytes
    if (blk != 0) {
      const host = <usize>load<u32>(blk, B_HOST);
      store<u64>(cpu, <u64>host - 7, S.CPU_OFF_SMC_LO);
      store<u64>(cpu, <u64>load<u16>(blk, B_BYTES) + 7, S.CPU_OFF_SMC_LEN);
      const count = <u64>load<u16>(blk, B_COUNT);
      let cnt = count;
      if (budget - n < cnt) cnt = budget - n;
      if (load<i32>(cpu, S.CPU_OFF_INT_SHADOW) != 0) cnt = 1;
      const first = <usize>load<u32>(blk, B_RECS);
      const last = first + <usize>(cnt - 1) * D.DECODED_SIZE;
      let d = first;
      while (true) {
        if (d == last) { // the last instruction sees RIP and INSN_RIP as if it ran alone
          const r = (rip + <u64>load<u16>(d, D.D_BOFF)) & rm;
          store<u64>(cpu, r, S.CPU_OFF_INSN_RIP);
          store<u64>(cpu, (r + <u64>load<u8>(d, D.D_LEN)) & rm, S.CPU_OFF_RIP);
        }
        const f = load<u8>(d, D.D_FAST);
        if (f == 0 || !runFast(cpu, d, f)) call_indirect<void>(load<u32>(d, D.D_FN), cpu, d);
        fault = load<i32>(cpu, S.CPU_OFF_FAULT);
        if (fault != 0 || d == last) break;
        d += D.DECODED_SIZE;
      }
      const boff = <usize>load<u16>(d, D.D_BOFF);
      insnRip = (rip + <u64>boff) & rm;
      ip = host + boff;
      if (d != last) { // stopped early: name the faulting instruction, RIP past it (retired or not)
        store<u64>(cpu, insnRip, S.CPU_OFF_INSN_RIP);
        store<u64>(cpu, (insnRip + <u64>load<u8>(d, D.D_LEN)) & rm, S.CPU_OFF_RIP);
      } else if (fault == 0 && cnt == count) {
        if (load<u32>(blk, B_BUMP) != 0) bumpCodeEpoch(cpu); // after a system instruction
        prev = blk;
        prevRip = rip;
      }
      store<u64>(cpu, 0, S.CPU_OFF_SMC_LEN);
      n += <u64>((d - first) / D.DECODED_SIZE); // the instructions before d retired
    } else {
      store<u64>(cpu, rip, S.CPU_OFF_INSN_RIP);
      if (p != 0) {
        p = fetchPtr(cpu, codeLinear(cpu, rip)); // a run of bytes across the page end, if needed
        ip = p;
        if (p != 0) {
          const d = cpu + S.CPU_OFF_DECODED;
          const len = decode(cpu, p, load<i32>(cpu, S.CPU_OFF_FETCH_VALID), d);
          if (len > 0) {
            store<u64>(cpu, (rip + <u64>len) & rm, S.CPU_OFF_RIP);
            dispatch(cpu, d, <i32>load<u16>(d, D.D_ID));
          } else if (len < 0) {
            fetchFault(cpu);
          }
        }
      }
      bumpCodeEpoch(cpu); // whatever it was, it ran outside the block cache
      fault = load<i32>(cpu, S.CPU_OFF_FAULT);
    }
    if (fault != 0) {
      store<i32>(cpu, 0, S.CPU_OFF_FAULT);
      const f = fault & ~S.FAULT_SMC;
      if (f == S.FAULT_EXIT_AFTER) { n++; exit = load<i32>(cpu, S.CPU_OFF_EXIT_REASON); break; }
      if (f != 0) {
        store<u64>(cpu, insnRip, S.CPU_OFF_RIP);
        if (f == S.FAULT_EXIT) {
          exit = load<i32>(cpu, S.CPU_OFF_EXIT_REASON);
          if (exit == S.CPU_EXIT_INTERNAL_ERROR) copyExitInsn(cpu, ip);
          break;
        }
        // An exception: deliver it through the IDT, or hand it to the VMM (test harness).
        if (load<i32>(cpu, S.CPU_OFF_EXC_EXIT)) {
          store<i32>(cpu, load<i32>(cpu, S.CPU_OFF_EXC_VECTOR), S.CPU_OFF_EXIT_INFO);
          store<u64>(cpu, <u64><i64>load<i32>(cpu, S.CPU_OFF_EXC_ERROR), S.CPU_OFF_EXIT_DATA);
          exit = S.CPU_EXIT_EXCEPTION;
          break;
        }
        exit = deliverException(cpu);
        bumpCodeEpoch(cpu);
        if (exit != S.CPU_EXIT_NONE) break;
        continue;
      }
      // FAULT_SMC alone: the instruction retired, the block ends here.
    }
    n++;
    if (load<i32>(cpu, S.CPU_OFF_INT_SHADOW) != 0) {
      // STI / MOV SS shadow: covers exactly the next instruction; then look for interrupts.
      if (load<u64>(cpu, S.CPU_OFF_INSN_RIP) != load<u64>(cpu, S.CPU_OFF_SHADOW_RIP)) {
        store<i32>(cpu, 0, S.CPU_OFF_INT_SHADOW);
        exit = checkInterrupts(cpu);
        bumpCodeEpoch(cpu);
        if (exit != S.CPU_EXIT_NONE) break;
      }
    }
  }
  return (<u64><u32>exit << 32) | n;
}

/** Linear address of the code at rip. */
@inline function codeLinear(cpu: usize, rip: u64): u64 {
  return (load<u64>(cpu, S.CPU_OFF_SEGBASE + (<usize>S.SEG_CS << 3)) + rip) & load<u64>(cpu, S.CPU_OFF_LINMASK);
}
