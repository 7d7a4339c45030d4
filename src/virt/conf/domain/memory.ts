/*
 * memory.ts — <maxMemory>, <memory>, <currentMemory>, <memoryBacking>
 * (formatdomain.html "Memory Allocation", "Memory Backing").
 *
 * Sizes take libvirt's units (virScaleInteger; default KiB) and are kept in
 * KiB, rounded up. Post-parse as virDomainDefPostParseMemory: a missing or zero
 * <memory> is "Memory size must be specified via <memory> or in the <numa>
 * configuration"; currentMemory absent, zero or above memory is clamped to
 * memory; maxMemory needs slots and must be >= memory.
 */
import { VirError } from '../../error.js';
import { cloneElement, el, type XmlElement } from '../../xml/node.js';
import { propEnum, propUInt } from '../props.js';
import { parseMemoryKiB } from '../units.js';
import type { DomainDef, MemoryBacking } from './types.js';

export interface ParsedMemory {
  memory: number;
  dumpCore?: 'on' | 'off';
  currentMemory: number;
  maxMemory?: { kib: number; slots: number };
}

export function parseMemory(root: XmlElement): ParsedMemory {
  const memEl = root.child('memory');
  const memory = memEl ? parseMemoryKiB(memEl, './memory[1]') : 0;
  const curEl = root.child('currentMemory');
  let currentMemory = curEl ? parseMemoryKiB(curEl, './currentMemory[1]') : 0;
  const maxEl = root.child('maxMemory');
  let maxMemory: ParsedMemory['maxMemory'];
  if (maxEl) {
    const kib = parseMemoryKiB(maxEl, './maxMemory[1]');
    const slots = propUInt(maxEl, 'slots') ?? 0;
    maxMemory = { kib, slots };
  }
  if (memory === 0) {
    throw new VirError('VIR_ERR_XML_ERROR',
      'Memory size must be specified via <memory> or in the <numa> configuration', 'VIR_FROM_DOMAIN');
  }
  if (currentMemory === 0 || currentMemory > memory) currentMemory = memory;
  if (maxMemory) {
    if (maxMemory.kib === 0 && maxMemory.slots > 0) {
      throw new VirError('VIR_ERR_XML_ERROR',
        'maximum memory size must be specified when specifying number of memory slots', 'VIR_FROM_DOMAIN');
    }
    if (maxMemory.kib !== 0 && maxMemory.slots === 0) {
      throw new VirError('VIR_ERR_CONFIG_UNSUPPORTED',
        'both maximum memory size and memory slot count must be specified', 'VIR_FROM_DOMAIN');
    }
    if (maxMemory.kib !== 0 && maxMemory.kib < memory) {
      throw new VirError('VIR_ERR_XML_ERROR',
        'maximum memory size must be equal or greater than the actual memory size', 'VIR_FROM_DOMAIN');
    }
  }
  const dumpCore = memEl ? propEnum(memEl, 'dumpCore', ['on', 'off'] as const) : undefined;
  return { memory, currentMemory, maxMemory, dumpCore };
}

export function parseMemoryBacking(root: XmlElement): MemoryBacking | undefined {
  const mb = root.child('memoryBacking');
  if (!mb) return undefined;
  const src = mb.child('source');
  const access = mb.child('access');
  const alloc = mb.child('allocation');
  const hp = mb.child('hugepages');
  return {
    hugepages: hp ? cloneElement(hp) : undefined,
    nosharepages: !!mb.child('nosharepages'),
    locked: !!mb.child('locked'),
    source: src ? propEnum(src, 'type', ['file', 'anonymous', 'memfd'] as const) : undefined,
    access: access ? propEnum(access, 'mode', ['shared', 'private'] as const) : undefined,
    allocation: alloc
      ? { mode: propEnum(alloc, 'mode', ['immediate', 'ondemand'] as const), threads: propUInt(alloc, 'threads') }
      : undefined,
    discard: !!mb.child('discard'),
  };
}

export function formatMemory(def: DomainDef): XmlElement[] {
  const out: XmlElement[] = [];
  if (def.maxMemory) out.push(el('maxMemory', { slots: def.maxMemory.slots, unit: 'KiB' }, [String(def.maxMemory.kib)]));
  out.push(el('memory', { unit: 'KiB', dumpCore: def.memoryDumpCore }, [String(def.memory)]));
  out.push(el('currentMemory', { unit: 'KiB' }, [String(def.currentMemory)]));
  return out;
}

export function formatMemoryBacking(mb: MemoryBacking): XmlElement {
  return el('memoryBacking', {}, [
    mb.hugepages && cloneElement(mb.hugepages),
    mb.nosharepages && el('nosharepages'),
    mb.locked && el('locked'),
    mb.source && el('source', { type: mb.source }),
    mb.access && el('access', { mode: mb.access }),
    mb.allocation && el('allocation', { mode: mb.allocation.mode, threads: mb.allocation.threads }),
    mb.discard && el('discard'),
  ]);
}
