// cpu/walk.ts — the guest page walk: linear -> guest-physical (SDM vol. 3A ch. 4: 32-bit paging
// 4.3, PAE 4.4, 4-level 4.5; permissions 4.6; accessed/dirty 4.8; #PF error code 4.7).
// Every paging-structure access goes through eptTranslate (the 2-D walk). Accessed bits are set on
// every entry of a successful walk, the dirty bit on the leaf for writes (atomically, as the
// hardware does). Returns the gpa (>= 0), or -1 after raising #PF (CR2 set) or an exit.
import * as S from './state';
import { raise, internalError, exitBefore } from './except';
import { eptTranslate } from './hvlink';
import { noteWrite } from './codemap';

export const ACC_R: i32 = 1;
export const ACC_W: i32 = 2;
export const ACC_X: i32 = 4;

const PTE_P: u64 = 1; const PTE_RW: u64 = 2; const PTE_US: u64 = 4; const PTE_A: u64 = 0x20;
const PTE_D: u64 = 0x40; const PTE_PS: u64 = 0x80; const PTE_XD: u64 = <u64>1 << 63;
const ADDR_MASK: u64 = 0x000F_FFFF_FFFF_F000;

const PF_P: i32 = 1; const PF_W: i32 = 2; const PF_U: i32 = 4; const PF_RSVD: i32 = 8; const PF_I: i32 = 16;

function pageFault(cpu: usize, lin: u64, err: i32): i64 {
  store<u64>(cpu, lin, S.CPU_OFF_CR2);
  raise(cpu, S.EXC_PF, err);
  return -1;
}

/** Host address of the paging-structure entry at gpa, or 0 after an exit (MMIO/OOM). */
function entryHost(cpu: usize, gpa: u64): usize {
  const h = eptTranslate(load<usize>(cpu, S.CPU_OFF_VM), gpa, ACC_R | ACC_W);
  if (h >= 0) return <usize>h;
  if (h == -2) store<i32>(cpu, S.INTERNAL_HOST_OOM, S.CPU_OFF_EXIT_INFO);
  else store<i32>(cpu, S.INTERNAL_UNSUPPORTED, S.CPU_OFF_EXIT_INFO); // page tables in MMIO/ROM
  store<u64>(cpu, gpa, S.CPU_OFF_EXIT_ADDR);
  exitBefore(cpu, S.CPU_EXIT_INTERNAL_ERROR);
  return 0;
}

/** Translates lin for `access` (ACC_*) at privilege `user`. */
export function walk(cpu: usize, lin: u64, access: i32, user: bool): i64 {
  const cr4 = load<u64>(cpu, S.CPU_OFF_CR4);
  const efer = load<u64>(cpu, S.CPU_OFF_EFER);
  const nxe = (efer & 0x800) != 0;
  const err0: i32 = (access == ACC_W ? PF_W : 0) | (user ? PF_U : 0) | (access == ACC_X && nxe ? PF_I : 0);
  const scratch = cpu + S.CPU_OFF_WALK; // host addresses of the entries used (A/D bits live in their low word)
  let n = 0;
  let rw: u64 = PTE_RW; let us: u64 = PTE_US; let xd: u64 = 0;
  let gpa: u64 = 0;
  let leaf: usize = 0;
  const rsvdXD: u64 = nxe ? 0 : PTE_XD;
  if ((efer & 0x400) != 0 || (cr4 & 0x20) != 0) { // LMA (4-level) or PAE
    let table: u64; let level: i32;
    if (efer & 0x400) { table = load<u64>(cpu, S.CPU_OFF_CR3) & ADDR_MASK; level = 4; }
    else {
      const pdpte_gpa = (load<u64>(cpu, S.CPU_OFF_CR3) & 0xFFFF_FFE0) + ((lin >> 30) & 3) * 8;
      const h = entryHost(cpu, pdpte_gpa); if (h == 0) return -1;
      const e = load<u64>(h);
      if (!(e & PTE_P)) return pageFault(cpu, lin, err0);
      table = e & ADDR_MASK; level = 2;
    }
    while (true) {
      const shift = <u64>(12 + 9 * (level - 1));
      const h = entryHost(cpu, table + ((lin >> shift) & 511) * 8); if (h == 0) return -1;
      const e = load<u64>(h);
      if (!(e & PTE_P)) return pageFault(cpu, lin, err0);
      if (e & rsvdXD) return pageFault(cpu, lin, err0 | PF_P | PF_RSVD);
      store<usize>(scratch + (<usize>n << 2), h); n++;
      rw &= e; us &= e; xd |= e & PTE_XD;
      if (level == 1 || ((e & PTE_PS) && (level == 2 || level == 3))) {
        if (level == 4) return pageFault(cpu, lin, err0 | PF_P | PF_RSVD);
        const size: u64 = <u64>1 << shift;
        gpa = (e & ADDR_MASK & ~(size - 1)) | (lin & (size - 1));
        leaf = h;
        break;
      }
      table = e & ADDR_MASK; level--;
    }
  } else { // 32-bit paging
    const h1 = entryHost(cpu, (load<u64>(cpu, S.CPU_OFF_CR3) & 0xFFFF_F000) + ((lin >> 22) & 1023) * 4); if (h1 == 0) return -1;
    const e1 = <u64>load<u32>(h1);
    if (!(e1 & PTE_P)) return pageFault(cpu, lin, err0);
    store<usize>(scratch, h1); n = 1;
    rw &= e1; us &= e1;
    if ((e1 & PTE_PS) && (cr4 & 0x10)) {
      gpa = (e1 & 0xFFC0_0000) | ((e1 & 0x001F_E000) << 19) | (lin & 0x3F_FFFF);
      leaf = h1;
    } else {
      const h2 = entryHost(cpu, (e1 & 0xFFFF_F000) + ((lin >> 12) & 1023) * 4); if (h2 == 0) return -1;
      const e2 = <u64>load<u32>(h2);
      if (!(e2 & PTE_P)) return pageFault(cpu, lin, err0);
      store<usize>(scratch + 4, h2); n = 2;
      rw &= e2; us &= e2;
      gpa = (e2 & 0xFFFF_F000) | (lin & 0xFFF);
      leaf = h2;
    }
  }
  // Permissions (SDM 4.6): user needs U/S on every level; writes need R/W on every level unless
  // supervisor with CR0.WP = 0; fetches fault on XD when EFER.NXE.
  const wp = (load<u64>(cpu, S.CPU_OFF_CR0) & 0x1_0000) != 0;
  if (user && us == 0) return pageFault(cpu, lin, err0 | PF_P);
  if (access == ACC_W && rw == 0 && (user || wp)) return pageFault(cpu, lin, err0 | PF_P);
  if (access == ACC_X && nxe && xd != 0) return pageFault(cpu, lin, err0 | PF_P);
  for (let i = 0; i < n; i++) {
    const h = load<usize>(scratch + (<usize>i << 2));
    const bits: u32 = <u32>PTE_A | (h == leaf && access == ACC_W ? <u32>PTE_D : 0);
    if ((load<u32>(h) & bits) != bits) { atomic.or<u32>(h, bits); noteWrite(cpu, <u64>h); }
  }
  return <i64>gpa;
}
