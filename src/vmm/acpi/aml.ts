// A small AML (ACPI Machine Language) emitter: the byte encoding of ACPI 6.5 ch. 20
// ("ACPI Machine Language Specification") for the subset a static DSDT needs: name strings
// (§20.2.2), PkgLength (§20.2.4), integer/string/buffer/package data objects (§20.2.3,
// §20.2.5.4), Scope/Device/Name/Method/Return (§20.2.5), EISAID compression (§19.6.43), and
// resource descriptors for _CRS (§6.4: IO, IRQNoFlags, Word/DWord/QWord address space).
// Invariants: every builder returns a fresh byte array; a term is complete (no fix-ups later);
// PkgLength counts its own bytes, as the spec requires.

export type Aml = Uint8Array;

const enc = new TextEncoder();

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

const bytes = (...b: number[]) => Uint8Array.from(b);
const le = (v: number, n: number) => { const a = new Uint8Array(n); for (let i = 0; i < n; i++) a[i] = Number((BigInt(v) >> BigInt(8 * i)) & 0xffn); return a; };

/** A 4-character NameSeg, padded with '_'; must start with A-Z or '_'. */
function nameSeg(seg: string): Uint8Array {
  if (!/^[A-Z_][A-Z0-9_]{0,3}$/.test(seg)) throw new Error(`AML: bad NameSeg '${seg}'`);
  return enc.encode(seg.padEnd(4, '_'));
}

/** NameString: '\' root and '^' parent prefixes, then one, two (DualNamePrefix) or more (MultiNamePrefix) segments. */
export function nameString(path: string): Uint8Array {
  let prefix = '';
  let rest = path;
  while (rest.startsWith('\\') || rest.startsWith('^')) { prefix += rest[0]; rest = rest.slice(1); }
  const segs = rest === '' ? [] : rest.split('.');
  const head = enc.encode(prefix);
  if (segs.length === 0) return concat([head, bytes(0x00)]); // NullName
  if (segs.length === 1) return concat([head, nameSeg(segs[0]!)]);
  if (segs.length === 2) return concat([head, bytes(0x2e), nameSeg(segs[0]!), nameSeg(segs[1]!)]);
  return concat([head, bytes(0x2f, segs.length), ...segs.map(nameSeg)]);
}

/** PkgLength for a body of `len` bytes: the encoding includes its own size (§20.2.4). */
export function pkgLength(len: number): Uint8Array {
  if (len + 1 < 0x40) return bytes(len + 1);
  for (let extra = 1; extra <= 3; extra++) {
    const total = len + 1 + extra;
    if (total < 2 ** (4 + 8 * extra)) {
      const out = new Uint8Array(1 + extra);
      out[0] = (extra << 6) | (total & 0x0f);
      for (let i = 1; i <= extra; i++) out[i] = (total >>> (4 + 8 * (i - 1))) & 0xff;
      return out;
    }
  }
  throw new RangeError(`AML: package of ${len} bytes too long`);
}

/** An integer constant with the shortest encoding (ZeroOp, OneOp, Byte/Word/DWord/QWordPrefix). */
export function int(v: number | bigint): Uint8Array {
  const n = BigInt(v);
  if (n < 0n || n >= 1n << 64n) throw new RangeError(`AML: integer ${v} out of range`);
  if (n === 0n) return bytes(0x00);
  if (n === 1n) return bytes(0x01);
  if (n <= 0xffn) return bytes(0x0a, Number(n));
  if (n <= 0xffffn) return concat([bytes(0x0b), le(Number(n), 2)]);
  if (n <= 0xffffffffn) return concat([bytes(0x0c), le(Number(n), 4)]);
  const q = new Uint8Array(9);
  q[0] = 0x0e;
  for (let i = 0; i < 8; i++) q[1 + i] = Number((n >> BigInt(8 * i)) & 0xffn);
  return q;
}

export function string(s: string): Uint8Array {
  if (!/^[\x01-\x7f]*$/.test(s)) throw new Error('AML: strings are ASCII without NUL');
  return concat([bytes(0x0d), enc.encode(s), bytes(0x00)]);
}

