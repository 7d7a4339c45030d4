/*
 * cmds-domain-config.ts — virsh's "Domain Management" configuration commands
 * (tools/virsh-domain.c): undefine (--remove-all-storage), dumpxml, edit,
 * setvcpus, setmem, setmaxmem, blkdeviotune.
 */
import type { DiskIoTune } from '../conf/index.js';
import { VirError } from '../error.js';
import { IOTUNE_FIELDS } from '../driver/tuning.js';
import type { CmdDef, OptDef, ParsedCmd } from './command.js';
import {
  affect, lookupDomain, optBool, optConfig, optCurrent, optDomain, optLive, optString,
} from './common.js';
import type { Vsh } from './vsh.js';

const undefine: CmdDef = {
  name: 'undefine', help: 'undefine a domain',
  desc: 'Undefine an inactive domain, or convert persistent to transient.',
  opts: [
    optDomain('domain name or uuid'),
    optBool('managed-save', 'remove domain managed state file'),
    optString('storage', 'remove associated storage volumes (comma separated list of targets or source paths) (see domblklist)'),
    optBool('remove-all-storage', 'remove all associated storage volumes (use with caution)'),
    optBool('delete-storage', 'delete snapshots associated with volume(s)'),
    optBool('wipe-storage', 'wipe data on the removed volumes'),
    optBool('snapshots-metadata', 'remove all domain snapshot metadata (vm must be inactive)'),
    optBool('checkpoints-metadata', 'remove all domain checkpoint metadata (vm must be inactive)'),
    optBool('nvram', 'remove nvram file'),
    optBool('keep-nvram', 'keep nvram file'),
    optBool('tpm', 'remove TPM state'),
    optBool('keep-tpm', 'keep TPM state'),
  ],
  async run(vsh, cmd) {
    const l = await lookupDomain(vsh, cmd);
    if (!l) return false;
    const all = cmd.bool('remove-all-storage');
    const list = cmd.string('storage')?.split(',').filter((s) => s !== '');
    if (all && list) {
      vsh.error("Options --storage and --remove-all-storage are mutually exclusive");
      return false;
    }
    const def = l.dom.configDef();
    const disks = def.devices.disks.filter((d) => d.device === 'disk' || d.device === 'lun')
      .filter((d) => all || (list ?? []).some((s) => s === d.target.dev || (d.source.type === 'file' && d.source.file === s)));
    if (list) {
      for (const s of list) {
        if (!disks.some((d) => s === d.target.dev || (d.source.type === 'file' && d.source.file === s))) {
          vsh.error(`Volume '${s}' was not found in domain's definition.`);
          return false;
        }
      }
    }
    if (!(await vsh.attempt(`Failed to undefine domain '${l.name}'`, () => l.conn.domains.undefine(l.dom)))) return false;
    vsh.printExtra(`Domain '${l.name}' has been undefined\n`);
    let ok = true;
    for (const d of disks) {
      const source = d.source.type === 'file' ? d.source.file
        : d.source.type === 'volume' && d.source.pool && d.source.volume ? d.source.volume : undefined;
      if (!source) continue;
      try {
        const vol = d.source.type === 'volume'
          ? await l.conn.volumes.lookupByName(l.conn.pools.lookupByName(d.source.pool!), d.source.volume!)
          : await l.conn.volumes.lookupByPath(source);
        if (cmd.bool('wipe-storage')) await l.conn.volumes.wipe(vol);
        await l.conn.volumes.delete(vol);
        vsh.printExtra(`Volume '${d.target.dev}'(${source}) removed.\n`);
      } catch (e) {
        if (!(e instanceof VirError)) throw e;
        vsh.error(`Storage volume '${d.target.dev}'(${source}) is not managed by libvirt. Remove it manually.`);
        ok = false;
      }
    }
    return ok;
  },
};

const dumpxml: CmdDef = {
  name: 'dumpxml', help: 'domain information in XML', desc: 'Output the domain information as an XML dump to stdout.',
  opts: [
    optDomain(),
    optBool('inactive', 'show inactive defined XML'),
    optBool('security-info', 'include security sensitive information in XML dump'),
    optBool('update-cpu', 'update guest CPU according to host CPU'),
    optBool('migratable', 'provide XML suitable for migrations'),
  ],
  async run(vsh, cmd) {
    const l = await lookupDomain(vsh, cmd);
    if (!l) return false;
    return vsh.attempt(undefined, () => vsh.print(l.conn.domains.xmlDesc(l.dom, cmd.bool('inactive'))));
  },
};

