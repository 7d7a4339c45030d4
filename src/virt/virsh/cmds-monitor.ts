/*
 * cmds-monitor.ts — virsh's "Domain Monitoring" commands
 * (tools/virsh-domain-monitor.c): list, dominfo, domstate, domblklist,
 * domblkstat, domiflist, domifaddr, domifstat, dommemstat. Layouts are virsh's: the
 * vshTable for lists, "%-15s %s" for dominfo, "%s %s %lld" for the stat lines,
 * " %-10s %-17s    %-12s %s" for domifaddr's rows.
 */
import { VirError } from '../error.js';
import type { DomainObj } from '../driver/domain-obj.js';
import { reasonName, stateName, DomainState } from '../driver/states.js';
import type { CmdDef } from './command.js';
import { lookupDomain, optBool, optConfig, optCurrent, optDomain, optLive } from './common.js';
import { VshTable, padRight, seconds1 } from './format.js';
import { domstats } from './cmds-domstats.js';
import { IF_ADDR_SOURCES, type DomainInterface, type IfAddrSource } from '../driver/connect.js';

const LIST_OPTS = [
  ['inactive', 'list inactive domains'], ['all', 'list inactive & active domains'],
  ['transient', 'list transient domains'], ['persistent', 'list persistent domains'],
  ['with-snapshot', 'list domains with existing snapshot'], ['without-snapshot', 'list domains without a snapshot'],
  ['with-checkpoint', 'list domains with existing checkpoint'], ['without-checkpoint', 'list domains without a checkpoint'],
  ['state-running', 'list domains in running state'], ['state-paused', 'list domains in paused state'],
  ['state-shutoff', 'list domains in shutoff state'], ['state-other', 'list domains in other states'],
  ['autostart', 'list domains with autostart enabled'], ['no-autostart', 'list domains with autostart disabled'],
  ['with-managed-save', 'list domains with managed save state'],
  ['without-managed-save', 'list domains without managed save'],
  ['uuid', "list uuid's only"], ['name', 'list domain names only'], ['id', 'list domain IDs only'],
  ['table', 'list table (default)'], ['managed-save', 'mark inactive domains with managed save state'],
  ['title', 'show domain title'],
] as const;

/** virshDomainSorter: active by id, then inactive by name (case-insensitive). */
function sortDomains(list: DomainObj[]): DomainObj[] {
  return list.sort((a, b) => {
    if (a.id > 0 && b.id > 0) return a.id - b.id;
    if (a.id > 0) return -1;
    if (b.id > 0) return 1;
    return a.name.toLowerCase() < b.name.toLowerCase() ? -1 : a.name.toLowerCase() > b.name.toLowerCase() ? 1 : 0;
  });
}

const list: CmdDef = {
  name: 'list', help: 'list domains', desc: 'Returns list of domains.',
  opts: LIST_OPTS.map(([name, help]) => optBool(name, help)),
  async run(vsh, cmd) {
    for (const [a, b] of [['table', 'name'], ['table', 'id']]) {
      if (cmd.bool(a) && cmd.bool(b)) {
        vsh.error(`Options --${a} and --${b} are mutually exclusive`);
        return false;
      }
    }
    const conn = await vsh.conn();
    const all = cmd.bool('all');
    const inactive = cmd.bool('inactive') || cmd.bool('state-shutoff');
    let doms = conn.domains.list().filter((d) => (all ? true : inactive ? !d.isActive() : d.isActive()));
    const filt = (a: string, b: string, pred: (d: DomainObj) => boolean) => {
      if (cmd.bool(a) || cmd.bool(b)) doms = doms.filter((d) => (cmd.bool(a) && pred(d)) || (cmd.bool(b) && !pred(d)));
    };
    filt('persistent', 'transient', (d) => d.persistent);
    filt('autostart', 'no-autostart', (d) => d.autostart);
    filt('with-snapshot', 'without-snapshot', () => false);
    filt('with-checkpoint', 'without-checkpoint', () => false);
    filt('with-managed-save', 'without-managed-save', () => false);
    const states = [['state-running', DomainState.Running], ['state-paused', DomainState.Paused],
      ['state-shutoff', DomainState.Shutoff]] as const;
    if (states.some(([o]) => cmd.bool(o)) || cmd.bool('state-other')) {
      doms = doms.filter((d) => states.some(([o, s]) => cmd.bool(o) && d.state === s) ||
        (cmd.bool('state-other') && !states.some(([, s]) => d.state === s)));
    }
    sortDomains(doms);
    const optUuid = cmd.bool('uuid');
    const optName = cmd.bool('name');
    const optId = cmd.bool('id');
    const title = cmd.bool('title');
    if (optUuid || optName || optId) {
      if (!cmd.bool('table')) {
        for (const d of doms) {
          const id = d.id > 0 ? String(d.id) : '-';
          if (optId && !optUuid && !optName && d.id <= 0) continue;
          const parts: string[] = [];
          if (optUuid) parts.push(d.uuid);
          if (optId) parts.push(id);
          if (optName) parts.push(d.name);
          vsh.print(parts.join(' ') + '\n');
        }
        return true;
      }
    }
    const header = ['Id', 'Name', 'State'];
    if (title) header.push('Title');
    if (optUuid) header.push('UUID');
    const t = new VshTable(...header);
    for (const d of doms) {
      const row = [d.id > 0 ? String(d.id) : '-', d.name, stateName(d.state)];
      if (title) row.push(d.def.title ?? '');
      if (optUuid) row.push(d.uuid);
      t.add(...row);
    }
    vsh.print(t.render(!vsh.quiet));
    return true;
  },
};

