/*
 * cmds-virsh.ts — the "Virsh itself" group (tools/vsh.c, tools/virsh.c):
 * cd, echo, exit, help, pwd, quit, connect; and help's layouts
 * (vshCmdGrpHelp: " Group (help keyword 'kw'):" then "    %-30s %s";
 * vshCmddefHelp: NAME / SYNOPSIS / DESCRIPTION / OPTIONS with "    %-15s  %s").
 */
import type { CmdDef, CmdGroup, OptDef } from './command.js';
import { optBool } from './common.js';
import { padRight } from './format.js';
import type { Vsh } from './vsh.js';

export function groupHelp(g: CmdGroup): string {
  let s = ` ${g.name} (help keyword '${g.keyword}'):\n`;
  for (const c of g.cmds) s += `    ${padRight(c.name, 30)} ${c.help}\n`;
  return s;
}

function synopsisOf(o: OptDef): string {
  if (o.type === 'bool') return `[--${o.name}]`;
  if (o.type === 'argv') return o.required ? `<${o.name}>...` : `[<${o.name}>]...`;
  if (o.positional) return o.required ? `<${o.name}>` : `[<${o.name}>]`;
  const t = o.type === 'int' ? 'number' : 'string';
  return o.required ? `--${o.name} <${t}>` : `[--${o.name} <${t}>]`;
}

function optionOf(o: OptDef): string {
  const t = o.type === 'int' ? 'number' : 'string';
  if (o.type === 'bool') return `--${o.name}`;
  if (o.positional) return `[--${o.name}] <${t}>`;
  return `--${o.name} <${t}>`;
}

export function commandHelp(def: CmdDef): string {
  let s = `  NAME\n    ${def.name} - ${def.help}\n`;
  s += `\n  SYNOPSIS\n    ${[def.name, ...def.opts.map(synopsisOf)].join(' ')}\n`;
  if (def.desc) s += `\n  DESCRIPTION\n    ${def.desc}\n`;
  if (def.opts.length) {
    s += '\n  OPTIONS\n';
    for (const o of def.opts) s += `    ${padRight(optionOf(o), 15)}  ${o.help}\n`;
  }
  return s + '\n';
}

const help: CmdDef = {
  name: 'help', help: 'print help', desc: 'Prints global help, command specific help, or help for a\n    group of related commands',
  noConnect: true,
  opts: [{ name: 'command', type: 'string', positional: true, help: 'Prints global help, command specific help, or help for a group of related commands' }],
  async run(vsh, cmd) {
    const name = cmd.string('command');
    if (!name) {
      vsh.print('Grouping of commands:\n\n');
      for (const g of vsh.groups) vsh.print(groupHelp(g) + '\n');
      return true;
    }
    const def = vsh.command(name);
    if (def) {
      vsh.print(commandHelp(def));
      return true;
    }
    const g = vsh.groups.find((x) => x.name === name || x.keyword === name);
    if (g) {
      vsh.print(groupHelp(g));
      return true;
    }
    vsh.error(`command or command group '${name}' doesn't exist`);
    return false;
  },
};

const quit: CmdDef = {
  name: 'quit', help: 'quit this interactive terminal', desc: '', noConnect: true, opts: [],
  async run(vsh) {
    vsh.done = true;
    return true;
  },
};

const exit: CmdDef = { ...quit, name: 'exit' };

function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&apos;').replace(/"/g, '&quot;');
}

function shellQuote(s: string): string {
  if (s !== '' && /^[A-Za-z0-9_.+\-/:=,@%]+$/.test(s)) return s;
  return `'${s.replace(/'/g, "'\\''")}'`;
}

const echo: CmdDef = {
  name: 'echo', help: 'echo arguments. Used for internal testing.', desc: 'Echo back arguments, possibly with quoting. Used for internal testing.',
  noConnect: true,
  opts: [optBool('shell', 'escape for shell use'), optBool('xml', 'escape for XML use'),
    optBool('split', 'split each argument on \',\'; \',,\' is an escape sequence'),
    optBool('err', 'output to stderr'),
    { name: 'string', type: 'argv', positional: true, help: 'arguments to echo' }],
  async run(vsh, cmd) {
    let args = cmd.argv('string');
    if (cmd.bool('split')) args = args.flatMap((a) => a.split(/(?<!,),(?!,)/).map((p) => p.replace(/,,/g, ',')));
    const out = args.map((a) => (cmd.bool('shell') ? shellQuote(a) : cmd.bool('xml') ? xmlEscape(a) : a)).join(' ') + '\n';
    if (cmd.bool('err')) vsh.io.err(out);
    else vsh.print(out);
    return true;
  },
};

const cd: CmdDef = {
  name: 'cd', help: 'change the current directory', desc: 'Change the current directory.', noConnect: true,
  opts: [{ name: 'dir', type: 'string', positional: true, help: 'directory to switch to (default: home or else root)' }],
  async run(vsh, cmd) {
    if (!vsh.io.chdir) {
      vsh.error('cd: command valid only in interactive mode');
      return false;
    }
    const dir = cmd.string('dir') ?? (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env.HOME ?? '/';
    try {
      vsh.io.chdir(dir);
    } catch {
      vsh.error(`cannot chdir to ${dir}`);
      return false;
    }
    return true;
  },
};

const pwd: CmdDef = {
  name: 'pwd', help: 'print the current directory', desc: 'Print the current directory.', noConnect: true, opts: [],
  async run(vsh) {
    vsh.print(`${vsh.io.cwd?.() ?? '/'}\n`);
    return true;
  },
};

const connect: CmdDef = {
  name: 'connect', help: '(re)connect to hypervisor', desc: 'Connect to local hypervisor. This is built-in command after shell start up.',
  noConnect: true,
  opts: [{ name: 'name', type: 'string', positional: true, help: 'hypervisor connection URI' },
    optBool('readonly', 'read-only connection')],
  async run(vsh: Vsh, cmd) {
    await vsh.reconnect(cmd.string('name') ?? vsh.uri);
    return true;
  },
};

export const virshCmds: CmdDef[] = [cd, echo, exit, help, pwd, quit, connect];
