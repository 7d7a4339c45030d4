/*
 * cmds-volume.ts — virsh's "Storage Volume" commands (tools/virsh-volume.c):
 * vol-clone, vol-create, vol-create-as, vol-delete, vol-download, vol-dumpxml,
 * vol-info, vol-key, vol-list, vol-name, vol-path, vol-pool, vol-resize,
 * vol-upload, vol-wipe.
 */
import type { VolObj } from '../driver/volumes.js';
import type { CmdDef, ParsedCmd } from './command.js';
import { scaleInteger } from './command.js';
import { lookupPool, lookupVol, optBool, optFile, optPool, optPoolOptional, optString, optVol } from './common.js';
import { VshTable, capacityText, padRight } from './format.js';
import type { Vsh } from './vsh.js';

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&apos;');
}

/** virshVolSize: a scaled integer, default bytes. */
function volSize(vsh: Vsh, text: string): number | undefined {
  const n = scaleInteger(text, 1);
  if (n === undefined) vsh.error(`Malformed size ${text}`);
  return n;
}

const volCreateAs: CmdDef = {
  name: 'vol-create-as', help: 'create a volume from a set of args', desc: 'Create a vol.',
  opts: [
    optPool('pool name'),
    { name: 'name', type: 'string', positional: true, required: true, help: 'name of the volume' },
    { name: 'capacity', type: 'string', positional: true, required: true, help: 'size of the vol, as scaled integer (default bytes)' },
    optString('allocation', 'initial allocation size, as scaled integer (default bytes)'),
    optString('format', 'file format type raw,bochs,qcow,qcow2,qed,vmdk'),
    optString('backing-vol', 'the backing volume if taking a snapshot'),
    optString('backing-vol-format', 'format of backing volume if taking a snapshot'),
    optBool('prealloc-metadata', 'preallocate metadata (for qcow2 instead of full allocation)'),
    optBool('print-xml', "print XML document, but don't define/create"),
  ],
  async run(vsh, cmd) {
    const l = await lookupPool(vsh, cmd);
    if (!l) return false;
    const name = cmd.req('name');
    const capacity = volSize(vsh, cmd.req('capacity'));
    if (capacity === undefined) return false;
    const allocStr = cmd.string('allocation');
    const allocation = allocStr === undefined ? undefined : volSize(vsh, allocStr);
    if (allocStr !== undefined && allocation === undefined) return false;
    let xml = `<volume>\n  <name>${esc(name)}</name>\n  <capacity>${capacity}</capacity>\n`;
    if (allocation !== undefined) xml += `  <allocation>${allocation}</allocation>\n`;
    const format = cmd.string('format');
    if (format) xml += `  <target>\n    <format type='${esc(format)}'/>\n  </target>\n`;
    const backing = cmd.string('backing-vol');
    if (backing) {
      let vol: VolObj | undefined;
      for (const find of [() => l.conn.volumes.lookupByName(l.pool, backing), () => l.conn.volumes.lookupByKey(backing),
        () => l.conn.volumes.lookupByPath(backing)]) {
        vol = await find().catch(() => undefined);
        if (vol) break;
      }
      if (!vol) {
        vsh.error(`failed to get vol '${backing}'`);
        return false;
      }
      const bf = cmd.string('backing-vol-format');
      xml += `  <backingStore>\n    <path>${esc(vol.path)}</path>\n${bf ? `    <format type='${esc(bf)}'/>\n` : ''}  </backingStore>\n`;
    }
    xml += '</volume>\n';
    if (cmd.bool('print-xml')) {
      vsh.print(xml);
      return true;
    }
    if (!(await vsh.attempt(`Failed to create vol ${name}`, () => l.conn.volumes.createXML(l.pool, xml)))) return false;
    vsh.printExtra(`Vol ${name} created\n`);
    return true;
  },
};

