// cpu/ops/x87env.ts — x87 environment and state images (SDM vol. 2: FNSTENV, FLDENV, FNSAVE,
// FRSTOR; vol. 1 8.1.10, figures 8-9 to 8-12). Four layouts by operand size and mode:
//   32-bit protected (28 bytes): dwords FCW, FSW, FTW, FIP, FCS | FOP << 16, FDP, FDS (the unused
//     upper halves of the first three and of FDS are stored as FFFFh);
//   16-bit protected (14 bytes): words FCW, FSW, FTW, FIP, FCS, FDP, FDS;
//   32-bit real/virtual-8086 (28 bytes): FCW, FSW, FTW, FIP[15:0], FIP[31:16] << 12 | FOP,
//     FDP[15:0], FDP[31:16] << 12 (pointers are linear addresses: selector * 16 + offset);
//   16-bit real: the same in words, with only bits 19:16 of the pointers above FOP / below FDP.
// FNSAVE/FRSTOR add ST0..ST7 (10 bytes each, stack order) after the environment; FNSAVE then
// initialises the FPU as FNINIT does. FNSTENV masks all exceptions after storing. The stored tag
// word is the full one (00 valid, 01 zero, 10 special, 11 empty) derived from the abridged tags
// and the register contents; loading keeps only "empty or not" (SDM 10.5.1.1).
// Invariant: both ends of the image are probed before anything is read into or written from the
// state, so a #PF leaves the FPU untouched.
import * as S from '../state';
import { aborted } from '../except';
import { readMem, writeMem, probeWrite } from '../mmu';
import { linear } from '../operand';
import { FX_FCW, FX_FSW, FX_FTW, FX_FOP, FX_FIP, FX_FDP } from './ssebase';
import { FX_FCS, FX_FDS, x87Enter, x87EnterNoWait, commitSw, setSw, sw, st, moveTop } from './x87stack';
import { linPlus } from './x87mem';

@inline function realMode(cpu: usize): bool {
  const m = load<i32>(cpu, S.CPU_OFF_MODE);
  return m == S.MODE_REAL || m == S.MODE_VM86;
}

/** The full tag word: two bits per physical register from its abridged tag and contents. */
function fullTags(p: usize): u32 {
  const ftw = <u32>load<u8>(p, FX_FTW);
  const t = (sw(p) >> 11) & 7;
  let tags: u32 = 0;
  for (let j: u32 = 0; j < 8; j++) {
    let tag: u32 = 3;
    if ((ftw >> j) & 1) {
      const r = st(p, (j - t) & 7);
      const e = <u32>load<u16>(r, 8) & 0x7FFF;
      const sig = load<u64>(r);
      if (e == 0x7FFF) tag = 2;
      else if (e == 0) tag = sig == 0 ? 1 : 2;
      else tag = sig >> 63 ? 0 : 2;
    }
    tags |= tag << (j * 2);
  }
  return tags;
}

@inline function w16(cpu: usize, lin: u64, k: u64, v: u32): void { writeMem<u16>(cpu, linPlus(cpu, lin, k), <u16>v); }
@inline function w32(cpu: usize, lin: u64, k: u64, v: u32): void { writeMem<u32>(cpu, linPlus(cpu, lin, k), v); }
@inline function r16(cpu: usize, lin: u64, k: u64): u32 { return <u32>readMem<u16>(cpu, linPlus(cpu, lin, k)); }
@inline function r32(cpu: usize, lin: u64, k: u64): u32 { return readMem<u32>(cpu, linPlus(cpu, lin, k)); }

