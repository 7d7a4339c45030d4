/*
 * cmds-domstats.ts — `virsh domstats` (virConnectGetAllDomainStats): one
 * record per domain, "Domain: 'name'" then "  field=value" lines with the
 * typed-parameter names of libvirt's stats groups (state, cpu-total, balloon,
 * vcpu, interface, block), records separated by an empty line.
 */
import type { Connect } from '../driver/connect.js';
import type { DomainObj } from '../driver/domain-obj.js';
import type { CmdDef } from './command.js';
import { optBool } from './common.js';

const GROUPS = ['state', 'cpu-total', 'balloon', 'vcpu', 'interface', 'block'] as const;
type Group = (typeof GROUPS)[number];

async function record(conn: Connect, d: DomainObj, groups: Set<Group>): Promise<Array<[string, string | number]>> {
  const out: Array<[string, string | number]> = [];
  const st = d.vm ? await d.vm.stats() : undefined;
  const def = d.def;
  if (groups.has('state')) out.push(['state.state', d.state], ['state.reason', d.reason]);
  if (groups.has('cpu-total') && st) out.push(['cpu.time', st.cpuTimeNs]);
  if (groups.has('balloon')) {
    out.push(['balloon.current', st?.balloon.actualKiB || def.currentMemory], ['balloon.maximum', def.memory]);
    if (st) {
      const b = st.balloon;
      const opt: Array<[string, number | undefined]> = [['swap_in', b.swapInKiB], ['swap_out', b.swapOutKiB],
        ['major_fault', b.majorFault], ['minor_fault', b.minorFault], ['unused', b.unusedKiB],
        ['available', b.availableKiB], ['usable', b.usableKiB], ['last-update', b.lastUpdate],
        ['disk_caches', b.diskCachesKiB]];
      for (const [k, v] of opt) if (v !== undefined) out.push([`balloon.${k}`, v]);
      out.push(['balloon.rss', st.rssKiB]);
    }
  }
  if (groups.has('vcpu')) {
    out.push(['vcpu.current', def.vcpu.current ?? def.vcpu.max], ['vcpu.maximum', def.vcpu.max]);
    st?.vcpus.forEach((v, i) => {
      out.push([`vcpu.${i}.state`, v.online ? 1 : 0], [`vcpu.${i}.time`, v.timeNs], [`vcpu.${i}.wait`, 0]);
    });
  }
  if (groups.has('interface') && st) {
    const ifs = def.devices.interfaces;
    out.push(['net.count', ifs.length]);
    ifs.forEach((i, n) => {
      const s = (i.target && st.net[i.target]) || undefined;
      out.push([`net.${n}.name`, i.target ?? '']);
      const f: Array<[string, number]> = [['rx.bytes', s?.rxBytes ?? 0], ['rx.pkts', s?.rxPackets ?? 0],
        ['rx.errs', s?.rxErrs ?? 0], ['rx.drop', s?.rxDrop ?? 0], ['tx.bytes', s?.txBytes ?? 0],
        ['tx.pkts', s?.txPackets ?? 0], ['tx.errs', s?.txErrs ?? 0], ['tx.drop', s?.txDrop ?? 0]];
      for (const [k, v] of f) out.push([`net.${n}.${k}`, v]);
    });
  }
  if (groups.has('block')) {
    const disks = def.devices.disks;
    out.push(['block.count', disks.length]);
    for (const [n, disk] of disks.entries()) {
      out.push([`block.${n}.name`, disk.target.dev]);
      const path = d.disks.find((x) => x.target === disk.target.dev)?.path ?? (disk.source.type === 'file' ? disk.source.file : undefined);
      if (path) out.push([`block.${n}.path`, path]);
      const s = st?.block[disk.target.dev];
      if (s) {
        const f: Array<[string, number]> = [['rd.reqs', s.rdReq], ['rd.bytes', s.rdBytes], ['rd.times', s.rdTotalTimeNs],
          ['wr.reqs', s.wrReq], ['wr.bytes', s.wrBytes], ['wr.times', s.wrTotalTimeNs], ['fl.reqs', s.flushReq],
          ['fl.times', s.flushTotalTimeNs]];
        for (const [k, v] of f) out.push([`block.${n}.${k}`, v]);
      }
      const vol = path ? await conn.volumes.lookupByPath(path).catch(() => undefined) : undefined;
      const info = vol ? await conn.volumes.info(vol).catch(() => undefined) : undefined;
      if (info) {
        out.push([`block.${n}.allocation`, info.allocation], [`block.${n}.capacity`, info.capacity],
          [`block.${n}.physical`, info.allocation]);
      }
    }
  }
  return out;
}

export const domstats: CmdDef = {
  name: 'domstats', help: 'get statistics about one or multiple domains',
  desc: 'Gets statistics about one or more (or all) domains',
  opts: [
    optBool('state', 'report domain state'),
    optBool('cpu-total', 'report domain physical cpu usage'),
    optBool('balloon', 'report domain balloon statistics'),
    optBool('vcpu', 'report domain virtual cpu information'),
    optBool('interface', 'report domain network interface information'),
    optBool('block', 'report domain block device statistics'),
    optBool('list-active', 'list only active domains'),
    optBool('list-inactive', 'list only inactive domains'),
    optBool('list-persistent', 'list only persistent domains'),
    optBool('list-transient', 'list only transient domains'),
    optBool('list-running', 'list only running domains'),
    optBool('list-paused', 'list only paused domains'),
    optBool('list-shutoff', 'list only shutoff domains'),
    optBool('list-other', 'list only domains in other states'),
    optBool('raw', 'do not pretty-print the fields'),
    optBool('enforce', 'enforce requested stats parameters'),
    { name: 'domain', type: 'argv', positional: true, help: 'list of domains to get stats for', completer: 'domain' },
  ],
  async run(vsh, cmd) {
    const conn = await vsh.conn();
    const asked = GROUPS.filter((g) => cmd.bool(g));
    const groups = new Set<Group>(asked.length ? asked : GROUPS);
    let doms: DomainObj[];
    const names = cmd.argv('domain');
    if (names.length) {
      doms = [];
      for (const n of names) {
        try {
          doms.push(conn.lookupDomain(n));
        } catch {
          vsh.error(`failed to get domain '${n}'`);
          return false;
        }
      }
    } else {
      doms = conn.domains.list().sort((a, b) => a.name.localeCompare(b.name));
      const f = (o: string, p: (d: DomainObj) => boolean) => {
        if (cmd.bool(o)) doms = doms.filter(p);
      };
      f('list-active', (d) => d.isActive());
      f('list-inactive', (d) => !d.isActive());
      f('list-persistent', (d) => d.persistent);
      f('list-transient', (d) => !d.persistent);
      f('list-running', (d) => d.state === 1);
      f('list-paused', (d) => d.state === 3);
      f('list-shutoff', (d) => d.state === 5);
      f('list-other', (d) => ![1, 3, 5].includes(d.state));
    }
    const blocks: string[] = [];
    for (const d of doms) {
      const rec = await record(conn, d, groups);
      blocks.push(`Domain: '${d.name}'\n` + rec.map(([k, v]) => `  ${k}=${v}\n`).join(''));
    }
    vsh.print(blocks.join('\n'));
    return true;
  },
};
