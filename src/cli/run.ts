// run.ts — `wasmvirt run`: boot one VM in a worker_thread with its serial console on this terminal,
// the way `qemu-system-x86_64 -kernel … -nographic` does. Ctrl-] leaves (the VM is destroyed).
// The exit status tells how the VM ended: isa-debug-exit's (v<<1)|1, 0 for a power-off, 1 for a
// crash or an error (with the reason on stderr).
import { readFileSync } from 'node:fs';
import { parseDomainXML } from '../virt/conf/index.js';
import type { DomainDef } from '../virt/conf/domain/types.js';
import type { ResolvedDisk, StopCause } from '../virt/hypervisor.js';
import { debugExitStatus } from '../worker/vm-protocol.js';
import { createNodeHypervisor } from './node-hypervisor.js';

const USAGE = `Usage: wasmvirt run --kernel FILE [--initrd FILE] [--append "CMDLINE"] [--memory SIZE] [--smp N]
                    [--disk FILE[,format=raw|qcow2][,readonly]] [--deterministic]
       wasmvirt run DOMAIN.xml

Boots a VM with its serial console (COM1) on this terminal. Ctrl-] leaves.
`;

export interface RunArgs {
  xmlFile?: string;
  kernel?: string;
  initrd?: string;
  append: string;
  memory: string;
  smp: number;
  disks: string[];
  deterministic: boolean;
}

export function parseRunArgs(argv: string[]): RunArgs {
  const a: RunArgs = { append: 'console=ttyS0', memory: '256M', smp: 1, disks: [], deterministic: false };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.split(/=(.*)/s, 2) as [string, string | undefined];
    const value = () => inline ?? argv[++i] ?? fail(`${flag} needs a value`);
    switch (flag) {
      case '--kernel': a.kernel = value(); break;
      case '--initrd': a.initrd = value(); break;
      case '--append': a.append = value(); break;
      case '--memory': case '-m': a.memory = value(); break;
      case '--smp': a.smp = Number(value()); break;
      case '--disk': a.disks.push(value()); break;
      case '--deterministic': a.deterministic = true; break;
      default:
        if (flag.startsWith('-')) fail(`unknown option '${flag}'`);
        if (a.xmlFile) fail(`more than one domain XML file given`);
        a.xmlFile = flag;
    }
  }
  if (!a.xmlFile && !a.kernel) fail('give --kernel FILE or a domain XML file');
  if (!Number.isInteger(a.smp) || a.smp < 1) fail(`--smp must be a whole number >= 1`);
  return a;
}

function fail(msg: string): never {
  throw new UsageError(msg);
}

class UsageError extends Error {}

/** The domain XML of a command-line boot (one code path with `run domain.xml`). */
export function commandLineDomainXml(a: RunArgs): string {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/'/g, '&apos;');
  const mem = /^(\d+)([KMG]?)$/i.exec(a.memory);
  if (!mem) fail(`invalid --memory '${a.memory}': use e.g. 256M or 1G`);
  const unit = { '': 'MiB', K: 'KiB', M: 'MiB', G: 'GiB' }[mem[2]!.toUpperCase() as '' | 'K' | 'M' | 'G'];
  const disks = a.disks.map((d, i) => {
    const [file, ...opts] = d.split(',');
    const format = opts.find((o) => o.startsWith('format='))?.slice(7) ?? (file!.endsWith('.qcow2') ? 'qcow2' : 'raw');
    return `<disk type='file' device='disk'><driver name='qemu' type='${esc(format)}'/><source file='${esc(file!)}'/>` +
      `<target dev='vd${String.fromCharCode(97 + i)}' bus='virtio'/>${opts.includes('readonly') ? '<readonly/>' : ''}</disk>`;
  }).join('');
  return `<domain type='kvm'><name>wasmvirt-run</name><memory unit='${unit}'>${mem[1]}</memory><vcpu>${a.smp}</vcpu>` +
    `<os><type arch='x86_64' machine='pc'>hvm</type><kernel>${esc(a.kernel!)}</kernel>` +
    (a.initrd ? `<initrd>${esc(a.initrd)}</initrd>` : '') + `<cmdline>${esc(a.append)}</cmdline></os>` +
    `<features><acpi/><apic/></features><on_reboot>destroy</on_reboot>` +
    `<devices>${disks}<serial type='pty'/><console type='pty'><target type='serial'/></console></devices></domain>`;
}

function resolveDisks(def: DomainDef): ResolvedDisk[] {
  return def.devices.disks.flatMap((d) => d.source.type === 'file' && d.source.file ? [{
    target: d.target.dev, bus: d.target.bus, device: d.device as ResolvedDisk['device'], format: d.driver?.type ?? 'raw',
    path: d.source.file, readOnly: d.readonly,
  }] : []);
}

export async function runMain(argv: string[]): Promise<number> {
  let args: RunArgs;
  let def: DomainDef;
  try {
    args = parseRunArgs(argv);
    def = parseDomainXML(args.xmlFile ? readFileSync(args.xmlFile, 'utf8') : commandLineDomainXml(args));
  } catch (e) {
    process.stderr.write(`error: ${(e as Error).message}\n${e instanceof UsageError ? '\n' + USAGE : ''}`);
    return 1;
  }
  const hv = await createNodeHypervisor({ clock: args.deterministic ? 'deterministic' : 'realtime' });
  let resolveEnd: (v: { cause: StopCause | 'left'; detail?: string }) => void = () => {};
  const ended = new Promise<{ cause: StopCause | 'left'; detail?: string }>((r) => { resolveEnd = r; });
  let vm;
  try {
    vm = await hv.start(def, { disks: resolveDisks(def), interfaces: [], noReboot: def.onReboot !== 'restart', paused: false },
      { stopped: (cause, detail) => resolveEnd({ cause, detail }), reset: () => {} });
  } catch (e) {
    process.stderr.write(`error: failed to start the VM: ${(e as Error).message}\n`);
    return 1;
  }
  const console_ = vm.openConsole('serial0');
  console_.onData((b) => process.stdout.write(b));
  const stdin = process.stdin;
  if (stdin.isTTY) stdin.setRawMode(true);
  stdin.on('data', (b: Buffer) => {
    if (b.includes(0x1d)) resolveEnd({ cause: 'left' });
    else console_.write(b);
  });
  stdin.resume();
  const end = await ended;
  if (stdin.isTTY) stdin.setRawMode(false);
  stdin.pause();
  if (end.cause === 'left') await vm.destroy();
  await new Promise((r) => setTimeout(r, 50)); // let the console drain
  return exitStatus(end.cause, end.detail);
}

function exitStatus(cause: StopCause | 'left', detail?: string): number {
  const debug = debugExitStatus(detail);
  if (debug !== undefined) return debug;
  if (cause === 'guest-poweroff' || cause === 'guest-reset' || cause === 'left') return 0;
  process.stderr.write(`\nwasmvirt: the VM crashed: ${detail ?? 'no reason given'}\n`);
  return 1;
}