const volCreate: CmdDef = {
  name: 'vol-create', help: 'create a vol from an XML file', desc: 'Create a vol.',
  opts: [optPool('pool name'), optFile('file containing an XML vol description'),
    optBool('prealloc-metadata', 'preallocate metadata (for qcow2 instead of full allocation)'),
    optBool('validate', 'validate the XML against the schema')],
  async run(vsh, cmd) {
    const l = await lookupPool(vsh, cmd);
    if (!l) return false;
    const file = cmd.req('file');
    const xml = await vsh.io.readFile(file);
    let vol: VolObj | undefined;
    if (!(await vsh.attempt(`Failed to create vol from ${file}`, async () => {
      vol = await l.conn.volumes.createXML(l.pool, xml);
    }))) return false;
    vsh.printExtra(`Vol ${vol!.name} created from ${file}\n`);
    return true;
  },
};

const volClone: CmdDef = {
  name: 'vol-clone', help: 'clone a volume.', desc: 'Clone an existing volume within the parent pool.',
  opts: [optVol(), { name: 'newname', type: 'string', positional: true, required: true, help: 'clone name' },
    optPoolOptional, optBool('prealloc-metadata', 'preallocate metadata (for qcow2 instead of full allocation)'),
    optBool('reflink', 'use btrfs COW lightweight copy'), optBool('print-xml', 'print XML document rather than clone the volume')],
  async run(vsh, cmd) {
    const l = await lookupVol(vsh, cmd);
    if (!l) return false;
    const newname = cmd.req('newname');
    let origXml = '';
    if (!(await vsh.attempt(undefined, async () => {
      origXml = await l.conn.volumes.xmlDesc(l.vol);
    }))) return false;
    const xml = origXml.replace(/<name>[^<]*<\/name>/, `<name>${esc(newname)}</name>`);
    if (cmd.bool('print-xml')) {
      vsh.print(xml);
      return true;
    }
    const info = await l.conn.volumes.info(l.vol);
    const cloneXml = `<volume>\n  <name>${esc(newname)}</name>\n  <capacity>${info.capacity}</capacity>\n` +
      `  <target>\n    <format type='${info.format}'/>\n  </target>\n</volume>\n`;
    if (!(await vsh.attempt(`Failed to clone vol from ${l.vol.name}`, () =>
      l.conn.volumes.createXML(l.vol.pool, cloneXml, l.vol)))) return false;
    vsh.printExtra(`Vol ${newname} cloned from ${l.vol.name}\n`);
    return true;
  },
};

const volDelete: CmdDef = {
  name: 'vol-delete', help: 'delete a vol', desc: 'Delete a given vol.',
  opts: [optVol(), optPoolOptional, optBool('delete-snapshots', 'delete snapshots associated with volume (must be supported by storage driver)')],
  async run(vsh, cmd) {
    const l = await lookupVol(vsh, cmd);
    if (!l) return false;
    if (!(await vsh.attempt(`Failed to delete vol ${l.name}`, () => l.conn.volumes.delete(l.vol)))) return false;
    vsh.printExtra(`Vol ${l.name} deleted\n`);
    return true;
  },
};

const volWipe: CmdDef = {
  name: 'vol-wipe', help: 'wipe a vol', desc: 'Ensure data previously on a volume is not accessible to future reads',
  opts: [optVol(), optPoolOptional, optString('algorithm', 'perform selected wiping algorithm')],
  async run(vsh, cmd) {
    const l = await lookupVol(vsh, cmd);
    if (!l) return false;
    const alg = cmd.string('algorithm') ?? 'zero';
    const known = ['zero', 'nnsa', 'dod', 'bsi', 'gutmann', 'schneier', 'pfitzner7', 'pfitzner33', 'random', 'trim'];
    if (!known.includes(alg)) {
      vsh.error(`Unsupported algorithm '${alg}'`);
      return false;
    }
    if (!(await vsh.attempt(`Failed to wipe vol ${l.name}`, () => l.conn.volumes.wipe(l.vol, alg)))) return false;
    vsh.printExtra(`Vol ${l.name} wiped\n`);
    return true;
  },
};

