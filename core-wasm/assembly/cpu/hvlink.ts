// cpu/hvlink.ts — the functions the CPU needs from the hypervisor (core-contract.md): EPT
// translation and generation, pool frames (the decode cache), the interrupt controller, the TSC and the APIC MSRs. One file, so
// the rest of cpu/ has a single place where it meets hv/.
export { eptTranslate, eptGeneration } from '../hv/ept';
export { frameAllocContiguous, FRAME_SHIFT } from '../hv/pool';
export { vmPool, vmStopForOom, VM_OOM_NO_GPA } from '../hv/vm';
export {
  irqPending, irqAcknowledge, nmiPending, nmiAcknowledge, tscRead, tscWrite, tscAdjustRead, tscAdjustWrite, apicBaseRead, apicBaseWrite,
  apicMsrRead, apicMsrWrite,
} from '../hv/irq';
