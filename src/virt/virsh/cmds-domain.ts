/*
 * cmds-domain.ts — virsh's "Domain Management" lifecycle commands
 * (tools/virsh-domain.c): define, undefine, create, start, shutdown, reboot,
 * destroy, suspend, resume, autostart, console, domid/domname/domuuid.
 * Messages and errors are virsh's, word for word.
 */
import type { CmdDef, ParsedCmd } from './command.js';
import { lookupDomain, optBool, optDomain, optFile, optString } from './common.js';
import type { Vsh } from './vsh.js';
import type { Connect } from '../driver/connect.js';
import type { DomainObj } from '../driver/domain-obj.js';

async function simpleAction(vsh: Vsh, cmd: ParsedCmd, verb: string, done: string,
  act: (conn: Connect, dom: DomainObj) => Promise<void>): Promise<boolean> {
  const l = await lookupDomain(vsh, cmd);
  if (!l) return false;
  if (!(await vsh.attempt(`Failed to ${verb} domain '${l.name}'`, () => act(l.conn, l.dom)))) return false;
  vsh.printExtra(`Domain '${l.name}' ${done}\n`);
  return true;
}

/** virsh console, shared by console, start --console and create --console. */
export async function attachConsole(vsh: Vsh, conn: Connect, dom: DomainObj, devname?: string): Promise<boolean> {
  if (!dom.isActive() || !dom.vm) {
    vsh.error('The domain is not running');
    return false;
  }
  if (!vsh.io.console) {
    vsh.error('console is not available in this shell');
    return false;
  }
  const vm = dom.vm;
  const stream = vm.openConsole(devname);
  const ended = new Promise<void>((resolve) => {
    const off = conn.events.on((e) => {
      if (e.type === 'domain-lifecycle' && e.uuid === dom.uuid && !dom.isActive()) {
        off();
        resolve();
      }
    });
  });
  vsh.printExtra(`Connected to domain '${dom.name}'\n`);
  vsh.printExtra('Escape character is ^] (Ctrl + ])\n');
  try {
    await vsh.io.console({ domain: dom.name, stream, ended });
  } finally {
    stream.close();
  }
  return true;
}

const define: CmdDef = {
  name: 'define', help: "define (but don't start) a domain from an XML file",
  desc: 'Define a domain.',
  opts: [optFile('file containing an XML domain description'), optBool('validate', 'validate the XML against the schema')],
  async run(vsh, cmd) {
    const conn = await vsh.conn();
    const file = cmd.req('file');
    const xml = await vsh.io.readFile(file);
    let name = '';
    if (!(await vsh.attempt(`Failed to define domain from ${file}`, async () => {
      name = (await conn.domains.defineXML(xml)).name;
    }))) return false;
    vsh.printExtra(`Domain '${name}' defined from ${file}\n`);
    return true;
  },
};

const create: CmdDef = {
  name: 'create', help: 'create a domain from an XML file', desc: 'Create a domain.',
  opts: [
    optFile('file containing an XML domain description'),
    optBool('console', 'attach to console after creation'),
    optBool('paused', 'leave the guest paused after creation'),
    optBool('autodestroy', 'automatically destroy the guest when virsh disconnects'),
    optBool('validate', 'validate the XML against the schema'),
  ],
  async run(vsh, cmd) {
    const conn = await vsh.conn();
    const file = cmd.req('file');
    const xml = await vsh.io.readFile(file);
    let dom: DomainObj | undefined;
    if (!(await vsh.attempt(`Failed to create domain from ${file}`, async () => {
      dom = await conn.domains.createXML(xml, cmd.bool('paused'));
    }))) return false;
    vsh.printExtra(`Domain '${dom!.name}' created from ${file}\n`);
    if (cmd.bool('console')) return attachConsole(vsh, conn, dom!);
    return true;
  },
};

const start: CmdDef = {
  name: 'start', help: 'start a (previously defined) inactive domain',
  desc: 'Start a domain, either from the last managedsave\n    state, or via a fresh boot if no managedsave state\n    is present.',
  opts: [
    optDomain('name of the inactive domain', 'domain-inactive'),
    optBool('console', 'attach to console after creation'),
    optBool('paused', 'leave the guest paused after creation'),
    optBool('autodestroy', 'automatically destroy the guest when virsh disconnects'),
    optBool('bypass-cache', 'avoid file system cache when loading'),
    optBool('force-boot', 'force fresh boot by discarding any managed save'),
  ],
  async run(vsh, cmd) {
    const l = await lookupDomain(vsh, cmd);
    if (!l) return false;
    if (l.dom.isActive()) {
      vsh.error('Domain is already active');
      return false;
    }
    if (!(await vsh.attempt(`Failed to start domain '${l.dom.name}'`, () => l.conn.domains.start(l.dom, cmd.bool('paused'))))) return false;
    vsh.printExtra(`Domain '${l.dom.name}' started\n`);
    if (cmd.bool('console')) return attachConsole(vsh, l.conn, l.dom);
    return true;
  },
};

const MODES = ['acpi', 'agent', 'initctl', 'signal', 'paravirt'];