const volResize: CmdDef = {
  name: 'vol-resize', help: 'resize a vol',
  desc: 'Resizes a storage volume. This is safe only for storage volumes not in use by an active guest.\nSee blockresize for live resizing.',
  opts: [optVol(), { name: 'capacity', type: 'string', positional: true, required: true, help: 'new capacity for the vol, as scaled integer (default bytes)' },
    optPoolOptional, optBool('allocate', 'allocate the new capacity, rather than leaving it sparse'),
    optBool('delta', 'use capacity as a delta to current size, rather than the new size'),
    optBool('shrink', 'allow the resize to shrink the volume')],
  async run(vsh, cmd) {
    const l = await lookupVol(vsh, cmd);
    if (!l) return false;
    let text = cmd.req('capacity').trimStart();
    let delta = cmd.bool('delta');
    if (text.startsWith('-')) {
      if (!cmd.bool('shrink')) {
        vsh.error('negative size requires --shrink');
        return false;
      }
      text = text.slice(1);
      delta = true;
    }
    const size = volSize(vsh, text);
    if (size === undefined) return false;
    const how = delta ? 'by' : 'to';
    if (!(await vsh.attempt(`Failed to change size of volume '${l.vol.name}' ${how} ${text}`, () =>
      l.conn.volumes.resize(l.vol, size, { delta, shrink: cmd.bool('shrink') })))) return false;
    vsh.printExtra(`Size of volume '${l.vol.name}' successfully changed ${how} ${text}\n`);
    return true;
  },
};

const streamOpts = (dir: string) => [optVol(), optFile('file'), optPoolOptional,
  { name: 'offset', type: 'int', help: `volume offset to ${dir} ${dir === 'upload' ? 'to' : 'from'}` },
  { name: 'length', type: 'int', help: `amount of data to ${dir}` },
  optBool('sparse', 'preserve sparseness of volume')] satisfies CmdDef['opts'];

const volUpload: CmdDef = {
  name: 'vol-upload', help: 'upload file contents to a volume', desc: 'Upload file contents to a volume',
  opts: streamOpts('upload'),
  async run(vsh, cmd) {
    const offset = cmd.int('offset', { min: 0 }) ?? 0;
    const length = cmd.int('length', { min: 0 }) ?? 0;
    const l = await lookupVol(vsh, cmd);
    if (!l) return false;
    const file = cmd.req('file');
    let data: AsyncIterable<Uint8Array>;
    try {
      data = await vsh.io.readStream(file);
    } catch {
      vsh.error(`cannot read ${file}`);
      return false;
    }
    return vsh.attempt(`cannot upload to volume ${l.name}`, () => l.conn.volumes.upload(l.vol, data, offset, length));
  },
};

const volDownload: CmdDef = {
  name: 'vol-download', help: 'download volume contents to a file', desc: 'Download volume contents to a file',
  opts: streamOpts('download'),
  async run(vsh, cmd) {
    const offset = cmd.int('offset', { min: 0 }) ?? 0;
    const length = cmd.int('length', { min: 0 }) ?? 0;
    const l = await lookupVol(vsh, cmd);
    if (!l) return false;
    const file = cmd.req('file');
    try {
      await vsh.io.writeStream(file, l.conn.volumes.download(l.vol, offset, length));
    } catch (e) {
      vsh.error(`cannot receive data from volume ${l.name}`);
      vsh.report(e);
      return false;
    }
    return true;
  },
};

const volDumpxml: CmdDef = {
  name: 'vol-dumpxml', help: 'vol information in XML', desc: 'Output the vol information as an XML dump to stdout.',
  opts: [optVol(), optPoolOptional],
  async run(vsh, cmd) {
    const l = await lookupVol(vsh, cmd);
    if (!l) return false;
    return vsh.attempt(undefined, async () => vsh.print(await l.conn.volumes.xmlDesc(l.vol)));
  },
};