const edit: CmdDef = {
  name: 'edit', help: 'edit XML configuration for a domain', desc: 'Edit the XML configuration for a domain.',
  opts: [optDomain(), optBool('skip-validate', 'skip validation of the XML against the schema')],
  async run(vsh, cmd) {
    const l = await lookupDomain(vsh, cmd);
    if (!l) return false;
    if (!vsh.io.edit) {
      vsh.error('edit is not available in this shell');
      return false;
    }
    const before = l.conn.domains.xmlDesc(l.dom, true);
    const after = await vsh.io.edit(before, `${l.name}.xml`);
    if (after === before) {
      vsh.printExtra(`Domain '${l.name}' XML configuration not changed.\n`);
      return true;
    }
    let name = '';
    if (!(await vsh.attempt(undefined, async () => {
      name = (await l.conn.domains.defineXML(after)).name;
    }))) return false;
    vsh.printExtra(`Domain '${name}' XML configuration edited.\n`);
    return true;
  },
};

function affectOrError(vsh: Vsh, cmd: ParsedCmd, active: boolean) {
  const a = affect(cmd, active);
  if (typeof a === 'string') {
    vsh.error(a);
    return undefined;
  }
  return a;
}

const affectOpts = (): OptDef[] => [
  optConfig('affect next boot'), optLive('affect running domain'), optCurrent('affect current domain'),
];

const setvcpus: CmdDef = {
  name: 'setvcpus', help: 'change number of virtual CPUs',
  desc: 'Change the number of virtual CPUs in the guest domain.',
  opts: [
    optDomain(),
    { name: 'count', type: 'int', positional: true, required: true, help: 'number of virtual CPUs' },
    optBool('maximum', 'set maximum limit on next boot'),
    ...affectOpts(),
    optBool('guest', 'modify cpu state in the guest'),
    optBool('hotpluggable', 'make added vcpus hot(un)pluggable'),
  ],
  async run(vsh, cmd) {
    const l = await lookupDomain(vsh, cmd);
    if (!l) return false;
    const count = cmd.int('count', { min: 0, max: 0xffffffff })!;
    const a = affectOrError(vsh, cmd, l.dom.isActive());
    if (!a) return false;
    if (cmd.bool('maximum') && !cmd.has('config')) {
      vsh.error('--maximum must be used with --config only');
      return false;
    }
    return vsh.attempt(undefined, () => l.conn.tuning.setVcpus(l.dom, count, a, cmd.bool('maximum')));
  },
};

const sizeOpt: OptDef = { name: 'size', type: 'string', positional: true, required: true,
  help: 'new memory size, as scaled integer (default KiB)' };

async function memCmd(vsh: Vsh, cmd: ParsedCmd, max: boolean): Promise<boolean> {
  const l = await lookupDomain(vsh, cmd);
  if (!l) return false;
  const bytes = cmd.scaled('size', 1024, Number.MAX_SAFE_INTEGER)!;
  const kib = Math.floor(bytes / 1024);
  const a = affectOrError(vsh, cmd, l.dom.isActive());
  if (!a) return false;
  if (max) {
    return vsh.attempt('Unable to change MaxMemorySize', () => l.conn.tuning.setMaxMemory(l.dom, kib, a));
  }
  return vsh.attempt(undefined, () => l.conn.tuning.setMemory(l.dom, kib, a));
}

const setmem: CmdDef = {
  name: 'setmem', help: 'change memory allocation', desc: 'Change the current memory allocation in the guest domain.',
  opts: [optDomain(), sizeOpt, ...affectOpts()],
  run: (vsh, cmd) => memCmd(vsh, cmd, false),
};

const setmaxmem: CmdDef = {
  name: 'setmaxmem', help: 'change maximum memory limit',
  desc: 'Change the maximum memory allocation limit in the guest domain.',
  opts: [optDomain(), { ...sizeOpt, help: 'new maximum memory size, as scaled integer (default KiB)' }, ...affectOpts()],
  run: (vsh, cmd) => memCmd(vsh, cmd, true),
};

