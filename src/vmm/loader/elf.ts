// A minimal ELF reader for kernel images (System V gABI, "ELF-64 Object File Format"): the file
// header, PT_LOAD program headers and the notes in PT_NOTE segments. ELF32 and ELF64,
// little-endian only (x86). Invariant: every offset/size read is checked against the file, a
// violation is a KernelLoadError('truncated').

import { fail } from './errors.js';

export const PT_LOAD = 1;
export const PT_NOTE = 4;

export interface ElfSegment {
  type: number;
  offset: number;
  vaddr: number;
  paddr: number;
  filesz: number;
  memsz: number;
}

export interface ElfNote {
  name: string;
  type: number;
  desc: Uint8Array;
}

export interface ElfImage {
  class: 32 | 64;
  machine: number;
  entry: number;
  segments: ElfSegment[];
}

export function isElf(f: Uint8Array): boolean {
  return f.length >= 4 && f[0] === 0x7f && f[1] === 0x45 && f[2] === 0x4c && f[3] === 0x46;
}

export function parseElf(f: Uint8Array, what = 'ELF'): ElfImage {
  if (!isElf(f)) fail('bad-magic', `${what}: no ELF magic (7F 'E' 'L' 'F')`);
  if (f.length < 52) fail('truncated', `${what}: file too short for an ELF header`);
  const cls = f[4] === 2 ? 64 : f[4] === 1 ? 32 : fail('unsupported', `${what}: unknown ELF class ${f[4]}`);
  if (f[5] !== 1) fail('unsupported', `${what}: big-endian ELF`);
  const v = new DataView(f.buffer, f.byteOffset, f.byteLength);
  const is64 = cls === 64;
  if (is64 && f.length < 64) fail('truncated', `${what}: file too short for an ELF64 header`);
  const word = (o: number) => (is64 ? Number(v.getBigUint64(o, true)) : v.getUint32(o, true));
  const machine = v.getUint16(18, true);
  const entry = word(24);
  const phoff = is64 ? word(32) : v.getUint32(28, true);
  const phentsize = v.getUint16(is64 ? 54 : 42, true);
  const phnum = v.getUint16(is64 ? 56 : 44, true);
  if (phnum === 0) fail('unsupported', `${what}: no program headers`);
  if (phoff + phnum * phentsize > f.length) fail('truncated', `${what}: program headers (${phnum} at ${phoff}) run past the end of the file`);
  const segments: ElfSegment[] = [];
  for (let i = 0; i < phnum; i++) {
    const o = phoff + i * phentsize;
    const s: ElfSegment = is64
      ? { type: v.getUint32(o, true), offset: word(o + 8), vaddr: word(o + 16), paddr: word(o + 24), filesz: word(o + 32), memsz: word(o + 40) }
      : { type: v.getUint32(o, true), offset: v.getUint32(o + 4, true), vaddr: v.getUint32(o + 8, true), paddr: v.getUint32(o + 12, true), filesz: v.getUint32(o + 16, true), memsz: v.getUint32(o + 20, true) };
    if ((s.type === PT_LOAD || s.type === PT_NOTE) && s.offset + s.filesz > f.length) {
      fail('truncated', `${what}: segment ${i} (offset ${s.offset}, ${s.filesz} bytes) runs past the end of the ${f.length}-byte file`);
    }
    if (s.type === PT_LOAD && s.filesz > s.memsz) fail('unsupported', `${what}: segment ${i} has filesz > memsz`);
    segments.push(s);
  }
  return { class: cls, machine, entry, segments };
}

/** All notes of the PT_NOTE segments (name, type, descriptor), 4-byte aligned as on x86. */
export function elfNotes(f: Uint8Array, elf: ElfImage): ElfNote[] {
  const v = new DataView(f.buffer, f.byteOffset, f.byteLength);
  const notes: ElfNote[] = [];
  const align4 = (n: number) => (n + 3) & ~3;
  for (const s of elf.segments) {
    if (s.type !== PT_NOTE) continue;
    let o = s.offset;
    const end = s.offset + s.filesz;
    while (o + 12 <= end) {
      const namesz = v.getUint32(o, true);
      const descsz = v.getUint32(o + 4, true);
      const type = v.getUint32(o + 8, true);
      const nameStart = o + 12;
      const descStart = nameStart + align4(namesz);
      if (descStart + descsz > end) break;
      const name = new TextDecoder().decode(f.subarray(nameStart, nameStart + namesz)).replace(/\0+$/, '');
      notes.push({ name, type, desc: f.subarray(descStart, descStart + descsz) });
      o = descStart + align4(descsz);
    }
  }
  return notes;
}