/** EISAID("PNP0A03") as the compressed 32-bit ID (a DWord constant). */
export function eisaId(id: string): Uint8Array {
  if (!/^[A-Z]{3}[0-9A-F]{4}$/.test(id)) throw new Error(`AML: bad EISA ID '${id}'`);
  const c = (i: number) => id.charCodeAt(i) - 0x40;
  const h = parseInt(id.slice(3), 16);
  return bytes(0x0c, (c(0) << 2) | (c(1) >> 3), ((c(1) & 7) << 5) | c(2), h >> 8, h & 0xff);
}

export function buffer(data: Uint8Array): Uint8Array {
  const body = concat([int(data.length), data]);
  return concat([bytes(0x11), pkgLength(body.length), body]);
}

export function pkg(elements: readonly Uint8Array[]): Uint8Array {
  if (elements.length > 255) throw new RangeError('AML: Package with more than 255 elements');
  const body = concat([bytes(elements.length), ...elements]);
  return concat([bytes(0x12), pkgLength(body.length), body]);
}

export function name(path: string, value: Uint8Array): Uint8Array {
  return concat([bytes(0x08), nameString(path), value]);
}

export function scope(path: string, terms: readonly Uint8Array[]): Uint8Array {
  const body = concat([nameString(path), ...terms]);
  return concat([bytes(0x10), pkgLength(body.length), body]);
}

export function device(path: string, terms: readonly Uint8Array[]): Uint8Array {
  const body = concat([nameString(path), ...terms]);
  return concat([bytes(0x5b, 0x82), pkgLength(body.length), body]);
}

/** Method(name, argCount, NotSerialized) { terms } */
export function method(path: string, argCount: number, terms: readonly Uint8Array[]): Uint8Array {
  const body = concat([nameString(path), bytes(argCount & 7), ...terms]);
  return concat([bytes(0x14), pkgLength(body.length), body]);
}

export function ret(value: Uint8Array): Uint8Array {
  return concat([bytes(0xa4), value]);
}

// ---- resource descriptors (§6.4) ----

/** IO(Decode16, min, max, alignment, length) — small descriptor 0x47. */
export function ioPort(min: number, max: number, align: number, length: number): Uint8Array {
  return concat([bytes(0x47, 0x01), le(min, 2), le(max, 2), bytes(align, length)]);
}

/** IRQNoFlags(){irqs} — small descriptor 0x22 (edge, active high, exclusive). */
export function irqNoFlags(irqs: readonly number[]): Uint8Array {
  const mask = irqs.reduce((m, i) => m | (1 << i), 0);
  return concat([bytes(0x22), le(mask, 2)]);
}

type AddressKind = 'memory' | 'io' | 'bus';
const RESOURCE_TYPE: Record<AddressKind, number> = { memory: 0, io: 1, bus: 2 };

/** Word/DWord/QWord address space descriptor (producer, fixed min/max, positive decode). */
function addressSpace(tag: number, width: 2 | 4 | 8, kind: AddressKind, min: number, max: number, typeFlags: number): Uint8Array {
  const f = (v: number) => (width === 8 ? le(v, 8) : le(v, width));
  const body = concat([
    bytes(RESOURCE_TYPE[kind], 0x0c, typeFlags), // general flags: MinFixed | MaxFixed, producer
    f(0), f(min), f(max), f(0), f(max - min + 1),
  ]);
  return concat([bytes(tag), le(body.length, 2), body]);
}

export const wordBusNumber = (min: number, max: number) => addressSpace(0x88, 2, 'bus', min, max, 0);
/** WordIO(ResourceProducer, MinFixed, MaxFixed, PosDecode, EntireRange, ...) */
export const wordIo = (min: number, max: number) => addressSpace(0x88, 2, 'io', min, max, 0x03);
/** DWordMemory(..., Cacheable, ReadWrite) */
export const dwordMemory = (min: number, max: number) => addressSpace(0x87, 4, 'memory', min, max, 0x03);
export const qwordMemory = (min: number, max: number) => addressSpace(0x8a, 8, 'memory', min, max, 0x03);

/** ResourceTemplate(){descriptors}: a Buffer ending in an EndTag with checksum 0. */
export function resourceTemplate(descriptors: readonly Uint8Array[]): Uint8Array {
  return buffer(concat([...descriptors, bytes(0x79, 0x00)]));
}
