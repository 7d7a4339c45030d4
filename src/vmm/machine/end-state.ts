// How a VM ends. Every way out of the run loop is one distinct, typed end state, so a runner
// can turn it into an exit status and a message (QEMU: isa-debug-exit status, -no-reboot,
// ACPI S5, triple fault; KVM: KVM_EXIT_SHUTDOWN / KVM_EXIT_INTERNAL_ERROR).

export type ResetSource =
  | 'cf9'           // Reset Control Register at 0xCF9 (also the FADT reset register)
  | 'i8042'         // keyboard controller pulse-reset command 0xFE to port 0x64
  | 'port92'        // System Control Port A fast reset (bit 0)
  | 'triple-fault'; // the CPU shut down (KVM_EXIT_SHUTDOWN)

export type VmEndState =
  /** The guest wrote `value` to isa-debug-exit; the process exit status is (value << 1) | 1. */
  | { kind: 'debug-exit'; value: number; status: number }
  /** ACPI S5 (SLP_TYP=S5 with SLP_EN written to PM1a control): a clean power-off. */
  | { kind: 'poweroff' }
  /** A reset request; with the "no reboot" policy the VM ends here. */
  | { kind: 'reset'; source: ResetSource }
  /** The vCPU halted with interrupts disabled and nothing can wake it (e.g. Linux's halt without ACPI). */
  | { kind: 'halted' }
  /** The core could not go on (KVM_EXIT_INTERNAL_ERROR) or the VMM failed; `reason` explains. */
  | { kind: 'crash'; reason: string }
  /** Stopped from outside (virsh destroy / Ctrl-] with destroy). */
  | { kind: 'destroyed' };

/** Exit status a runner should use for an end state (QEMU conventions where there are any). */
export function exitStatusOf(s: VmEndState): number {
  switch (s.kind) {
    case 'debug-exit': return s.status & 0xff;
    case 'poweroff': return 0;
    case 'reset': return 0;
    case 'halted': return 0;
    case 'destroyed': return 0;
    case 'crash': return 2;
  }
}

export function describeEndState(s: VmEndState): string {
  switch (s.kind) {
    case 'debug-exit': return `isa-debug-exit: guest wrote 0x${s.value.toString(16)}, exit status ${s.status}`;
    case 'poweroff': return 'powered off (ACPI S5)';
    case 'reset': return `reset requested (${s.source})`;
    case 'halted': return 'halted with interrupts disabled';
    case 'crash': return `crashed: ${s.reason}`;
    case 'destroyed': return 'destroyed';
  }
}

/** A device reports the end of the VM through this. */
export type EndVm = (state: VmEndState) => void;
