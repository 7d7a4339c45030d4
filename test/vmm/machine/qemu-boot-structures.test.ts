// Our boot structures under a reference VMM: the pc machine builds guest memory (firmware tables,
// e820, hvm_start_info / boot_params, kernel, initrd) into a flat RAM; QEMU (Debian's
// qemu-system-x86) gets that RAM through -device loader and a tiny firmware (qemu-firmware.ts)
// that enters the loader's 32-bit entry state. Linux then boots on OUR ACPI tables, memory map and
// boot parameters to WASMVIRT-READY, and `poweroff -f` goes through our DSDT's \_S5 and FADT; with
// acpi=off it boots on our MP tables; the Multiboot test kernel runs from our Multiboot loader; and
// Linux's port accesses to COM1-4, the RTC and the ACPI PM block, traced under QEMU and replayed on
// our devices, read back the same values.
// Skipped when QEMU or the images are missing.
import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPcMachine } from '../../../src/vmm/machine/pc.js';
import type { MachineVcpu, MachineVm } from '../../../src/vmm/machine/hypervisor.js';
import { FlatGuestRam } from '../../../src/vmm/loader/guest-memory.js';
import { BufferCharBackend } from '../../../src/vmm/chardev/backend.js';
import { MiB } from '../../../src/vmm/machine/layout.js';
import type { BootPath } from '../../../src/vmm/loader/index.js';
import { buildQemuFirmware } from './qemu-firmware.js';
import { buildMultibootTestKernel } from '../../fixtures/multiboot/kernel.js';
import { buildPcDevices } from '../../../src/vmm/machine/devices.js';
import type { BootCpuState } from '../../../src/vmm/loader/boot-state.js';

const QEMU = 'qemu-system-x86_64';
const haveQemu = spawnSync('sh', ['-c', `command -v ${QEMU}`], { stdio: 'ignore' }).status === 0;
const images = fileURLToPath(new URL('../../../public/images/', import.meta.url));
const RAM = 256 * MiB;

class CaptureVm implements MachineVm {
  memory = new FlatGuestRam(RAM);
  setUserMemoryRegion(): void {}
  irqLine(): void {}
  signalMsi(): number { return 0; }
  createVcpu(): MachineVcpu {
    return { run: () => ({ reason: 'shutdown' }), completeIo() {}, completeMmio() {}, waitForEvent: () => false, setRegs() {}, setSregs() {}, stats: () => ({}) };
  }
}

