// Builders of small synthetic kernel images for the loader tests: ELF64 with PT_LOAD segments and
// PT_NOTE notes, and bzImages with a chosen setup header and payload.

export interface ElfSeg { paddr: number; data: Uint8Array; memsz?: number }
export interface ElfNoteSpec { name: string; type: number; desc: Uint8Array }

export function makeElf64(o: { entry: number; segments: ElfSeg[]; notes?: ElfNoteSpec[]; elf32?: boolean }): Uint8Array {
  const notesBytes: number[] = [];
  for (const n of o.notes ?? []) {
    const name = new TextEncoder().encode(n.name + '\0');
    const pad = (a: number[]) => { while (a.length % 4) a.push(0); };
    const hdr = new DataView(new ArrayBuffer(12));
    hdr.setUint32(0, name.length, true); hdr.setUint32(4, n.desc.length, true); hdr.setUint32(8, n.type, true);
    notesBytes.push(...new Uint8Array(hdr.buffer), ...name); pad(notesBytes);
    notesBytes.push(...n.desc); pad(notesBytes);
  }
  const phnum = o.segments.length + (notesBytes.length ? 1 : 0);
  const phoff = 64;
  let dataOff = phoff + phnum * 56;
  const parts: { off: number; bytes: Uint8Array }[] = [];
  const ph = new DataView(new ArrayBuffer(phnum * 56));
  o.segments.forEach((s, i) => {
    const b = i * 56;
    ph.setUint32(b, 1, true); ph.setUint32(b + 4, 7, true);
    ph.setBigUint64(b + 8, BigInt(dataOff), true);
    ph.setBigUint64(b + 16, BigInt(s.paddr) + 0xffffffff80000000n, true);
    ph.setBigUint64(b + 24, BigInt(s.paddr), true);
    ph.setBigUint64(b + 32, BigInt(s.data.length), true);
    ph.setBigUint64(b + 40, BigInt(s.memsz ?? s.data.length), true);
    parts.push({ off: dataOff, bytes: s.data });
    dataOff += s.data.length;
  });
  if (notesBytes.length) {
    const b = o.segments.length * 56;
    ph.setUint32(b, 4, true);
    ph.setBigUint64(b + 8, BigInt(dataOff), true);
    ph.setBigUint64(b + 32, BigInt(notesBytes.length), true);
    ph.setBigUint64(b + 40, BigInt(notesBytes.length), true);
    parts.push({ off: dataOff, bytes: Uint8Array.from(notesBytes) });
    dataOff += notesBytes.length;
  }
  const f = new Uint8Array(dataOff);
  const v = new DataView(f.buffer);
  f.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]);
  v.setUint16(16, 2, true); v.setUint16(18, 62, true); v.setUint32(20, 1, true);
  v.setBigUint64(24, BigInt(o.entry), true);
  v.setBigUint64(32, BigInt(phoff), true);
  v.setUint16(52, 64, true); v.setUint16(54, 56, true); v.setUint16(56, phnum, true);
  f.set(new Uint8Array(ph.buffer), phoff);
  for (const p of parts) f.set(p.bytes, p.off);
  return f;
}

export function pvhNote(entry: number): ElfNoteSpec {
  const d = new DataView(new ArrayBuffer(8));
  d.setBigUint64(0, BigInt(entry), true);
  return { name: 'Xen', type: 18, desc: new Uint8Array(d.buffer) };
}

export interface BzSpec {
  version?: number;
  setupSects?: number;
  xloadflags?: number;
  prefAddress?: number;
  initSize?: number;
  relocatable?: boolean;
  kernelAlignment?: number;
  initrdAddrMax?: number;
  cmdlineSize?: number;
  /** Bytes of the protected-mode kernel before the payload. */
  prefix?: Uint8Array;
  payload?: Uint8Array;
}

export function makeBzImage(s: BzSpec = {}): Uint8Array {
  const setupSects = s.setupSects ?? 4;
  const prefix = s.prefix ?? new Uint8Array(0x400).fill(0x90);
  const payload = s.payload ?? new Uint8Array(0);
  const pm = new Uint8Array(prefix.length + payload.length + 16);
  pm.set(prefix);
  pm.set(payload, prefix.length);
  const kOff = (setupSects + 1) * 512;
  const f = new Uint8Array(kOff + pm.length);
  const v = new DataView(f.buffer);
  f[0x1f1] = setupSects;
  v.setUint32(0x1f4, Math.ceil(pm.length / 16), true);
  v.setUint16(0x1fe, 0xaa55, true);
  f[0x200] = 0xeb; f[0x201] = 0x6a; // jmp: header ends at 0x26c
  v.setUint32(0x202, 0x53726448, true);
  v.setUint16(0x206, s.version ?? 0x020f, true);
  f[0x211] = 0x01;
  v.setUint32(0x214, 0x100000, true);
  v.setUint32(0x22c, s.initrdAddrMax ?? 0x7fffffff, true);
  v.setUint32(0x230, s.kernelAlignment ?? 0x200000, true);
  f[0x234] = s.relocatable === false ? 0 : 1;
  v.setUint16(0x236, s.xloadflags ?? 0x3, true);
  v.setUint32(0x238, s.cmdlineSize ?? 2047, true);
  v.setUint32(0x248, prefix.length, true);
  v.setUint32(0x24c, payload.length, true);
  v.setBigUint64(0x258, BigInt(s.prefAddress ?? 0x1000000), true);
  v.setUint32(0x260, s.initSize ?? 0x200000, true);
  f.set(pm, kOff);
  return f;
}
