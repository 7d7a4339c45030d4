/*
 * cmds-pool.ts — virsh's "Storage Pool" commands (tools/virsh-pool.c):
 * pool-autostart, pool-build, pool-create, pool-define, pool-define-as,
 * pool-destroy, pool-dumpxml, pool-info, pool-list, pool-name, pool-refresh,
 * pool-start, pool-undefine, pool-uuid.
 */
import { PoolState, POOL_STATE_NAMES, type PoolObj } from '../driver/pools.js';
import type { CmdDef, ParsedCmd } from './command.js';
import { lookupPool, optBool, optFile, optPool, optString } from './common.js';
import { VshTable, capacityText, padRight } from './format.js';
import type { Vsh } from './vsh.js';
import type { Connect } from '../driver/connect.js';

async function poolAction(vsh: Vsh, cmd: ParsedCmd, verb: string, done: string,
  act: (conn: Connect, pool: PoolObj) => Promise<void>): Promise<boolean> {
  const l = await lookupPool(vsh, cmd);
  if (!l) return false;
  if (!(await vsh.attempt(`Failed to ${verb} pool ${l.name}`, () => act(l.conn, l.pool)))) return false;
  vsh.printExtra(`Pool ${l.name} ${done}\n`);
  return true;
}

const poolXmlOpts = [
  { name: 'name', type: 'string', positional: true, required: true, help: 'name of the pool' },
  optBool('print-xml', "print XML document, but don't define/create"),
  { name: 'type', type: 'string', positional: true, required: true, help: 'type of the pool' },
  optString('source-host', 'source-host for underlying storage'),
  optString('source-path', 'source path for underlying storage'),
  optString('source-dev', 'source device for underlying storage'),
  optString('source-name', 'source name for underlying storage'),
  { name: 'target', type: 'string', positional: true, help: 'target for underlying storage' },
  optString('source-format', 'format for underlying storage'),
] satisfies CmdDef['opts'];

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&apos;');
}

/** vshBuildPoolXML */
function buildPoolXml(cmd: ParsedCmd): string {
  const src = ['source-host', 'source-path', 'source-dev', 'source-format', 'source-name'].filter((o) => cmd.has(o));
  let xml = `<pool type='${escapeXml(cmd.req('type'))}'>\n  <name>${escapeXml(cmd.req('name'))}</name>\n`;
  if (src.length) {
    xml += '  <source>\n';
    if (cmd.has('source-host')) xml += `    <host name='${escapeXml(cmd.req('source-host'))}'/>\n`;
    if (cmd.has('source-path')) xml += `    <dir path='${escapeXml(cmd.req('source-path'))}'/>\n`;
    if (cmd.has('source-dev')) xml += `    <device path='${escapeXml(cmd.req('source-dev'))}'/>\n`;
    if (cmd.has('source-format')) xml += `    <format type='${escapeXml(cmd.req('source-format'))}'/>\n`;
    if (cmd.has('source-name')) xml += `    <name>${escapeXml(cmd.req('source-name'))}</name>\n`;
    xml += '  </source>\n';
  }
  if (cmd.has('target')) xml += `  <target>\n    <path>${escapeXml(cmd.req('target'))}</path>\n  </target>\n`;
  return xml + '</pool>\n';
}

const poolDefineAs: CmdDef = {
  name: 'pool-define-as', help: 'define a pool from a set of args', desc: 'Define a pool.', opts: poolXmlOpts,
  async run(vsh, cmd) {
    const xml = buildPoolXml(cmd);
    if (cmd.bool('print-xml')) {
      vsh.print(xml);
      return true;
    }
    const conn = await vsh.conn();
    const name = cmd.req('name');
    if (!(await vsh.attempt(`Failed to define pool ${name}`, () => conn.pools.defineXML(xml)))) return false;
    vsh.printExtra(`Pool ${name} defined\n`);
    return true;
  },
};

const poolDefine: CmdDef = {
  name: 'pool-define', help: "define an inactive persistent storage pool or modify an existing persistent one from an XML file",
  desc: 'Define or modify a persistent storage pool.',
  opts: [optFile('file containing an XML pool description'), optBool('validate', 'validate the XML against the schema')],
  async run(vsh, cmd) {
    const conn = await vsh.conn();
    const file = cmd.req('file');
    const xml = await vsh.io.readFile(file);
    let pool: PoolObj | undefined;
    if (!(await vsh.attempt(`Failed to define pool from ${file}`, async () => {
      pool = await conn.pools.defineXML(xml);
    }))) return false;
    vsh.printExtra(`Pool ${pool!.name} defined from ${file}\n`);
    return true;
  },
};

