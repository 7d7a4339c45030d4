// qcow2 consistency check (the read-only part of `qemu-img check`): counts the
// references to every host cluster — header, L1 table, refcount table and
// blocks, L2 tables, data and compressed clusters — and compares them with the
// stored refcounts. Spec: docs/interop/qcow2.txt "Host cluster management".
//
// errors: a cluster referenced more often than its refcount (a later free
//   would leave a dangling reference), metadata past the end of the file or
//   misaligned. Any error means writing could destroy data.
// leaks: clusters whose refcount exceeds their references (harmless; what a
//   crash between allocation and use leaves behind).

import type { Qcow2Device } from './image.js';
import { compressedRange, decodeL2, KIND_COMPRESSED, KIND_NORMAL, KIND_ZERO_ALLOC } from './l2-entry.js';

export interface CheckResult {
  errors: string[];
  leaks: number;
  /** Every leaked cluster: its host offset, stored refcount and real reference count. */
  leaked: { offset: number; refcount: number; references: number }[];
}

export async function checkConsistency(dev: Qcow2Device): Promise<CheckResult> {
  const rc = dev.refcounts!;
  const cs = dev.clusterSize;
  const fileSize = await dev.store.size();
  const nClusters = Math.ceil(fileSize / cs);
  const refs = new Uint32Array(nClusters);
  const errors: string[] = [];
  const ref = (offset: number, count: number, what: string): boolean => {
    if (offset % cs !== 0) { errors.push(`${what} at ${offset} is not cluster aligned`); return false; }
    for (let c = offset / cs; c < offset / cs + count; c++) {
      if (c >= nClusters) {
        errors.push(`${what} at ${offset} lies past the end of the file (${fileSize} bytes)`);
        return false;
      }
      refs[c]++;
    }
    return true;
  };
  ref(0, 1, 'header');
  ref(dev.header.l1TableOffset, Math.ceil((dev.header.l1Size * 8) / cs), 'L1 table');
  const meta = rc.metadata();
  ref(meta.tableOffset, meta.tableClusters, 'refcount table');
  for (const b of meta.blocks) ref(b, 1, 'refcount block');
  for (let i = 0; i < dev.l1.length && errors.length < 100; i++) {
    const l2 = dev.l1[i];
    if (!l2 || !ref(l2, 1, `L2 table ${i}`)) continue;
    const bytes = await dev.store.read(l2, cs);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let j = 0; j < dev.l2Entries; j++) {
      const m = decodeL2(view, j);
      const gc = i * dev.l2Entries + j;
      if (m.kind === KIND_NORMAL || m.kind === KIND_ZERO_ALLOC) {
        ref(m.host, 1, `data cluster of guest offset ${gc * cs}`);
      } else if (m.kind === KIND_COMPRESSED) {
        const { start, end } = compressedRange(m, dev.clusterBits);
        const c0 = Math.floor(start / cs), c1 = Math.floor((end - 1) / cs);
        if (c1 >= nClusters) errors.push(`compressed cluster of guest offset ${gc * cs} lies past the end of the file`);
        else for (let c = c0; c <= c1; c++) refs[c]++;
      }
    }
  }
  let leaks = 0;
  const leaked: CheckResult['leaked'] = [];
  const compare = (c: number, stored: number): void => {
    const r = c < nClusters ? refs[c] : 0;
    if (r > stored) {
      errors.push(`cluster at ${c * cs} has refcount ${stored} but ${r} reference(s)`);
    } else if (stored > r) {
      leaks++;
      leaked.push({ offset: c * cs, refcount: stored, references: r });
    }
  };
  // Every cluster a refcount block describes (leaks past the end of the file count too) ...
  const described = new Set(rc.blockIndices());
  for (const b of described) {
    for (let c = b * rc.perBlock; c < (b + 1) * rc.perBlock && errors.length < 100; c++) compare(c, await rc.get(c));
  }
  // ... and referenced clusters that no refcount block describes.
  for (let c = 0; c < nClusters && errors.length < 100; c++) {
    if (!described.has(Math.floor(c / rc.perBlock))) compare(c, 0);
  }
  return { errors, leaks, leaked };
}