/** --mode: virsh knows five; this machine has only the ACPI power button. */
function checkMode(vsh: Vsh, mode: string | undefined): boolean {
  for (const m of mode ? mode.split(',') : []) {
    if (!MODES.includes(m)) {
      vsh.error(`Unknown mode ${m} value, expecting 'acpi', 'agent', 'initctl', 'signal' or 'paravirt'`);
      return false;
    }
    if (m !== 'acpi') {
      vsh.error(`Operation not supported: mode '${m}' is not supported by this hypervisor`);
      return false;
    }
  }
  return true;
}

const shutdown: CmdDef = {
  name: 'shutdown', help: 'gracefully shutdown a domain', desc: 'Run shutdown in the target domain.',
  opts: [optDomain(), optString('mode', 'shutdown mode: acpi|agent|initctl|signal|paravirt')],
  async run(vsh, cmd) {
    if (!checkMode(vsh, cmd.string('mode'))) return false;
    return simpleAction(vsh, cmd, 'shutdown', 'is being shutdown', (c, d) => c.domains.lifecycle.shutdown(d));
  },
};

const reboot: CmdDef = {
  name: 'reboot', help: 'reboot a domain', desc: 'Run a reboot command in the target domain.',
  opts: [optDomain(), optString('mode', 'shutdown mode: acpi|agent|initctl|signal|paravirt')],
  async run(vsh, cmd) {
    if (!checkMode(vsh, cmd.string('mode'))) return false;
    return simpleAction(vsh, cmd, 'reboot', 'is being rebooted', (c, d) => c.domains.lifecycle.reboot(d));
  },
};

const destroy: CmdDef = {
  name: 'destroy', help: 'destroy (stop) a domain',
  desc: 'Forcefully stop a given domain, but leave its resources intact.',
  opts: [optDomain('domain name, id or uuid', 'domain-active'), optBool('graceful', 'terminate gracefully'),
    optBool('remove-logs', 'remove domain logs')],
  run: (vsh, cmd) => simpleAction(vsh, cmd, 'destroy', 'destroyed', (c, d) => c.domains.lifecycle.destroy(d)),
};

const suspend: CmdDef = {
  name: 'suspend', help: 'suspend a domain', desc: 'Suspend a running domain.',
  opts: [optDomain('domain name, id or uuid', 'domain-active')],
  run: (vsh, cmd) => simpleAction(vsh, cmd, 'suspend', 'suspended', (c, d) => c.domains.lifecycle.suspend(d)),
};

const resume: CmdDef = {
  name: 'resume', help: 'resume a domain', desc: 'Resume a previously suspended domain.',
  opts: [optDomain('domain name, id or uuid', 'domain-active')],
  run: (vsh, cmd) => simpleAction(vsh, cmd, 'resume', 'resumed', (c, d) => c.domains.lifecycle.resume(d)),
};

const autostart: CmdDef = {
  name: 'autostart', help: 'autostart a domain', desc: 'Configure a domain to be automatically started at boot.',
  opts: [optDomain(), optBool('disable', 'disable autostarting')],
  async run(vsh, cmd) {
    const l = await lookupDomain(vsh, cmd);
    if (!l) return false;
    const on = !cmd.bool('disable');
    const verb = on ? 'mark' : 'unmark';
    if (!(await vsh.attempt(`Failed to ${verb} domain '${l.name}' as autostarted`, () => l.conn.domains.setAutostart(l.dom, on)))) return false;
    vsh.printExtra(`Domain '${l.name}' ${verb}ed as autostarted\n`);
    return true;
  },
};

const console_: CmdDef = {
  name: 'console', help: 'connect to the guest console', desc: 'Connect the virtual serial console for the guest',
  opts: [optDomain('domain name, id or uuid', 'domain-active'), optString('devname', 'character device name'),
    optBool('force', 'force console connection (disconnect already connected sessions)'),
    optBool('resume', 'resume a paused guest after connecting to console'),
    optBool('safe', 'only connect if safe console handling is supported')],
  async run(vsh, cmd) {
    const l = await lookupDomain(vsh, cmd);
    if (!l) return false;
    if (cmd.bool('resume') && !(await vsh.attempt(undefined, () => l.conn.domains.lifecycle.resume(l.dom)))) return false;
    return attachConsole(vsh, l.conn, l.dom, cmd.string('devname'));
  },
};

const domid: CmdDef = {
  name: 'domid', help: 'convert a domain name or UUID to domain id', desc: '',
  opts: [optDomain('domain name or uuid')],
  async run(vsh, cmd) {
    const l = await lookupDomain(vsh, cmd);
    if (!l) return false;
    vsh.print(l.dom.id > 0 ? `${l.dom.id}\n` : '-\n');
    return true;
  },
};

const domname: CmdDef = {
  name: 'domname', help: 'convert a domain id or UUID to domain name', desc: '',
  opts: [optDomain('domain id or uuid')],
  async run(vsh, cmd) {
    const l = await lookupDomain(vsh, cmd);
    if (!l) return false;
    vsh.print(`${l.dom.name}\n`);
    return true;
  },
};

const domuuid: CmdDef = {
  name: 'domuuid', help: 'convert a domain name or id to domain UUID', desc: '',
  opts: [optDomain('domain id or name')],
  async run(vsh, cmd) {
    const l = await lookupDomain(vsh, cmd);
    if (!l) return false;
    vsh.print(`${l.dom.uuid}\n`);
    return true;
  },
};

export const domainLifecycleCmds: CmdDef[] = [
  autostart, console_, create, define, destroy, domid, domname, domuuid, reboot, resume, shutdown, start, suspend,
];