/** Stores the environment at lin (probed writable); returns its size (14 or 28). */
function storeEnv(cpu: usize, p: usize, lin: u64, small: bool): u64 {
  const fcw = <u32>load<u16>(p, FX_FCW), fsw = <u32>load<u16>(p, FX_FSW), ftw = fullTags(p);
  const fip = <u32>load<u64>(p, FX_FIP), fdp = <u32>load<u64>(p, FX_FDP), fop = <u32>load<u16>(p, FX_FOP) & 0x7FF;
  const fcs = <u32>load<u16>(p, FX_FCS), fds = <u32>load<u16>(p, FX_FDS);
  if (realMode(cpu)) {
    const ip = (fcs << 4) + fip, dp = (fds << 4) + fdp;
    if (small) {
      w16(cpu, lin, 0, fcw); w16(cpu, lin, 2, fsw); w16(cpu, lin, 4, ftw); w16(cpu, lin, 6, ip);
      w16(cpu, lin, 8, ((ip >> 4) & 0xF000) | fop); w16(cpu, lin, 10, dp); w16(cpu, lin, 12, (dp >> 4) & 0xF000);
      return 14;
    }
    w32(cpu, lin, 0, 0xFFFF0000 | fcw); w32(cpu, lin, 4, 0xFFFF0000 | fsw); w32(cpu, lin, 8, 0xFFFF0000 | ftw);
    w32(cpu, lin, 12, 0xFFFF0000 | (ip & 0xFFFF)); w32(cpu, lin, 16, ((ip >> 4) & 0x0FFFF000) | fop);
    w32(cpu, lin, 20, 0xFFFF0000 | (dp & 0xFFFF)); w32(cpu, lin, 24, (dp >> 4) & 0x0FFFF000);
    return 28;
  }
  if (small) {
    w16(cpu, lin, 0, fcw); w16(cpu, lin, 2, fsw); w16(cpu, lin, 4, ftw); w16(cpu, lin, 6, fip);
    w16(cpu, lin, 8, fcs); w16(cpu, lin, 10, fdp); w16(cpu, lin, 12, fds);
    return 14;
  }
  w32(cpu, lin, 0, 0xFFFF0000 | fcw); w32(cpu, lin, 4, 0xFFFF0000 | fsw); w32(cpu, lin, 8, 0xFFFF0000 | ftw);
  w32(cpu, lin, 12, fip); w32(cpu, lin, 16, fcs | (fop << 16)); w32(cpu, lin, 20, fdp);
  w32(cpu, lin, 24, 0xFFFF0000 | fds);
  return 28;
}

/** Loads the environment from lin (probed readable); returns its size. */
function loadEnv(cpu: usize, p: usize, lin: u64, small: bool): u64 {
  let fcw: u32, fsw: u32, ftw: u32, fip: u32, fop: u32, fdp: u32, fcs: u32 = 0, fds: u32 = 0;
  const k: u64 = small ? 2 : 4;
  fcw = r16(cpu, lin, 0); fsw = r16(cpu, lin, k); ftw = r16(cpu, lin, 2 * k);
  if (realMode(cpu)) {
    const hiIp = small ? r16(cpu, lin, 8) : r32(cpu, lin, 16);
    const hiDp = small ? r16(cpu, lin, 12) : r32(cpu, lin, 24);
    fop = hiIp & 0x7FF;
    fip = r16(cpu, lin, 3 * k) | ((hiIp & (small ? 0xF000 : 0x0FFFF000)) << 4);
    fdp = r16(cpu, lin, 5 * k) | ((hiDp & (small ? 0xF000 : 0x0FFFF000)) << 4);
  } else if (small) {
    fip = r16(cpu, lin, 6); fcs = r16(cpu, lin, 8); fdp = r16(cpu, lin, 10); fds = r16(cpu, lin, 12); fop = 0;
  } else {
    fip = r32(cpu, lin, 12); const w = r32(cpu, lin, 16); fcs = w & 0xFFFF; fop = (w >> 16) & 0x7FF;
    fdp = r32(cpu, lin, 20); fds = r16(cpu, lin, 24);
  }
  if (aborted(cpu)) return 0;
  let abridged: u32 = 0;
  for (let j: u32 = 0; j < 8; j++) if (((ftw >> (j * 2)) & 3) != 3) abridged |= 1 << j;
  store<u16>(p, <u16>((fcw & 0x1F7F) | 0x40), FX_FCW);
  store<u8>(p, <u8>abridged, FX_FTW);
  store<u16>(p, <u16>fop, FX_FOP);
  store<u64>(p, <u64>fip, FX_FIP);
  store<u64>(p, <u64>fdp, FX_FDP);
  store<u16>(p, <u16>fcs, FX_FCS);
  store<u16>(p, <u16>fds, FX_FDS);
  moveTop(p, (sw(p) >> 11) & 7, (fsw >> 11) & 7);
  setSw(p, fsw);
  store<u16>(p, 0, FX_FSW);
  commitSw(p); // FSW as loaded, ES/B recomputed
  return small ? 14 : 28;
}