const volInfo: CmdDef = {
  name: 'vol-info', help: 'storage vol information', desc: 'Returns basic information about the storage vol.',
  opts: [optVol(), optPoolOptional, optBool('bytes', 'sizes are represented in bytes rather than pretty units'),
    optBool('physical', 'return the physical size of the volume in allocation field')],
  async run(vsh, cmd) {
    const l = await lookupVol(vsh, cmd);
    if (!l) return false;
    vsh.print(`${padRight('Name:', 15)} ${l.vol.name}\n`);
    return vsh.attempt(undefined, async () => {
      const i = await l.conn.volumes.info(l.vol);
      const f = (n: number) => (cmd.bool('bytes') ? `${n} bytes` : capacityText(n));
      vsh.print(`${padRight('Type:', 15)} file\n`);
      vsh.print(`${padRight('Capacity:', 15)} ${f(i.capacity)}\n`);
      vsh.print(`${padRight(cmd.bool('physical') ? 'Physical:' : 'Allocation:', 15)} ${f(i.allocation)}\n`);
    });
  },
};

const volList: CmdDef = {
  name: 'vol-list', help: 'list vols', desc: 'Returns list of vols by pool.',
  opts: [optPool(), optBool('details', 'display extended details for volumes')],
  async run(vsh, cmd) {
    const l = await lookupPool(vsh, cmd);
    if (!l) return false;
    let vols: VolObj[] = [];
    if (!(await vsh.attempt('Failed to list volumes', async () => {
      vols = await l.conn.volumes.list(l.pool);
    }))) return false;
    vols.sort((a, b) => a.name.toLowerCase().localeCompare(b.name.toLowerCase()));
    const details = cmd.bool('details');
    const t = details ? new VshTable('Name', 'Path', 'Type', 'Capacity', 'Allocation') : new VshTable('Name', 'Path');
    for (const v of vols) {
      if (!details) {
        t.add(v.name, v.path);
        continue;
      }
      const i = await l.conn.volumes.info(v).catch(() => undefined);
      t.add(v.name, v.path, i ? 'file' : 'unknown', i ? capacityText(i.capacity) : 'unknown', i ? capacityText(i.allocation) : 'unknown');
    }
    vsh.print(t.render(!vsh.quiet));
    return true;
  },
};

function simpleVol(name: string, help: string, volHelp: string, out: (v: VolObj, cmd: ParsedCmd) => string, withPool = true): CmdDef {
  return {
    name, help, desc: '', opts: withPool ? [optVol(volHelp), optPoolOptional] : [optVol(volHelp)],
    async run(vsh, cmd) {
      const l = await lookupVol(vsh, cmd);
      if (!l) return false;
      vsh.print(`${out(l.vol, cmd)}\n`);
      return true;
    },
  };
}

const volKey = simpleVol('vol-key', 'returns the volume key for a given volume name or path', 'volume name or path', (v) => v.key);
const volPath = simpleVol('vol-path', 'returns the volume path for a given volume name or key', 'volume name or key', (v) => v.path);
const volName = simpleVol('vol-name', 'returns the volume name for a given volume key or path', 'volume key or path', (v) => v.name, false);
const volPool: CmdDef = {
  ...simpleVol('vol-pool', 'returns the storage pool for a given volume key or path', 'volume key or path', (v) => v.pool.name, false),
  opts: [optVol('volume key or path'), optBool('uuid', 'return the pool uuid rather than pool name')],
  async run(vsh, cmd) {
    const l = await lookupVol(vsh, cmd);
    if (!l) return false;
    vsh.print(`${cmd.bool('uuid') ? l.vol.pool.uuid : l.vol.pool.name}\n`);
    return true;
  },
};

export const volumeCmds: CmdDef[] = [
  volClone, volCreateAs, volCreate, volDelete, volDownload, volDumpxml, volInfo, volKey, volList, volName, volPath,
  volPool, volResize, volUpload, volWipe,
];