const dominfo: CmdDef = {
  name: 'dominfo', help: 'domain information', desc: 'Returns basic information about the domain.',
  opts: [optDomain()],
  async run(vsh, cmd) {
    const l = await lookupDomain(vsh, cmd);
    if (!l) return false;
    const d = l.dom;
    const line = (label: string, value: string) => vsh.print(`${padRight(label, 15)} ${value}\n`);
    line('Id:', d.id > 0 ? String(d.id) : '-');
    line('Name:', d.name);
    line('UUID:', d.uuid);
    line('OS Type:', d.def.os.type);
    const info = await l.conn.domains.info(d);
    line('State:', stateName(info.state));
    line('CPU(s):', String(info.nrVirtCpu));
    if (info.cpuTimeNs !== 0) line('CPU time:', seconds1(info.cpuTimeNs));
    line('Max memory:', `${info.maxMem} KiB`);
    line('Used memory:', `${info.memory} KiB`);
    line('Persistent:', d.persistent ? 'yes' : 'no');
    line('Autostart:', d.autostart ? 'enable' : 'disable');
    line('Managed save:', 'no');
    return true;
  },
};

const domstate: CmdDef = {
  name: 'domstate', help: 'domain state', desc: 'Returns state about a domain.',
  opts: [optDomain(), optBool('reason', 'also print reason for the state')],
  async run(vsh, cmd) {
    const l = await lookupDomain(vsh, cmd);
    if (!l) return false;
    const s = stateName(l.dom.state);
    vsh.print(cmd.bool('reason') ? `${s} (${reasonName(l.dom.state, l.dom.reason)})\n` : `${s}\n`);
    return true;
  },
};

const domblklist: CmdDef = {
  name: 'domblklist', help: 'list all domain blocks', desc: 'Get the summary of block devices for a domain.',
  opts: [optDomain(), optBool('inactive', 'get inactive rather than running configuration'),
    optBool('details', 'additionally display the type and device value')],
  async run(vsh, cmd) {
    const l = await lookupDomain(vsh, cmd);
    if (!l) return false;
    const def = cmd.bool('inactive') ? l.dom.configDef() : l.dom.def;
    const details = cmd.bool('details');
    const t = details ? new VshTable('Type', 'Device', 'Target', 'Source') : new VshTable('Target', 'Source');
    for (const d of def.devices.disks) {
      const s = d.source;
      const source = (s.type === 'file' ? s.file : s.type === 'block' ? s.dev : s.volume) ?? '-';
      if (details) t.add(s.type, d.device, d.target.dev, source);
      else t.add(d.target.dev, source);
    }
    vsh.print(t.render(!vsh.quiet));
    return true;
  },
};

