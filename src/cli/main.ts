// main.ts — the `wasmvirt` command line: dispatches to its subcommands.
// Each subcommand is a module with a function returning the process exit status.
import { smokeMain } from './smoke.js';

const USAGE = `Usage: wasmvirt COMMAND [ARGS...]

Commands:
  run [--kernel K --initrd I --append "..." --memory 256M | domain.xml]
                  boot a VM with its serial console on this terminal (Ctrl-] leaves)
  virsh [-c URI] [COMMAND ...]
                  the libvirt-style management shell (interactive without a command)
  smoke           start core.wasm in a worker_thread and print its version
  version         print the version of wasmvirt and of its core
  help, --help    this text
`;

type Subcommand = (args: string[]) => Promise<number>;

const subcommands: Record<string, Subcommand> = {
  smoke: () => smokeMain(),
  version: async () => versionMain(),
  help: async () => (process.stdout.write(USAGE), 0),
  '--help': async () => (process.stdout.write(USAGE), 0),
  '-h': async () => (process.stdout.write(USAGE), 0),
};

async function versionMain(): Promise<number> {
  const { smoke } = await import('./smoke.js');
  const reply = await smoke(4);
  const pkg = await import('../../package.json', { with: { type: 'json' } });
  process.stdout.write(`wasmvirt ${pkg.default.version}\ncore ${reply.ok ? reply.version : 'unavailable: ' + reply.error}\n`);
  return reply.ok ? 0 : 1;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined) {
    process.stderr.write(USAGE);
    return 1;
  }
  const sub = subcommands[name] ?? (await lazySubcommand(name));
  if (!sub) {
    process.stderr.write(`error: unknown command '${name}'\n\n${USAGE}`);
    return 1;
  }
  return sub(args);
}

/** Subcommands whose modules land later are loaded on demand, so a missing one only affects itself. */
async function lazySubcommand(name: string): Promise<Subcommand | undefined> {
  if (name === 'virsh') {
    const mod = await import('./virsh.js');
    return (args) => mod.virshMain(args); // the VMM's pool is made on first use (lazy-hypervisor.ts)
  }
  if (name === 'run') {
    const mod = await import('./run.js');
    return (args) => mod.runMain(args);
  }
  return undefined;
}