const poolCreate: CmdDef = {
  name: 'pool-create', help: 'create a pool from an XML file', desc: 'Create a pool.',
  opts: [optFile('file containing an XML pool description'), optBool('build', 'build the pool as normal'),
    optBool('validate', 'validate the XML against the schema')],
  async run(vsh, cmd) {
    const conn = await vsh.conn();
    const file = cmd.req('file');
    const xml = await vsh.io.readFile(file);
    let pool: PoolObj | undefined;
    if (!(await vsh.attempt(`Failed to create pool from ${file}`, async () => {
      pool = await conn.pools.createXML(xml);
    }))) return false;
    vsh.printExtra(`Pool ${pool!.name} created from ${file}\n`);
    return true;
  },
};

const poolBuild: CmdDef = {
  name: 'pool-build', help: 'build a pool', desc: 'Build a given pool.',
  opts: [optPool(), optBool('no-overwrite', 'do not overwrite any existing data'), optBool('overwrite', 'overwrite any existing data')],
  run: (vsh, cmd) => poolAction(vsh, cmd, 'build', 'built', (c, p) => c.pools.build(p)),
};

const poolStart: CmdDef = {
  name: 'pool-start', help: 'start a (previously defined) inactive pool', desc: 'Start a pool.',
  opts: [optPool('name or uuid of the inactive pool'), optBool('build', 'build the pool as normal'),
    optBool('no-overwrite', 'do not overwrite any existing data'), optBool('overwrite', 'overwrite any existing data')],
  run: (vsh, cmd) => poolAction(vsh, cmd, 'start', 'started', (c, p) => c.pools.start(p, cmd.bool('build'))),
};

const poolDestroy: CmdDef = {
  name: 'pool-destroy', help: 'destroy (stop) a pool', desc: 'Forcefully stop a given pool. Raw data in the pool is untouched',
  opts: [optPool()],
  run: (vsh, cmd) => poolAction(vsh, cmd, 'destroy', 'destroyed', (c, p) => c.pools.destroy(p)),
};

const poolUndefine: CmdDef = {
  name: 'pool-undefine', help: 'undefine an inactive pool', desc: 'Undefine the configuration for an inactive pool.',
  opts: [optPool()],
  run: (vsh, cmd) => poolAction(vsh, cmd, 'undefine', 'has been undefined', (c, p) => c.pools.undefine(p)),
};

const poolRefresh: CmdDef = {
  name: 'pool-refresh', help: 'refresh a pool', desc: 'Refresh a given pool.', opts: [optPool()],
  run: (vsh, cmd) => poolAction(vsh, cmd, 'refresh', 'refreshed', (c, p) => c.pools.refresh(p)),
};

const poolAutostart: CmdDef = {
  name: 'pool-autostart', help: 'autostart a pool', desc: 'Configure a pool to be automatically started at boot.',
  opts: [optPool(), optBool('disable', 'disable autostarting')],
  async run(vsh, cmd) {
    const l = await lookupPool(vsh, cmd);
    if (!l) return false;
    const on = !cmd.bool('disable');
    const verb = on ? 'mark' : 'unmark';
    if (!(await vsh.attempt(`failed to ${verb} pool ${l.name} as autostarted`, () => l.conn.pools.setAutostart(l.pool, on)))) return false;
    vsh.printExtra(`Pool ${l.name} ${verb}ed as autostarted\n`);
    return true;
  },
};

const poolDumpxml: CmdDef = {
  name: 'pool-dumpxml', help: 'pool information in XML', desc: 'Output the pool information as an XML dump to stdout.',
  opts: [optPool(), optBool('inactive', 'show inactive defined XML')],
  async run(vsh, cmd) {
    const l = await lookupPool(vsh, cmd);
    if (!l) return false;
    return vsh.attempt(undefined, async () => vsh.print(await l.conn.pools.xmlDesc(l.pool, cmd.bool('inactive'))));
  },
};

const poolInfo: CmdDef = {
  name: 'pool-info', help: 'storage pool information', desc: 'Returns basic information about the storage pool.',
  opts: [optPool(), optBool('bytes', 'Return pool info in bytes')],
  async run(vsh, cmd) {
    const l = await lookupPool(vsh, cmd);
    if (!l) return false;
    const p = l.pool;
    const line = (a: string, b: string) => vsh.print(`${padRight(a, 15)} ${b}\n`);
    line('Name:', p.name);
    line('UUID:', p.uuid);
    const info = await l.conn.pools.info(p);
    line('State:', POOL_STATE_NAMES[info.state]);
    line('Persistent:', p.persistent ? 'yes' : 'no');
    line('Autostart:', p.autostart ? 'yes' : 'no');
    if (info.state === PoolState.Running) {
      const f = (n: number) => (cmd.bool('bytes') ? String(n) : capacityText(n));
      line('Capacity:', f(info.capacity));
      line('Allocation:', f(info.allocation));
      line('Available:', f(info.available));
    }
    return true;
  },
};

