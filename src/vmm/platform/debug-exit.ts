// isa-debug-exit (as QEMU's device, default iobase 0xf4, iosize 4): a write of value v ends the
// VM with exit status (v << 1) | 1, so a test guest can report pass/fail through the process
// status. Reads return all-ones like an unclaimed port.

import type { AccessSize, IoHandler } from '../bus/types.js';
import type { EndVm } from '../machine/end-state.js';

export const DEBUG_EXIT_PORT = 0xf4;
export const DEBUG_EXIT_SIZE = 4;

export class IsaDebugExit implements IoHandler {
  constructor(private readonly end: EndVm) {}
  read(_offset: number, size: AccessSize): number {
    return size === 4 ? 0xffffffff : size === 2 ? 0xffff : 0xff;
  }
  write(_offset: number, _size: AccessSize, value: number): void {
    const v = value >>> 0;
    this.end({ kind: 'debug-exit', value: v, status: ((v << 1) | 1) >>> 0 });
  }
}