const domiflist: CmdDef = {
  name: 'domiflist', help: 'list all domain virtual interfaces', desc: 'Get the summary of virtual interfaces for a domain.',
  opts: [optDomain(), optBool('inactive', 'get inactive rather than running configuration')],
  async run(vsh, cmd) {
    const l = await lookupDomain(vsh, cmd);
    if (!l) return false;
    const def = cmd.bool('inactive') ? l.dom.configDef() : l.dom.def;
    const t = new VshTable('Interface', 'Type', 'Source', 'Model', 'MAC');
    for (const i of def.devices.interfaces) {
      const source = i.source.bridge ?? i.source.network ?? '-';
      t.add(i.target ?? '-', i.type, source, i.model ?? '-', i.mac);
    }
    vsh.print(t.render(!vsh.quiet));
    return true;
  },
};

const domifaddr: CmdDef = {
  name: 'domifaddr', help: "Get network interfaces' addresses for a running domain",
  desc: "Get network interfaces' addresses for a running domain",
  opts: [optDomain('domain name, id or uuid', 'domain-active'),
    { name: 'interface', type: 'string', help: 'network interface name', completer: 'iface' },
    optBool('full', 'always display names and MACs of interfaces'),
    { name: 'source', type: 'string', help: "address source: 'lease', 'agent', or 'arp'" }],
  async run(vsh, cmd) {
    const source = cmd.string('source') ?? 'lease';
    if (!(IF_ADDR_SOURCES as readonly string[]).includes(source)) {
      vsh.error(`Unknown data source '${source}'`);
      return false;
    }
    const l = await lookupDomain(vsh, cmd);
    if (!l) return false;
    let ifaces: DomainInterface[] = [];
    if (!(await vsh.attempt('Failed to query for interfaces addresses', () => {
      ifaces = l.conn.interfaceAddresses(l.dom, source as IfAddrSource);
    }))) return false;
    if (!vsh.quiet) vsh.print(` ${padRight('Name', 10)} ${padRight('MAC address', 20)} ${padRight('Protocol', 8)}     Address\n${'-'.repeat(79)}\n`);
    const only = cmd.string('interface');
    for (const i of ifaces) {
      if (only !== undefined && only !== i.name) continue;
      i.addrs.forEach((a, j) => {
        const first = cmd.bool('full') || j === 0;
        vsh.print(` ${padRight(first ? i.name : '-', 10)} ${padRight(first ? i.hwaddr : '-', 17)}    ${padRight(a.type, 12)} ${a.addr}/${a.prefix}\n`);
      });
    }
    return true;
  },
};

const BLK_FIELDS = [
  ['rdReq', 'rd_req', 'number of read operations:'], ['rdBytes', 'rd_bytes', 'number of bytes read:'],
  ['wrReq', 'wr_req', 'number of write operations:'], ['wrBytes', 'wr_bytes', 'number of bytes written:'],
  ['errs', 'errs', 'error count:'], ['flushReq', 'flush_operations', 'number of flush operations:'],
  ['rdTotalTimeNs', 'rd_total_times', 'total duration of reads (ns):'],
  ['wrTotalTimeNs', 'wr_total_times', 'total duration of writes (ns):'],
  ['flushTotalTimeNs', 'flush_total_times', 'total duration of flushes (ns):'],
] as const;

const domblkstat: CmdDef = {
  name: 'domblkstat', help: 'get device block stats for a domain',
  desc: 'Get device block stats for a running domain. See man page or use --human for explanation of fields',
  opts: [optDomain('domain name, id or uuid', 'domain-active'),
    { name: 'device', type: 'string', positional: true, allowEmpty: true, help: 'block device', completer: 'disk' },
    optBool('human', 'print a more human readable output')],
  async run(vsh, cmd) {
    const l = await lookupDomain(vsh, cmd);
    if (!l) return false;
    let device = cmd.string('device') ?? '';
    const human = cmd.bool('human');
    let stats: Record<string, number> | undefined;
    const fail = `Failed to get block stats for domain '${l.name}' device '${device}'`;
    if (!(await vsh.attempt(fail, async () => {
      const st = await l.conn.domains.lifecycle.running(l.dom).stats();
      const disk = device === '' ? undefined : l.conn.tuning.findDisk(l.dom.def, device).target.dev;
      stats = disk ? { ...(st.block[disk] ?? zeroBlock()) } : sumBlock(Object.values(st.block));
    }))) return false;
    if (human) {
      vsh.print(`Device: ${device}\n`);
      device = '';
    }
    for (const [key, legacy, label] of BLK_FIELDS) {
      vsh.print(human ? `${device} ${padRight(label, 31)} ${stats![key]}\n` : `${device} ${legacy} ${stats![key]}\n`);
    }
    return true;
  },
};