const poolList: CmdDef = {
  name: 'pool-list', help: 'list pools', desc: 'Returns list of pools.',
  opts: [
    optBool('inactive', 'list inactive pools'), optBool('all', 'list inactive & active pools'),
    optBool('transient', 'list transient pools'), optBool('persistent', 'list persistent pools'),
    optBool('autostart', 'list pools with autostart enabled'), optBool('no-autostart', 'list pools with autostart disabled'),
    optString('type', 'only list pool of specified type(s) (if supported)'),
    optBool('details', 'display extended details for pools'),
    optBool('uuid', 'list UUID of active pools only'), optBool('name', 'list name of active pools only'),
  ],
  async run(vsh, cmd) {
    if (cmd.bool('all') && cmd.bool('inactive')) {
      vsh.error('Options --all and --inactive are mutually exclusive');
      return false;
    }
    for (const o of ['uuid', 'name']) {
      if (cmd.bool('details') && cmd.bool(o)) {
        vsh.error(`Options --details and --${o} are mutually exclusive`);
        return false;
      }
    }
    const type = cmd.string('type');
    for (const t of type?.split(',') ?? []) {
      if (!['dir', 'fs', 'netfs', 'logical', 'disk', 'iscsi', 'iscsi-direct', 'scsi', 'mpath', 'rbd', 'sheepdog', 'gluster', 'zfs', 'vstorage'].includes(t)) {
        vsh.error(`Invalid pool type '${t}'`);
        return false;
      }
    }
    const conn = await vsh.conn();
    let pools = conn.pools.list().filter((p) => (cmd.bool('all') ? true : cmd.bool('inactive') ? !p.active : p.active));
    if (cmd.bool('persistent') || cmd.bool('transient')) pools = pools.filter((p) => (cmd.bool('persistent') && p.persistent) || (cmd.bool('transient') && !p.persistent));
    if (cmd.bool('autostart') || cmd.bool('no-autostart')) pools = pools.filter((p) => (cmd.bool('autostart') && p.autostart) || (cmd.bool('no-autostart') && !p.autostart));
    if (type) pools = pools.filter((p) => type.split(',').includes(p.def.type));
    pools.sort((a, b) => a.name.toLowerCase().localeCompare(b.name.toLowerCase()));
    if (cmd.bool('uuid') || cmd.bool('name')) {
      for (const p of pools) {
        if (cmd.bool('uuid')) vsh.print(padRight(p.uuid, 36) + (cmd.bool('name') ? ' ' : '\n'));
        if (cmd.bool('name')) vsh.print(padRight(p.name, 20) + '\n');
      }
      return true;
    }
    const details = cmd.bool('details');
    const t = details ? new VshTable('Name', 'State', 'Autostart', 'Persistent', 'Capacity', 'Allocation', 'Available')
      : new VshTable('Name', 'State', 'Autostart');
    for (const p of pools) {
      const auto = p.autostart ? 'yes' : 'no';
      if (!details) {
        t.add(p.name, p.active ? 'active' : 'inactive', auto);
        continue;
      }
      const info = await conn.pools.info(p);
      const run = info.state === PoolState.Running;
      t.add(p.name, POOL_STATE_NAMES[info.state], auto, p.persistent ? 'yes' : 'no',
        run ? capacityText(info.capacity) : '-', run ? capacityText(info.allocation) : '-', run ? capacityText(info.available) : '-');
    }
    vsh.print(t.render(!vsh.quiet));
    return true;
  },
};

const poolName: CmdDef = {
  name: 'pool-name', help: 'convert a pool UUID to pool name', desc: '', opts: [optPool('pool uuid')],
  async run(vsh, cmd) {
    const l = await lookupPool(vsh, cmd);
    if (!l) return false;
    vsh.print(`${l.pool.name}\n`);
    return true;
  },
};

const poolUuid: CmdDef = {
  name: 'pool-uuid', help: 'convert a pool name to pool UUID', desc: '', opts: [optPool('pool name')],
  async run(vsh, cmd) {
    const l = await lookupPool(vsh, cmd);
    if (!l) return false;
    vsh.print(`${l.pool.uuid}\n`);
    return true;
  },
};

export const poolCmds: CmdDef[] = [
  poolAutostart, poolBuild, poolCreate, poolDefine, poolDefineAs, poolDestroy, poolDumpxml, poolInfo,
  poolList, poolName, poolRefresh, poolStart, poolUndefine, poolUuid,
];
