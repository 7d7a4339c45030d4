// virsh.ts — `wasmvirt virsh [OPTIONS] [COMMAND [ARGS...]]` in Node: one command
// (exit status 0/1 as virsh's), or the interactive shell (no command) with
// history and tab completion of commands, options and domain/pool/network names.
// Options as virsh's: -c/--connect URI, -q/--quiet, -h/--help, -v/--version,
// -V; and --state-dir DIR (where definitions persist, default
// $WASMVIRT_STATE_DIR or ${XDG_DATA_HOME:-~/.local/share}/wasmvirt). Domains are run by the VMM in
// worker_threads (lazy-hypervisor.ts); with no daemon, a domain lives as long as this process.
import { promises as fs, createReadStream, mkdirSync, readFileSync, appendFileSync, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as readline from 'node:readline';
import { connectNode } from '../virt/env-node.js';
import { LazyHypervisor } from './lazy-hypervisor.js';
import type { Hypervisor } from '../virt/hypervisor.js';
import { LIBRARY_VERSION } from '../virt/driver/connect.js';
import { VIRSH_GROUPS } from '../virt/virsh/groups.js';
import { complete } from '../virt/virsh/complete.js';
import { Vsh, type ConsoleAttach, type VshIO } from '../virt/virsh/vsh.js';

const USAGE = `
virsh [options]... [<command_string>]
virsh [options]... <command> [args...]

  options:
    -c | --connect=URI      hypervisor connection URI
    -h | --help             this help
    -q | --quiet            quiet mode
    -v                      short version
    -V                      long version
         --version[=TYPE]   version, TYPE is short or long (default short)
         --state-dir=DIR    where definitions are kept (default \$WASMVIRT_STATE_DIR,
                            else \${XDG_DATA_HOME:-~/.local/share}/wasmvirt)

  commands (non interactive mode):

`;

export interface VirshMainOptions {
  /** The hypervisor to run domains with; default: the VMM in worker_threads (node-hypervisor.ts), made on first use. */
  hypervisor?: Hypervisor;
}

interface Parsed {
  uri?: string;
  quiet: boolean;
  stateDir?: string;
  rest: string[];
  exit?: number;
}

function parseArgs(argv: string[]): Parsed {
  const p: Parsed = { quiet: false, rest: [] };
  const env = process.env;
  p.uri = env.VIRSH_DEFAULT_CONNECT_URI || env.LIBVIRT_DEFAULT_URI || undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (name: string): string | undefined => {
      if (a.startsWith(`${name}=`)) return a.slice(name.length + 1);
      if (i + 1 < argv.length) return argv[++i];
      process.stderr.write(`error: option '${name}' requires an argument\n`);
      p.exit = 1;
      return undefined;
    };
    if (a === '-c' || a === '--connect' || a.startsWith('--connect=')) p.uri = value(a.startsWith('--') ? '--connect' : '-c');
    else if (a === '--state-dir' || a.startsWith('--state-dir=')) p.stateDir = value('--state-dir');
    else if (a === '-q' || a === '--quiet') p.quiet = true;
    else if (a === '-r' || a === '--readonly') continue;
    else if (a === '-h' || a === '--help') {
      process.stdout.write(usage());
      p.exit = 0;
    } else if (a === '-v' || a === '--version' || a === '--version=short') {
      process.stdout.write(`${LIBRARY_VERSION}\n`);
      p.exit = 0;
    } else if (a === '-V' || a === '--version=long') {
      process.stdout.write(`Virsh command line tool of wasmvirt ${LIBRARY_VERSION}\n`);
      p.exit = 0;
    } else if (a === '--') {
      p.rest = argv.slice(i + 1);
      break;
    } else if (a.startsWith('-')) {
      process.stderr.write(`error: unsupported option '${a}'. See --help.\n`);
      p.exit = 1;
    } else {
      p.rest = argv.slice(i);
      break;
    }
    if (p.exit !== undefined) break;
  }
  return p;
}

function usage(): string {
  let s = USAGE;
  for (const g of VIRSH_GROUPS) {
    s += ` ${g.name} (help keyword '${g.keyword}')\n`;
    for (const c of g.cmds) s += `    ${c.name.padEnd(31)} ${c.help}\n`;
    s += '\n';
  }
  return s + '  (specify help <group> for details about the commands in the group)\n\n  (specify help <command> for details about the command)\n\n';
}

function nodeIO(): VshIO {
  return {
    out: (t) => void process.stdout.write(t),
    err: (t) => void process.stderr.write(t),
    async readFile(path) {
      try {
        return await fs.readFile(path, 'utf8');
      } catch (e) {
        throw new Error(`Failed to open file '${path}': ${describe(e)}`);
      }
    },
    async readStream(path) {
      await fs.access(path);
      return createReadStream(path, { highWaterMark: 1 << 20 });
    },
    async writeStream(path, data) {
      const fh = await fs.open(path, 'w', 0o666);
      try {
        for await (const chunk of data) await fh.write(chunk);
      } finally {
        await fh.close();
      }
    },
    async edit(text, what) {
      const file = join(await fs.mkdtemp(join(tmpdir(), 'virsh')), what);
      await fs.writeFile(file, text);
      const editor = process.env.VISUAL || process.env.EDITOR || 'vi';
      const r = spawnSync('/bin/sh', ['-c', `${editor} "$1"`, 'sh', file], { stdio: 'inherit' });
      if (r.status !== 0) throw new Error(`${editor}: command failed`);
      return fs.readFile(file, 'utf8');
    },
    console: nodeConsole,
    cwd: () => process.cwd(),
    chdir: (d) => process.chdir(d),
  };
}