/** virsh's iotune options (dashes; the underscore spellings are aliases), in virsh's order, with its help. */
const IO_HELP: Array<[string, string]> = [
  ['total_bytes_sec', 'total throughput limit, as scaled integer (default bytes)'],
  ['read_bytes_sec', 'read throughput limit, as scaled integer (default bytes)'],
  ['write_bytes_sec', 'write throughput limit, as scaled integer (default bytes)'],
  ['total_iops_sec', 'total I/O operations limit per second'],
  ['read_iops_sec', 'read I/O operations limit per second'],
  ['write_iops_sec', 'write I/O operations limit per second'],
  ['total_bytes_sec_max', 'total max, as scaled integer (default bytes)'],
  ['read_bytes_sec_max', 'read max, as scaled integer (default bytes)'],
  ['write_bytes_sec_max', 'write max, as scaled integer (default bytes)'],
  ['total_iops_sec_max', 'total I/O operations max'],
  ['read_iops_sec_max', 'read I/O operations max'],
  ['write_iops_sec_max', 'write I/O operations max'],
  ['size_iops_sec', 'I/O size in bytes'],
  ['group_name', 'group name to share I/O quota between multiple drives'],
  ['total_bytes_sec_max_length', 'duration in seconds to allow total max bytes'],
  ['read_bytes_sec_max_length', 'duration in seconds to allow read max bytes'],
  ['write_bytes_sec_max_length', 'duration in seconds to allow write max bytes'],
  ['total_iops_sec_max_length', 'duration in seconds to allow total I/O operations max'],
  ['read_iops_sec_max_length', 'duration in seconds to allow read I/O operations max'],
  ['write_iops_sec_max_length', 'duration in seconds to allow write I/O operations max'],
];

const ioOpts: OptDef[] = IO_HELP.map(([f, help]) => ({
  name: f.replace(/_/g, '-'), type: f === 'group_name' ? 'string' : f.includes('bytes') && !f.endsWith('_length') ? 'string' : 'int',
  help, aliases: f.includes('_') ? [f] : undefined,
}));

const blkdeviotune: CmdDef = {
  name: 'blkdeviotune', help: 'Set or query a block device I/O tuning parameters.',
  desc: 'Set or query disk I/O parameters such as block throttling.',
  opts: [
    optDomain(),
    { name: 'device', type: 'string', positional: true, required: true, help: 'block device', completer: 'disk' },
    ...ioOpts,
    ...affectOpts(),
  ],
  async run(vsh, cmd) {
    const l = await lookupDomain(vsh, cmd);
    if (!l) return false;
    const device = cmd.req('device');
    const a = affectOrError(vsh, cmd, l.dom.isActive());
    if (!a) return false;
    const change: Record<string, number | string> = {};
    for (const f of IOTUNE_FIELDS) {
      const opt = f.replace(/_/g, '-');
      if (!cmd.has(opt)) continue;
      if (f === 'group_name') change[f] = cmd.string(opt) ?? '';
      else change[f] = f.includes('bytes') && !f.endsWith('_length')
        ? cmd.scaled(opt, 1)! : cmd.int(opt, { min: 0 })!;
    }
    if (Object.keys(change).length === 0) {
      let tune: DiskIoTune = {};
      if (!(await vsh.attempt(`Unable to get block I/O throttle parameters`, () => {
        tune = l.conn.tuning.getIoTune(l.dom, device, a);
      }))) return false;
      const rec = tune as Record<string, number | string | undefined>;
      for (const f of IOTUNE_FIELDS) vsh.print(`${f.padEnd(15)}: ${rec[f] ?? (f === 'group_name' ? '' : 0)}\n`);
      return true;
    }
    return vsh.attempt('Unable to change block I/O throttle', () =>
      l.conn.tuning.setIoTune(l.dom, device, change as Partial<DiskIoTune>, a));
  },
};

export const domainConfigCmds: CmdDef[] = [blkdeviotune, dumpxml, edit, setmaxmem, setmem, setvcpus, undefine];
