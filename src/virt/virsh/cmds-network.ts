/*
 * cmds-network.ts — virsh's "Networking" commands (tools/virsh-network.c):
 * net-autostart, net-create, net-define, net-destroy, net-dhcp-leases,
 * net-dumpxml, net-info, net-list, net-name, net-start, net-undefine, net-uuid.
 */
import type { NetworkObj } from '../driver/networks.js';
import type { CmdDef, ParsedCmd } from './command.js';
import { lookupNetwork, optBool, optFile, optNetwork, optString } from './common.js';
import { VshTable, padRight } from './format.js';
import type { Vsh } from './vsh.js';
import type { Connect } from '../driver/connect.js';

async function netAction(vsh: Vsh, cmd: ParsedCmd, verb: string, done: string,
  act: (conn: Connect, net: NetworkObj) => Promise<void>): Promise<boolean> {
  const l = await lookupNetwork(vsh, cmd);
  if (!l) return false;
  if (!(await vsh.attempt(`Failed to ${verb} network ${l.name}`, () => act(l.conn, l.net)))) return false;
  vsh.printExtra(`Network ${l.name} ${done}\n`);
  return true;
}

function fromFile(name: 'net-define' | 'net-create', help: string, desc: string, verb: string, done: string,
  act: (c: Connect, xml: string) => Promise<NetworkObj>): CmdDef {
  return {
    name, help, desc,
    opts: [optFile('file containing an XML network description'), optBool('validate', 'validate the XML against the schema')],
    async run(vsh, cmd) {
      const conn = await vsh.conn();
      const file = cmd.req('file');
      const xml = await vsh.io.readFile(file);
      let net: NetworkObj | undefined;
      if (!(await vsh.attempt(`Failed to ${verb} network from ${file}`, async () => {
        net = await act(conn, xml);
      }))) return false;
      vsh.printExtra(`Network ${net!.name} ${done} from ${file}\n`);
      return true;
    },
  };
}

const netDefine = fromFile('net-define',
  'define an inactive persistent virtual network or modify an existing persistent one from an XML file',
  'Define or modify a persistent virtual network.', 'define', 'defined', (c, x) => c.networks.defineXML(x));
const netCreate = fromFile('net-create', 'create a network from an XML file', 'Create a network.', 'create', 'created',
  (c, x) => c.networks.createXML(x));

const netStart: CmdDef = {
  name: 'net-start', help: 'start a (previously defined) inactive network', desc: 'Start a network.',
  opts: [optNetwork('network name or uuid')],
  run: (vsh, cmd) => netAction(vsh, cmd, 'start', 'started', (c, n) => c.networks.start(n)),
};

const netDestroy: CmdDef = {
  name: 'net-destroy', help: 'destroy (stop) a network', desc: 'Forcefully stop a given network.',
  opts: [optNetwork()],
  run: (vsh, cmd) => netAction(vsh, cmd, 'destroy', 'destroyed', (c, n) => c.networks.destroy(n)),
};

const netUndefine: CmdDef = {
  name: 'net-undefine', help: 'undefine a persistent network', desc: 'Undefine the configuration for a persistent network.',
  opts: [optNetwork()],
  run: (vsh, cmd) => netAction(vsh, cmd, 'undefine', 'has been undefined', (c, n) => c.networks.undefine(n)),
};

const netAutostart: CmdDef = {
  name: 'net-autostart', help: 'autostart a network', desc: 'Configure a network to be automatically started at boot.',
  opts: [optNetwork(), optBool('disable', 'disable autostarting')],
  async run(vsh, cmd) {
    const l = await lookupNetwork(vsh, cmd);
    if (!l) return false;
    const on = !cmd.bool('disable');
    const verb = on ? 'mark' : 'unmark';
    if (!(await vsh.attempt(`failed to ${verb} network ${l.name} as autostarted`, () => l.conn.networks.setAutostart(l.net, on)))) return false;
    vsh.printExtra(`Network ${l.name} ${verb}ed as autostarted\n`);
    return true;
  },
};

const netDumpxml: CmdDef = {
  name: 'net-dumpxml', help: 'network information in XML', desc: 'Output the network information as an XML dump to stdout.',
  opts: [optNetwork(), optBool('inactive', 'show inactive defined XML')],
  async run(vsh, cmd) {
    const l = await lookupNetwork(vsh, cmd);
    if (!l) return false;
    return vsh.attempt(undefined, () => vsh.print(l.conn.networks.xmlDesc(l.net, cmd.bool('inactive'))));
  },
};