function describe(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'No such file or directory';
  if (code === 'EACCES') return 'Permission denied';
  if (code === 'EISDIR') return 'Is a directory';
  return (e as Error).message;
}

/** virsh console: the terminal in raw mode, bytes both ways, Ctrl-] leaves. */
async function nodeConsole(a: ConsoleAttach): Promise<void> {
  const stdin = process.stdin;
  const wasRaw = stdin.isTTY ? stdin.isRaw : false;
  let finish: () => void = () => undefined;
  const done = new Promise<void>((r) => (finish = r));
  const off = a.stream.onData((b) => process.stdout.write(b));
  const onInput = (buf: Buffer) => {
    const esc = buf.indexOf(0x1d);
    if (esc >= 0) {
      if (esc > 0) a.stream.write(buf.subarray(0, esc));
      finish();
      return;
    }
    a.stream.write(buf);
  };
  if (stdin.isTTY) stdin.setRawMode(true);
  stdin.on('data', onInput);
  stdin.resume();
  void a.ended.then(finish);
  try {
    await done;
  } finally {
    stdin.off('data', onInput);
    stdin.pause();
    if (stdin.isTTY) stdin.setRawMode(wasRaw);
    off();
    process.stdout.write('\n');
  }
}

function historyFile(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'wasmvirt', 'virsh_history');
}

async function interactive(vsh: Vsh): Promise<number> {
  process.stdout.write(
    "Welcome to virsh, the virtualization interactive terminal.\n\n" +
    "Type:  'help' for help with commands\n       'quit' to quit\n\n",
  );
  await vsh.conn().catch((e) => vsh.report(e));
  const hist = historyFile();
  let history: string[] = [];
  try {
    if (existsSync(hist)) history = readFileSync(hist, 'utf8').split('\n').filter(Boolean).reverse().slice(0, 1000);
    mkdirSync(join(hist, '..'), { recursive: true });
  } catch {
    /* no history then */
  }
  const prompt = process.getuid?.() === 0 ? 'virsh # ' : 'virsh > ';
  if (!process.stdin.isTTY) return scripted(vsh, prompt);
  let ok = true;
  for (;;) {
    // A fresh interface per line: while a command runs (virsh console) stdin belongs to it alone.
    const line = await readLine(prompt, history, vsh);
    if (line === null) {
      process.stdout.write('\n');
      break;
    }
    if (line.trim() === '') continue;
    if (history[0] !== line) history.unshift(line);
    try {
      appendFileSync(hist, line + '\n');
    } catch {
      /* history is best effort */
    }
    ok = await vsh.runLine(line);
    if (vsh.done) break;
  }
  return ok ? 0 : 1;
}

/** Commands piped in (not a terminal): one reader for the whole input, so no line is lost. */
async function scripted(vsh: Vsh, prompt: string): Promise<number> {
  const rl = readline.createInterface({ input: process.stdin, terminal: false });
  let ok = true;
  process.stdout.write(prompt);
  for await (const line of rl) {
    if (line.trim() !== '') ok = await vsh.runLine(line);
    if (vsh.done) break;
    process.stdout.write(prompt);
  }
  rl.close();
  if (!vsh.done) process.stdout.write('\n');
  return ok ? 0 : 1;
}

/** One line from the terminal with history and completion; null at end of input. */
function readLine(prompt: string, history: string[], vsh: Vsh): Promise<string | null> {
  return new Promise((resolve) => {
    const rl = readline.createInterface({
      input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY, history: [...history],
      historySize: 1000, completer: (l: string) => complete(vsh, l),
    });
    let answered = false;
    rl.once('close', () => {
      if (!answered) resolve(null);
    });
    rl.question(prompt, (answer) => {
      answered = true;
      rl.close();
      resolve(answer);
    });
  });
}

export async function virshMain(argv: string[], opts: VirshMainOptions = {}): Promise<number> {
  const args = parseArgs(argv);
  if (args.exit !== undefined) return args.exit;
  const vsh = new Vsh({
    io: nodeIO(), groups: VIRSH_GROUPS, uri: args.uri, quiet: args.quiet,
    async open(uri) {
      const hypervisor: Hypervisor & { lookupNetwork?: unknown } = opts.hypervisor
        ?? new LazyHypervisor(async () => (await import('./node-hypervisor.js')).createNodeHypervisor());
      const conn = await connectNode({ uri, stateDir: args.stateDir, hypervisor, autostart: args.rest.length === 0 });
      // The VMM's switches learn a network's definition from the connection that started it.
      if ('lookupNetwork' in hypervisor) {
        hypervisor.lookupNetwork = (name: string) => conn.networks.list().find((n) => n.name === name && n.active)?.def;
      }
      return conn;
    },
  });
  try {
    if (args.rest.length === 0) return await interactive(vsh);
    const ok = args.rest.length === 1 && /[\s;]/.test(args.rest[0])
      ? await vsh.runLine(args.rest[0])
      : await vsh.runArgv(args.rest);
    return ok ? 0 : 1;
  } finally {
    await vsh.close();
  }
}
