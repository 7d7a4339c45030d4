// idle.ts — `npm run bench -- idle [debian|tiny ...]`: what an idle guest costs the host. Boots the
// image the way `wasmvirt run` does (the Node hypervisor: shared pool in this process, the VM in a
// worker_thread, realtime clock), waits for WASMVIRT-READY on its serial console, lets the process
// settle for SETTLE_S, then measures the CPU time of the whole process (every thread:
// process.cpuUsage is getrusage(RUSAGE_SELF)) over 10 s of wall time while the guest sits at its
// shell prompt. The settle time is for V8, not the guest: for some 10-20 s after a boot its
// background threads still optimize the core's hot functions and collect garbage (measured with
// the VM paused, the process used 2.7% of a core 2 s after WASMVIRT-READY and 0.4% after 20 s).
// One line per image {"bench":"idle","image","seconds","host_cpu_pct","boot_seconds"}, and last
// the summary for the first image (debian by default): {"bench":"idle","seconds":10,"host_cpu_pct":P}.
// Target: P < 2 (an idle VM sleeps in Atomics.wait until its next timer deadline or a doorbell).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createNodeHypervisor } from '../src/cli/node-hypervisor.js';
import { commandLineDomainXml, parseRunArgs } from '../src/cli/run.js';
import { parseDomainXML } from '../src/virt/conf/index.js';
import type { RunningVm } from '../src/virt/hypervisor.js';
import { coreConst, type Kvm } from '../src/vmm/kvm/index.js';
import { emit } from './_emit.js';

const IMAGES = new URL('../public/images/', import.meta.url).pathname;
const READY = 'WASMVIRT-READY';
const BOOT_TIMEOUT_S = 300;
const SETTLE_S = 15;
const MEASURE_S = 10;

interface Manifest { kernel: { file: string }; initramfs: { file: string }; cmdline: string }

export async function run(args: string[]): Promise<void> {
  const images = args.length ? args : ['debian', 'tiny'];
  const results: { image: string; pct: number }[] = [];
  for (const image of images) {
    const r = await idleOnce(image);
    emit({ bench: 'idle', image, ...r });
    results.push({ image, pct: r.host_cpu_pct });
  }
  const summary = results.find((r) => r.image === 'debian') ?? results[0]!;
  emit({ bench: 'idle', seconds: MEASURE_S, host_cpu_pct: summary.pct });
}

async function idleOnce(image: string) {
  const dir = join(IMAGES, image);
  const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
  const def = parseDomainXML(commandLineDomainXml(parseRunArgs([
    '--kernel', join(dir, m.kernel.file), '--initrd', join(dir, m.initramfs.file), '--append', m.cmdline, '--memory', '256M'])));
  const hv = await createNodeHypervisor({ poolMiB: 512 });
  let output = '';
  let ended: string | undefined;
  const t0 = performance.now();
  const vm: RunningVm = await hv.start(def, { disks: [], interfaces: [], noReboot: true, paused: false },
    { stopped: (cause, detail) => { ended = `${cause}: ${detail ?? ''}`; }, reset: () => {} });
  const decoder = new TextDecoder();
  vm.openConsole('serial0').onData((b) => { output += decoder.decode(b, { stream: true }); });
  try {
    while (!output.includes(READY)) {
      if (ended) throw new Error(`the VM ended before ${READY}: ${ended}`);
      if (performance.now() - t0 > BOOT_TIMEOUT_S * 1000) throw new Error(`no ${READY} after ${BOOT_TIMEOUT_S} s`);
      await sleep(100);
    }
    const bootSeconds = (performance.now() - t0) / 1000;
    await sleep(SETTLE_S * 1000); // the shell prints its prompt, the last boot work drains
    const s0 = vcpuCounters(hv.kvm);
    const main0 = mainThreadTicks();
    const cpu0 = process.cpuUsage();
    const w0 = performance.now();
    await sleep(MEASURE_S * 1000);
    const used = process.cpuUsage(cpu0);
    const wallS = (performance.now() - w0) / 1000;
    const s1 = vcpuCounters(hv.kvm);
    const mainPct = main0 === undefined ? null : round(((mainThreadTicks()! - main0) / CLK_TCK / wallS) * 100);
    const perS = (k: keyof typeof s0) => round((s1[k] - s0[k]) / wallS);
    if (ended) throw new Error(`the VM ended while idle: ${ended}`);
    const cpuS = (used.user + used.system) / 1e6;
    return { seconds: round(wallS), boot_seconds: round(bootSeconds), host_cpu_pct: round((cpuS / wallS) * 100),
      main_thread_cpu_pct: mainPct, runs_per_s: perS('runs'), hlt_exits_per_s: perS('hlt'), io_exits_per_s: perS('io'),
      mmio_exits_per_s: perS('mmio'), intr_exits_per_s: perS('intr'), halt_wakeups_per_s: perS('wakeups'),
      irq_injections_per_s: perS('irqs'), guest_mips: round(perS('instructions') / 1e6) };
  } finally {
    await vm.destroy();
  }
}

/** The VM's vCPU 0 counters (kvm_stat), read from the shared pool; the VM is the pool's only one. */
function vcpuCounters(kvm: Kvm) {
  const core = kvm.core as unknown as Record<string, (...a: number[]) => number>;
  const vcpu = core.vcpu_at!(core.pool_vm_at!(kvm.pool, 0), 0);
  const stat = (name: string) => core.vcpu_stat!(vcpu, name.startsWith('STAT_') ? coreConst(kvm.core, name) : Number(name));
  const cpu = core.vcpu_cpu!(vcpu);
  const instructions = Number(new DataView(kvm.memory.buffer).getBigUint64(cpu + coreConst(kvm.core, 'CPU_OFF_ICOUNT'), true));
  return { runs: stat('STAT_RUNS'), hlt: stat('5'), io: stat('2'), mmio: stat('6'), intr: stat('10'), wakeups: stat('STAT_HALT_WAKEUPS'),
    irqs: stat('STAT_IRQ_INJECTIONS'), instructions };
}

const CLK_TCK = 100; // USER_HZ: the unit of /proc's utime and stime on Linux

/** utime + stime of the main thread (Linux /proc), to tell the host side's share from the VM worker's. */
function mainThreadTicks(): number | undefined {
  const f = `/proc/self/task/${process.pid}/stat`;
  if (!existsSync(f)) return undefined;
  const fields = readFileSync(f, 'utf8').split(') ')[1]!.split(' ');
  return Number(fields[11]) + Number(fields[12]); // fields 14 and 15 of proc(5), counted from 'state' (3)
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