const netInfo: CmdDef = {
  name: 'net-info', help: 'network information', desc: 'Returns basic information about the network',
  opts: [optNetwork()],
  async run(vsh, cmd) {
    const l = await lookupNetwork(vsh, cmd);
    if (!l) return false;
    const n = l.net;
    const line = (a: string, b: string) => vsh.print(`${padRight(a, 15)} ${b}\n`);
    line('Name:', n.name);
    line('UUID:', n.uuid);
    line('Active:', n.active ? 'yes' : 'no');
    line('Persistent:', n.persistent ? 'yes' : 'no');
    line('Autostart:', n.autostart ? 'yes' : 'no');
    if (n.bridge) line('Bridge:', n.bridge);
    return true;
  },
};

const netList: CmdDef = {
  name: 'net-list', help: 'list networks', desc: 'Returns list of networks.',
  opts: [optBool('inactive', 'list inactive networks'), optBool('all', 'list inactive & active networks'),
    optBool('persistent', 'list persistent networks'), optBool('transient', 'list transient networks'),
    optBool('autostart', 'list networks with autostart enabled'), optBool('no-autostart', 'list networks with autostart disabled'),
    optBool('uuid', "list uuid's only"), optBool('name', 'list network names only'),
    optBool('table', 'list table (default)'), optBool('title', 'show network title')],
  async run(vsh, cmd) {
    if (Number(cmd.bool('table')) + Number(cmd.bool('name')) + Number(cmd.bool('uuid')) > 1) {
      vsh.error('Only one argument from --table, --name and --uuid may be specified.');
      return false;
    }
    const conn = await vsh.conn();
    let nets = conn.networks.list().filter((n) => (cmd.bool('all') ? true : cmd.bool('inactive') ? !n.active : n.active));
    if (cmd.bool('persistent') || cmd.bool('transient')) nets = nets.filter((n) => (cmd.bool('persistent') && n.persistent) || (cmd.bool('transient') && !n.persistent));
    if (cmd.bool('autostart') || cmd.bool('no-autostart')) nets = nets.filter((n) => (cmd.bool('autostart') && n.autostart) || (cmd.bool('no-autostart') && !n.autostart));
    nets.sort((a, b) => a.name.toLowerCase().localeCompare(b.name.toLowerCase()));
    if (cmd.bool('uuid') || cmd.bool('name')) {
      for (const n of nets) vsh.print(`${cmd.bool('uuid') ? n.uuid : n.name}\n`);
      return true;
    }
    const title = cmd.bool('title');
    const t = title ? new VshTable('Name', 'State', 'Autostart', 'Persistent', 'Title')
      : new VshTable('Name', 'State', 'Autostart', 'Persistent');
    for (const n of nets) {
      const row = [n.name, n.active ? 'active' : 'inactive', n.autostart ? 'yes' : 'no', n.persistent ? 'yes' : 'no'];
      if (title) row.push((n.def as { title?: string }).title ?? '');
      t.add(...row);
    }
    vsh.print(t.render(!vsh.quiet));
    return true;
  },
};

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/** "%Y-%m-%d %H:%M:%S" in local time, as virsh formats lease expiry. */
export function formatExpiry(seconds: number): string {
  const d = new Date(seconds * 1000);
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
}

const netDhcpLeases: CmdDef = {
  name: 'net-dhcp-leases', help: 'print lease info for a given network', desc: 'Print lease info for a given network',
  opts: [optNetwork(), optString('mac', 'MAC address')],
  async run(vsh, cmd) {
    const l = await lookupNetwork(vsh, cmd);
    if (!l) return false;
    const mac = cmd.string('mac');
    const leases = l.conn.networks.dhcpLeases(l.net, mac)
      .sort((a, b) => (a.mac.toLowerCase() < b.mac.toLowerCase() ? -1 : a.mac.toLowerCase() > b.mac.toLowerCase() ? 1 : 0));
    const t = new VshTable('Expiry Time', 'MAC address', 'Protocol', 'IP address', 'Hostname', 'Client ID or DUID');
    for (const x of leases) {
      t.add(formatExpiry(x.expiryTime), x.mac, x.type, `${x.ipaddr}/${x.prefix}`, x.hostname || '-', x.clientid || '-');
    }
    vsh.print(t.render(!vsh.quiet));
    return true;
  },
};

const netName: CmdDef = {
  name: 'net-name', help: 'convert a network UUID to network name', desc: '', opts: [optNetwork('network uuid')],
  async run(vsh, cmd) {
    const l = await lookupNetwork(vsh, cmd);
    if (!l) return false;
    vsh.print(`${l.net.name}\n`);
    return true;
  },
};

const netUuid: CmdDef = {
  name: 'net-uuid', help: 'convert a network name to network UUID', desc: '', opts: [optNetwork('network name')],
  async run(vsh, cmd) {
    const l = await lookupNetwork(vsh, cmd);
    if (!l) return false;
    vsh.print(`${l.net.uuid}\n`);
    return true;
  },
};

export const networkCmds: CmdDef[] = [
  netAutostart, netCreate, netDefine, netDestroy, netDhcpLeases, netDumpxml, netInfo, netList, netName, netStart,
  netUndefine, netUuid,
];