/** Probes that `n` bytes at lin can be read (both ends; images are far smaller than a page). */
@inline function probeRead(cpu: usize, lin: u64, n: u64): bool {
  readMem<u8>(cpu, lin); if (aborted(cpu)) return false;
  readMem<u8>(cpu, linPlus(cpu, lin, n - 1));
  return !aborted(cpu);
}

/** FNSTENV m14/28byte: store the environment, then mask all exceptions. */
export function x87_fnstenv<T>(cpu: usize, d: usize): void {
  const p = x87EnterNoWait(cpu); if (!p) return;
  const small = sizeof<T>() == 2;
  const lin = linear(cpu, d);
  if (!probeWrite(cpu, lin, small ? 14 : 28)) return;
  storeEnv(cpu, p, lin, small);
  if (aborted(cpu)) return;
  store<u16>(p, load<u16>(p, FX_FCW) | 0x3F, FX_FCW);
  commitSw(p);
}

/** FLDENV m14/28byte. */
export function x87_fldenv<T>(cpu: usize, d: usize): void {
  const p = x87Enter(cpu); if (!p) return;
  const small = sizeof<T>() == 2;
  const lin = linear(cpu, d);
  if (!probeRead(cpu, lin, small ? 14 : 28)) return;
  loadEnv(cpu, p, lin, small);
}

/** FNSAVE m94/108byte: environment and registers, then FNINIT. */
export function x87_fnsave<T>(cpu: usize, d: usize): void {
  const p = x87EnterNoWait(cpu); if (!p) return;
  const small = sizeof<T>() == 2;
  const lin = linear(cpu, d);
  if (!probeWrite(cpu, lin, small ? 94 : 108)) return;
  const base = storeEnv(cpu, p, lin, small);
  for (let i: u32 = 0; i < 8; i++) {
    const off = base + <u64>(i * 10);
    writeMem<u64>(cpu, linPlus(cpu, lin, off), load<u64>(st(p, i)));
    w16(cpu, lin, off + 8, <u32>load<u16>(st(p, i), 8));
  }
  if (aborted(cpu)) return;
  moveTop(p, (sw(p) >> 11) & 7, 0);
  store<u16>(p, 0x037F, FX_FCW);
  store<u16>(p, 0, FX_FSW);
  store<u8>(p, 0, FX_FTW);
  store<u16>(p, 0, FX_FOP);
  store<u64>(p, 0, FX_FIP);
  store<u64>(p, 0, FX_FDP);
  store<u16>(p, 0, FX_FCS);
  store<u16>(p, 0, FX_FDS);
}

/** FRSTOR m94/108byte. */
export function x87_frstor<T>(cpu: usize, d: usize): void {
  const p = x87Enter(cpu); if (!p) return;
  const small = sizeof<T>() == 2;
  const lin = linear(cpu, d);
  if (!probeRead(cpu, lin, small ? 94 : 108)) return;
  const base = loadEnv(cpu, p, lin, small);
  if (base == 0) return;
  // After the probes the reads cannot fault (only an MMIO source could stop them, as in FXRSTOR).
  for (let i: u32 = 0; i < 8; i++) {
    const off = base + <u64>(i * 10);
    store<u64>(st(p, i), readMem<u64>(cpu, linPlus(cpu, lin, off)));
    store<u64>(st(p, i), <u64>r16(cpu, lin, off + 8), 8);
  }
}
