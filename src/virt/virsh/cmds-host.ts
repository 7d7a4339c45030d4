/*
 * cmds-host.ts — virsh's "Host and Hypervisor" commands (tools/virsh-host.c):
 * capabilities, hostname, nodeinfo, nodememstats, uri, version.
 * nodeinfo labels are "%-20s", nodememstats lines "%-7s: %20llu KiB".
 */
import { LIBRARY_VERSION } from '../driver/connect.js';
import type { CmdDef } from './command.js';
import { optBool } from './common.js';
import { padLeft, padRight } from './format.js';

function decode(v: number): string {
  return `${Math.floor(v / 1_000_000)}.${Math.floor((v % 1_000_000) / 1000)}.${v % 1000}`;
}

const capabilities: CmdDef = {
  name: 'capabilities', help: 'capabilities', desc: 'Returns capabilities of hypervisor/driver.',
  opts: [{ name: 'xpath', type: 'string', help: 'xpath expression to filter the XML document' },
    optBool('wrap', 'wrap xpath results in an common root element')],
  async run(vsh, cmd) {
    if (cmd.has('xpath')) {
      vsh.error('--xpath is not supported by this virsh');
      return false;
    }
    const conn = await vsh.conn();
    vsh.print(await conn.capabilities());
    return true;
  },
};

const hostname: CmdDef = {
  name: 'hostname', help: 'print the hypervisor hostname', desc: '', opts: [],
  async run(vsh) {
    vsh.print(`${await (await vsh.conn()).getHostname()}\n`);
    return true;
  },
};

const uri: CmdDef = {
  name: 'uri', help: 'print the hypervisor canonical URI', desc: '', opts: [],
  async run(vsh) {
    vsh.print(`${(await vsh.conn()).uri}\n`);
    return true;
  },
};

const nodeinfo: CmdDef = {
  name: 'nodeinfo', help: 'node information', desc: 'Returns basic information about the node.', opts: [],
  async run(vsh) {
    const h = await (await vsh.conn()).nodeInfo();
    const line = (l: string, v: string) => vsh.print(`${padRight(l, 20)} ${v}\n`);
    line('CPU model:', h.model);
    line('CPU(s):', String(h.cpus));
    if (h.mhz) line('CPU frequency:', `${h.mhz} MHz`);
    line('CPU socket(s):', String(h.sockets));
    line('Core(s) per socket:', String(h.cores));
    line('Thread(s) per core:', String(h.threads));
    line('NUMA cell(s):', String(h.nodes));
    line('Memory size:', `${h.memoryKiB} KiB`);
    return true;
  },
};

const nodememstats: CmdDef = {
  name: 'nodememstats', help: 'Prints memory stats of the node.', desc: 'Returns memory stats of the node, in kilobytes.',
  opts: [{ name: 'cell', type: 'int', help: 'prints specified cell statistics only.' }],
  async run(vsh, cmd) {
    const cell = cmd.int('cell');
    if (cell !== undefined && cell !== -1 && cell !== 0) {
      vsh.error('Unable to get memory stats');
      vsh.error(`invalid argument: Invalid cell number ${cell}`);
      return false;
    }
    const h = await (await vsh.conn()).nodeInfo();
    for (const [k, v] of [['total', h.memoryKiB], ['free', h.freeKiB], ['buffers', h.buffersKiB], ['cached', h.cachedKiB]] as const) {
      vsh.print(`${padRight(k, 7)}: ${padLeft(String(v), 20)} KiB\n`);
    }
    return true;
  },
};

const version: CmdDef = {
  name: 'version', help: 'show version', desc: 'Display the system version information.',
  opts: [optBool('daemon', 'report daemon version too')],
  async run(vsh, cmd) {
    const conn = await vsh.conn();
    const type = conn.getType();
    vsh.print(`Compiled against library: wasmvirt ${LIBRARY_VERSION}\n`);
    vsh.print(`Using library: wasmvirt ${LIBRARY_VERSION}\n`);
    vsh.print(`Using API: ${type} ${LIBRARY_VERSION}\n`);
    const hv = await conn.getVersion();
    if (hv === 0) vsh.print(`Cannot extract running ${type} hypervisor version\n`);
    else vsh.print(`Running hypervisor: ${type} ${decode(hv)}\n`);
    if (cmd.bool('daemon')) vsh.print(`Running against daemon: ${decode(conn.getLibVersion())}\n`);
    return true;
  },
};

export const hostCmds: CmdDef[] = [capabilities, hostname, nodeinfo, nodememstats, uri, version];