function runQemu(args: string[], seconds: number, onOutput: (recent: string, write: (s: string) => void) => boolean): Promise<{ out: string; status: number | null }> {
  return new Promise((resolve) => {
    const child = spawn('timeout', ['-k', '5', String(seconds), QEMU, '-accel', 'tcg', '-m', String(RAM / MiB), '-nodefaults', '-no-reboot', '-display', 'none', '-monitor', 'none', '-serial', 'stdio', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let serialTail = '';
    let done = false;
    const finish = (status: number | null) => { if (!done) { done = true; resolve({ out, status }); } };
    const write = (s: string) => child.stdin.write(s);
    // onOutput sees the new console text with a little of the console before it (a marker may
    // straddle chunks): matching all of a trace-heavy output on every chunk made the run quadratic.
    child.stdout.on('data', (c: Buffer) => {
      const text = c.toString('latin1');
      const recent = serialTail + text;
      serialTail = recent.slice(-64);
      out += text;
      if (onOutput(recent, write)) { child.kill('SIGTERM') /* to `timeout`, which passes it on to QEMU (SIGKILL would orphan QEMU) */; finish(null); }
    });
    child.stderr.on('data', (c: Buffer) => { out += c.toString('latin1'); });
    child.on('exit', (code) => finish(code));
  });
}

/** Boots guest RAM prepared by our machine in QEMU: low memory and the given ranges through -device loader, firmware tables and entry through qemu-firmware.ts. */
async function bootInQemu(ram: Uint8Array, entry: BootCpuState, ranges: { start: number; end: number }[], extra: string[],
  onOutput: (recent: string, write: (s: string) => void, state: { sent: boolean }) => boolean): Promise<{ out: string; status: number | null }> {
  const dir = mkdtempSync(join(tmpdir(), 'qfw-'));
  try {
    writeFileSync(join(dir, 'fw.bin'), buildQemuFirmware(ram.subarray(0xe0000, 0x100000), entry));
    const files: { name: string; addr: number }[] = [{ name: 'low.bin', addr: 0 }];
    writeFileSync(join(dir, 'low.bin'), ram.subarray(0, 0xa0000));
    ranges.forEach((r, i) => { writeFileSync(join(dir, `r${i}.bin`), ram.subarray(r.start, r.end)); files.push({ name: `r${i}.bin`, addr: r.start }); });
    const loaders = files.flatMap((f) => ['-device', `loader,file=${join(dir, f.name)},addr=0x${f.addr.toString(16)},force-raw=on`]);
    const state = { sent: false };
    return await runQemu(['-bios', join(dir, 'fw.bin'), ...loaders, ...extra], 240, (out, write) => onOutput(out, write, state));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.skipIf(!haveQemu)(`boot structures under ${QEMU} (install qemu-system-x86 to run)`, () => {
  interface Case { image: string; bootPath: BootPath; entry32?: boolean; append?: string }
  const cases: Case[] = [
    { image: 'tiny', bootPath: 'pvh' }, { image: 'tiny', bootPath: 'bzimage', entry32: true }, { image: 'tiny', bootPath: 'bzimage' },
    { image: 'tiny', bootPath: 'pvh', append: 'acpi=off' }, { image: 'debian', bootPath: 'pvh' }, { image: 'debian', bootPath: 'bzimage' },
  ];
  for (const c of cases) {
    const present = existsSync(join(images, c.image, 'manifest.json'));
    const how = c.bootPath === 'pvh' ? 'PVH (fast path)' : `the boot protocol, ${c.entry32 ? '32' : '64'}-bit entry`;
    const acpi = c.append !== 'acpi=off';
    it.skipIf(!present)(`${c.image} via ${how}${acpi ? '' : ' with acpi=off (MP tables)'}: WASMVIRT-READY${acpi ? ', then poweroff -f through our ACPI tables' : ''}`, async () => {
      const manifest = JSON.parse(readFileSync(join(images, c.image, 'manifest.json'), 'utf8'));
      const vm = new CaptureVm();
      const kernel = new Uint8Array(readFileSync(join(images, c.image, manifest.kernel.file)));
      const initrd = new Uint8Array(readFileSync(join(images, c.image, manifest.initramfs.file)));
      const cmdline = [manifest.cmdline, c.append].filter(Boolean).join(' ');
      const m = await createPcMachine(vm, { memory: RAM, vcpus: 1, kernel, initrd, cmdline, bootPath: c.bootPath, entry32: c.entry32, serial: [new BufferCharBackend()] });
      expect(m.boot.entry.mode).toBe(c.entry32 || c.bootPath === 'pvh' ? 'protected32' : 'long64');
      const rd = m.boot.initrd!;
      const r = await bootInQemu(vm.memory.bytes, m.boot.entry, [m.boot.kernel, rd], [], (out, write, state) => {
        if (!state.sent && /WASMVIRT-READY/.test(out)) {
          state.sent = true;
          if (!acpi) return true;
          setTimeout(() => write('poweroff -f\n'), 500);
        }
        return false;
      });
      if (process.env.SHOW_CONSOLE) console.log(r.out);
      expect(r.out, r.out.slice(-3000)).toMatch(/WASMVIRT-READY/);
      if (acpi) {
        expect(r.out).toMatch(/ACPI: RSDP 0x00000000000E0000 000024 \(v02 WASMVT\)/);
        expect(r.out).toMatch(/ACPI: DSDT 0x[0-9A-F]+ [0-9A-F]+ \(v02 WASMVT WASMVIRT/);
        // QEMU's -serial stdio drops bytes when its pipe backs up on a loaded host: match the part that matters
        expect(r.out).toMatch(/ttyS0 at I\/O 0x3f8 \(irq = 4/);
        expect(r.status, 'QEMU ends through ACPI S5 (poweroff -f)').toBe(0);
      } else {
        expect(r.out).toMatch(/found SMP MP-table at \[mem 0x000f0000-0x000f000f\]/);
        expect(r.out).toMatch(/Intel MultiProcessor Specification v1\.4/);
      }
    }, 300_000);
  }

  // (Debian's kernel passes too, but tracing every port access slows its boot ~10x; tiny keeps CI short.)
  for (const image of ['tiny']) it.skipIf(!existsSync(join(images, image, 'manifest.json')))(`device differential (${image}): Linux's port accesses to COM1-4, the RTC and the ACPI PM block, traced under QEMU, read the same from our devices`, async () => {
    const manifest = JSON.parse(readFileSync(join(images, image, 'manifest.json'), 'utf8'));
    const vm = new CaptureVm();
    const m = await createPcMachine(vm, { memory: RAM, vcpus: 1, kernel: new Uint8Array(readFileSync(join(images, image, manifest.kernel.file))),
      initrd: new Uint8Array(readFileSync(join(images, image, manifest.initramfs.file))), cmdline: manifest.cmdline, serial: [new BufferCharBackend()] });
    const r = await bootInQemu(vm.memory.bytes, m.boot.entry, [m.boot.kernel, m.boot.initrd!], ['-trace', 'memory_region_ops_read', '-trace', 'memory_region_ops_write'],
      (out) => /WASMVIRT-READY/.test(out));
    // A fresh device set, fed the guest's accesses in order (only devices that are ours and not time-driven).
    const devices = buildPcDevices({ layout: m.layout, vcpus: 1, serial: [new BufferCharBackend()], acpi: true }, { irq() {}, msi() {} }, () => {});
    const re = /^memory_region_ops_(read|write) cpu \d+ mr 0x[0-9a-f]+ addr 0x([0-9a-f]+) value 0x([0-9a-f]+) size (\d) name '(serial|rtc|rtc-index|acpi-evt|io)'/gm;
    const timeRegisters = new Set([0, 2, 4, 6, 7, 8, 9, 0x32]); // the clock itself differs between the runs
    let rtcIndex = 0;
    let compared = 0;
    const mismatches: string[] = [];
    for (const [line, dir, addrHex, valHex, sizeStr, name] of r.out.matchAll(re)) {
      const port = parseInt(addrHex!, 16);
      const size = Number(sizeStr) as 1 | 2 | 4;
      const value = Number(BigInt('0x' + valHex) & ((1n << BigInt(8 * size)) - 1n));
      if (name === 'io' && port >= 0xcf8 && port < 0xd00) continue; // PCI: QEMU's device set differs from ours
      if (dir === 'write') {
        if (port === 0x70) rtcIndex = value & 0x7f;
        devices.ports.write(port, size, value);
        continue;
      }
      let ours = devices.ports.read(port, size);
      let theirs = value;
      if (port === 0x71 && timeRegisters.has(rtcIndex)) continue;
      if (port === 0x71 && rtcIndex === 0x0a) { ours &= 0x7f; theirs &= 0x7f; } // UIP depends on the instant
      // Register C holds time-driven event flags (PF/AF/UF): the replay runs on a different clock. (Also the
      // MC146818 sets PF on every periodic tick even with PIE clear, as we do; QEMU only with PIE.)
      if (port === 0x71 && rtcIndex === 0x0c) continue;
      compared++;
      if (ours !== theirs) mismatches.push(`${line} -> ours 0x${ours.toString(16)}`);
    }
    expect(compared).toBeGreaterThan(1000);
    expect(mismatches.slice(0, 10)).toEqual([]);
  }, 240_000);

  it('Multiboot test kernel loaded by our loader: COM1 output and isa-debug-exit status', async () => {
    const vm = new CaptureVm();
    const m = await createPcMachine(vm, { memory: RAM, vcpus: 1, kernel: buildMultibootTestKernel({ exitCode: 0x2a }), cmdline: 'from-our-loader', serial: [new BufferCharBackend()] });
    const r = await bootInQemu(vm.memory.bytes, m.boot.entry, [m.boot.kernel], ['-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04'], () => false);
    expect(r.out).toContain('wasmvirt multiboot: ok, cmdline: from-our-loader\n');
    expect(r.status).toBe((0x2a << 1) | 1);
  }, 60_000);
});