function zeroBlock(): Record<string, number> {
  return Object.fromEntries(BLK_FIELDS.map(([k]) => [k, 0]));
}

function sumBlock(list: object[]): Record<string, number> {
  const out = zeroBlock();
  for (const s of list as Array<Record<string, number>>) for (const [k] of BLK_FIELDS) out[k] += s[k] ?? 0;
  return out;
}

const domifstat: CmdDef = {
  name: 'domifstat', help: 'get network interface stats for a domain', desc: 'Get network interface stats for a running domain.',
  opts: [optDomain('domain name, id or uuid', 'domain-active'),
    { name: 'interface', type: 'string', positional: true, required: true, help: 'interface device specified by name or MAC Address', completer: 'iface' }],
  async run(vsh, cmd) {
    const l = await lookupDomain(vsh, cmd);
    if (!l) return false;
    const dev = cmd.req('interface');
    let s: Record<string, number> | undefined;
    if (!(await vsh.attempt(`Failed to get interface stats ${l.name} ${dev}`, async () => {
      const st = await l.conn.domains.lifecycle.running(l.dom).stats();
      const iface = l.dom.def.devices.interfaces.find((i) => i.target === dev || i.mac === dev.toLowerCase());
      if (!iface?.target) throw new VirError('VIR_ERR_INVALID_ARG', `invalid path, '${dev}' is not a known interface`);
      s = { ...(st.net[iface.target] ?? {}) } as unknown as Record<string, number>;
    }))) return false;
    for (const [k, n] of [['rxBytes', 'rx_bytes'], ['rxPackets', 'rx_packets'], ['rxErrs', 'rx_errs'], ['rxDrop', 'rx_drop'],
      ['txBytes', 'tx_bytes'], ['txPackets', 'tx_packets'], ['txErrs', 'tx_errs'], ['txDrop', 'tx_drop']]) {
      vsh.print(`${dev} ${n} ${s![k] ?? 0}\n`);
    }
    return true;
  },
};

const dommemstat: CmdDef = {
  name: 'dommemstat', help: 'get memory statistics for a domain', desc: 'Get memory statistics for a running domain.',
  opts: [optDomain('domain name, id or uuid', 'domain-active'),
    { name: 'period', type: 'int', help: 'period in seconds to set collection' },
    optConfig('affect next boot'), optLive('affect running domain'), optCurrent('affect current domain')],
  async run(vsh, cmd) {
    const l = await lookupDomain(vsh, cmd);
    if (!l) return false;
    const period = cmd.int('period');
    if (period !== undefined) {
      if (period < 0) {
        vsh.error(`Invalid collection period value '${period}'`);
        return false;
      }
      return vsh.attempt('Unable to change balloon collection period.', () =>
        l.conn.domains.lifecycle.running(l.dom).setMemoryStatsPeriod(period));
    }
    let lines: Array<[string, number | undefined]> = [];
    if (!(await vsh.attempt(`Failed to get memory statistics for domain ${l.name}`, async () => {
      const st = await l.conn.domains.lifecycle.running(l.dom).stats();
      const b = st.balloon;
      lines = [['swap_in', b.swapInKiB], ['swap_out', b.swapOutKiB], ['major_fault', b.majorFault],
        ['minor_fault', b.minorFault], ['unused', b.unusedKiB], ['available', b.availableKiB], ['usable', b.usableKiB],
        ['actual', b.actualKiB], ['rss', st.rssKiB], ['last_update', b.lastUpdate], ['disk_caches', b.diskCachesKiB]];
    }))) return false;
    for (const [k, v] of lines) if (v !== undefined) vsh.print(`${k} ${v}\n`);
    return true;
  },
};

export const domainMonitorCmds: CmdDef[] = [
  domblklist, domblkstat, domifaddr, domifstat, domiflist, dominfo, dommemstat, domstate, domstats, list,
];
