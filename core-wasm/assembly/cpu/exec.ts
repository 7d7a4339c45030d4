// cpu/exec.ts — the interpreter loop (ARCHITECTURE.md "The CPU"): fetch through the execute TLB,
// decode, advance RIP, dispatch, then handle what the instruction raised (FAULT): exceptions are
// delivered (RIP back at the faulting instruction), exits return to the hypervisor, either before
// retiring (IO/MMIO reads, re-executed after cpu_complete_io) or after (writes, HLT).
// Invariant: between instructions FAULT == 0; CPU_OFF_ICOUNT counts retired instructions.
import * as S from './state';
import * as D from './decoded';
import { decode } from './decode';
import { dispatch } from './gen/dispatch';
import { fetchPtr, fetchFault, tlbCheckGeneration } from './mmu';
import { ripMask } from './mode';
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

/** Runs until an exit, the budget or a request; returns CPU_EXIT_*. */
export function execute(cpu: usize, budget: u64): i32 {
  tlbCheckGeneration(cpu);
  store<i32>(cpu, 0, S.CPU_OFF_FAULT);
  store<i32>(cpu, S.CPU_EXIT_NONE, S.CPU_OFF_EXIT_REASON);
  const irq = checkInterrupts(cpu);
  if (irq != S.CPU_EXIT_NONE) { store<i32>(cpu, irq, S.CPU_OFF_EXIT_REASON); return irq; }
  if (load<i32>(cpu, S.CPU_OFF_HALTED)) return S.CPU_EXIT_HLT;
  const scratch = cpu + S.CPU_OFF_DECODED;
  let n: u64 = 0;
  let exit = S.CPU_EXIT_NONE;
  while (n < budget) {
    if (atomic.load<i32>(cpu, S.CPU_OFF_REQUEST) != 0) { exit = S.CPU_EXIT_REQUEST; break; }
    const rip = load<u64>(cpu, S.CPU_OFF_RIP);
    const mode = load<i32>(cpu, S.CPU_OFF_MODE);
    const lin = (load<u64>(cpu, S.CPU_OFF_SEGBASE + (<usize>S.SEG_CS << 3)) + rip) & load<u64>(cpu, S.CPU_OFF_LINMASK);
    store<u64>(cpu, rip, S.CPU_OFF_INSN_RIP);
    // Fetch: execute-TLB hit inline, else the full path (which may copy a page-crossing run).
    const te = cpu + S.CPU_OFF_TLB + (<usize>((lin >> 12) & (S.TLB_ENTRIES - 1)) << 5);
    let p: usize;
    let inPage = (lin & 0xFFF) <= 4080;
    if (load<u64>(te, S.TLB_TAG_X) == ((lin & ~<u64>0xFFF) | load<u64>(cpu, S.CPU_OFF_TLB_USER)) && inPage) {
      p = <usize>(lin + load<u64>(te, S.TLB_ADDEND));
    } else {
      p = fetchPtr(cpu, lin);
      inPage = inPage && p != cpu + S.CPU_OFF_FETCHBUF;
    }
    let d = scratch;
    if (p != 0) {
      let len: i32;
      if (inPage) {
        // Decoded-instruction cache: valid while the code bytes are unchanged.
        const e = cpu + S.CPU_OFF_DCACHE + <usize>(((lin ^ (lin >> 11)) & (S.DC_ENTRIES - 1)) * S.DC_ENTRY_SIZE);
        d = e + S.DC_DECODED;
        const b0 = load<u64>(p); const b1 = load<u64>(p, 8);
        if (load<u64>(e, S.DC_TAG) == lin && load<i32>(e, S.DC_MODE) == mode &&
            load<u64>(e, S.DC_BYTES) == b0 && load<u64>(e, S.DC_BYTES + 8) == b1) {
          len = <i32>load<u8>(d, D.D_LEN);
        } else {
          len = decode(cpu, p, 15, d);
          store<u64>(e, lin, S.DC_TAG);
          store<i32>(e, len > 0 ? mode : -1, S.DC_MODE);
          store<u64>(e, b0, S.DC_BYTES);
          store<u64>(e, b1, S.DC_BYTES + 8);
        }
      } else {
        len = decode(cpu, p, load<i32>(cpu, S.CPU_OFF_FETCH_VALID), d);
      }
      if (len > 0) {
        store<u64>(cpu, (rip + <u64>len) & ripMask(cpu), S.CPU_OFF_RIP);
        dispatch(cpu, d, <i32>load<u16>(d, D.D_ID));
      } else if (len < 0) {
        fetchFault(cpu);
      }
    }
    const fault = load<i32>(cpu, S.CPU_OFF_FAULT);
    if (fault == 0) {
      n++;
      if (load<i32>(cpu, S.CPU_OFF_INT_SHADOW) != 0) {
        // STI / MOV SS shadow: covers exactly the next instruction; then look for interrupts.
        if (load<u64>(cpu, S.CPU_OFF_INSN_RIP) != load<u64>(cpu, S.CPU_OFF_SHADOW_RIP)) {
          store<i32>(cpu, 0, S.CPU_OFF_INT_SHADOW);
          exit = checkInterrupts(cpu);
          if (exit != S.CPU_EXIT_NONE) break;
        }
      }
      continue;
    }
    store<i32>(cpu, 0, S.CPU_OFF_FAULT);
    if (fault == S.FAULT_EXIT_AFTER) { n++; exit = load<i32>(cpu, S.CPU_OFF_EXIT_REASON); break; }
    store<u64>(cpu, rip, S.CPU_OFF_RIP);
    if (fault == S.FAULT_EXIT) {
      exit = load<i32>(cpu, S.CPU_OFF_EXIT_REASON);
      if (exit == S.CPU_EXIT_INTERNAL_ERROR) memory.copy(cpu + S.CPU_OFF_EXIT_INSN, p != 0 ? p : cpu + S.CPU_OFF_ZERO, p != 0 ? 15 : 8);
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
    if (exit != S.CPU_EXIT_NONE) break;
  }
  store<u64>(cpu, load<u64>(cpu, S.CPU_OFF_ICOUNT) + n, S.CPU_OFF_ICOUNT);
  store<i32>(cpu, exit, S.CPU_OFF_EXIT_REASON);
  return exit;
}
