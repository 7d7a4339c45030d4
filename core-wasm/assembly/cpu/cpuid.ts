// cpu/cpuid.ts — the CPUID table (SDM vol. 2 CPUID; AMD APM vol. 3 for 0x8000_00xx). It
// advertises what the interpreter implements, plus the hypervisor bit.
import * as S from './state';

// Leaf 1 EDX: FPU TSC MSR PAE CX8 APIC SEP PGE CMOV PAT PSE CLFSH FXSR SSE SSE2 (and DE PSE VME? no)
const L1_EDX: u32 = (1 << 0) | (1 << 3) | (1 << 4) | (1 << 5) | (1 << 6) | (1 << 8) | (1 << 9) | (1 << 11) |
  (1 << 13) | (1 << 15) | (1 << 16) | (1 << 19) | (1 << 24) | (1 << 25) | (1 << 26);
// Leaf 1 ECX: CX16 (13), MOVBE (22), POPCNT (23), hypervisor (31); SSE3 (0), SSSE3 (9), SSE4.1 (19),
// SSE4.2 (20) from cpu/ops/sse*.ts.
const L1_ECX: u32 = (1 << 13) | (1 << 22) | (1 << 23) | (1 << 31) | (1 << 0) | (1 << 9) | (1 << 19) | (1 << 20);
// 0x8000_0001 EDX: SYSCALL (11), NX (20), RDTSCP (27), LM (29); ECX: LAHF (0), ABM/LZCNT (5)
const E1_EDX: u32 = (1 << 11) | (1 << 20) | (1 << 27) | (1 << 29);
const E1_ECX: u32 = (1 << 0) | (1 << 5);
// Leaf 7.0 EBX: TSC_ADJUST (1), BMI1/TZCNT (3), ERMS (9); EDX: FSRM (4), IA32_ARCH_CAPABILITIES (29).
// ERMS and FSRM: REP MOVSB/STOSB are fast for any length (cpu/ops/stringfast.ts), so Linux copies
// with them (memcpy, copy_user) instead of its unrolled MOV loops.
const L7_EBX: u32 = (1 << 1) | (1 << 3) | (1 << 9);
const L7_EDX: u32 = (1 << 4) | (1 << 29);

export function cpuid(cpu: usize, leaf: u32, sub: u32): void {
  let a: u32 = 0; let b: u32 = 0; let c: u32 = 0; let d: u32 = 0;
  if (leaf == 0) { a = 7; b = 0x756E_6547; d = 0x4965_6E69; c = 0x6C65_746E; }           // "GenuineIntel"
  else if (leaf == 1) { a = 0x0006_06A6; b = 0x0001_0800 | (load<u32>(cpu, S.CPU_OFF_VCPU_INDEX) << 24); c = L1_ECX; d = L1_EDX; }
  else if (leaf == 7 && sub == 0) { b = L7_EBX; d = L7_EDX; }
  else if (leaf == 0x4000_0000) { a = 0x4000_0000; b = 0x7473_6177; c = 0x7472_6976; d = 0x0000_7375; } // "wasmvirtus"
  else if (leaf == 0x8000_0000) { a = 0x8000_0008; }
  else if (leaf == 0x8000_0001) { c = E1_ECX; d = E1_EDX; }
  else if (leaf >= 0x8000_0002 && leaf <= 0x8000_0004) {
    // brand string "wasmvirt x86-64 interpreter" padded with spaces
    const i = leaf - 0x8000_0002;
    if (i == 0) { a = 0x6D73_6177; b = 0x7472_6976; c = 0x3638_7820; d = 0x2034_362D; }
    else if (i == 1) { a = 0x6574_6E69; b = 0x6572_7072; c = 0x2072_6574; d = 0x2020_2020; }
    else { a = 0x2020_2020; b = 0x2020_2020; c = 0x2020_2020; d = 0x0020_2020; }
  }
  else if (leaf == 0x8000_0007) { d = (1 << 8); }                                         // invariant TSC (host-clock based)
  else if (leaf == 0x8000_0008) { a = 0x0000_3028; }                                      // 40-bit physical, 48-bit linear
  store<u64>(cpu, <u64>a, S.CPU_OFF_RAX);
  store<u64>(cpu, <u64>b, S.CPU_OFF_RBX);
  store<u64>(cpu, <u64>c, S.CPU_OFF_RCX);
  store<u64>(cpu, <u64>d, S.CPU_OFF_RDX);
}
