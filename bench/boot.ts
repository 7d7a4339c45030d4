// boot.ts — `npm run bench -- boot [tiny|debian]`: how long each guest image takes from the start of
// its VM (machine built, kernel loaded: the fast path's host-side decompression counts) to the line
// WASMVIRT-READY on its serial console, in Node, with the guest instructions it took; and QEMU TCG's
// time for the same image in the same run when qemu-system-x86_64 is installed (else null).
// One line per image: {"bench":"boot","image","seconds","instructions","mips","qemu_tcg_seconds"}.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { compileCore } from '../src/cli/core-file.js';
import { Kvm, coreConst } from '../src/vmm/kvm/index.js';
import { createPcMachine } from '../src/vmm/machine/pc.js';
import { BufferCharBackend } from '../src/vmm/chardev/backend.js';
import { describeEndState } from '../src/vmm/machine/end-state.js';
import { qemuBoot } from '../scripts/images/qemu-boot.js';
import { emit } from './_emit.js';

const IMAGES = new URL('../public/images/', import.meta.url).pathname;
const READY = 'WASMVIRT-READY';
const TIMEOUT_S = 300;

interface Manifest { kernel: { file: string }; initramfs: { file: string }; cmdline: string }

export async function run(args: string[]): Promise<void> {
  const images = args.length ? args : ['tiny', 'debian'];
  const module = await compileCore();
  for (const image of images) {
    const ours = await bootOnce(module, image).catch((e: Error) => ({ error: e.message }));
    const qemu = await qemuBoot(IMAGES, image, 120).then((r) => r.qemu_tcg_seconds, () => null);
    emit({ bench: 'boot', image, ...ours, qemu_tcg_seconds: qemu });
  }
}

async function bootOnce(module: WebAssembly.Module, image: string) {
  const dir = join(IMAGES, image);
  const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
  const kvm = await Kvm.create(module, 1024);
  const vm = kvm.createVm();
  const serial = new BufferCharBackend();
  const t0 = performance.now();
  const machine = await createPcMachine(vm, {
    memory: 256 << 20, vcpus: 1, cmdline: m.cmdline, serial: [serial],
    kernel: new Uint8Array(readFileSync(join(dir, m.kernel.file))), initrd: new Uint8Array(readFileSync(join(dir, m.initramfs.file))),
  });
  const cpu = () => kvm.core.vcpu_cpu((machine.vcpu as unknown as { pointer: number }).pointer) as number;
  const icountOff = coreConst(kvm.core, 'CPU_OFF_ICOUNT');
  const instructions = () => Number(new DataView(kvm.memory.buffer).getBigUint64(cpu() + icountOff, true));
  while (!serial.text().includes(READY)) {
    const end = machine.run({ sliceMs: 100 });
    if (end) throw new Error(`the VM ended before ${READY}: ${describeEndState(end)}`);
    if (performance.now() - t0 > TIMEOUT_S * 1000) throw new Error(`no ${READY} after ${TIMEOUT_S} s`);
  }
  const seconds = (performance.now() - t0) / 1000;
  const n = instructions();
  return { seconds: round(seconds), instructions: n, mips: round(n / seconds / 1e6) };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
