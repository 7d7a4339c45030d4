// The one error type the loaders throw for bad input, raised before the VM starts.
// `check` names the check that failed (stable, for tests and scripts); the message says what
// was found and what was expected, so a user can fix the file or the option.

export type LoaderCheck =
  | 'unknown-format'   // no loader recognises the file
  | 'truncated'        // the file ends before a structure it declares
  | 'bad-magic'        // a signature is wrong (HdrS, 0xAA55, ELF, 0x1BADB002, ...)
  | 'bad-checksum'     // Multiboot header checksum
  | 'unsupported'      // a valid file this loader cannot boot (old protocol, 32-bit ELF for PVH, ...)
  | 'decompress'       // the compressed payload does not decompress
  | 'no-pvh-note'      // PVH requested but the ELF has no XEN_ELFNOTE_PHYS32_ENTRY
  | 'segment-outside-ram' // an ELF/a.out segment or the kernel does not fit in guest RAM
  | 'initrd-too-big'   // the initrd does not fit where the kernel can reach it
  | 'cmdline-too-long';

export class KernelLoadError extends Error {
  constructor(readonly check: LoaderCheck, message: string) {
    super(`${message} [${check}]`);
    this.name = 'KernelLoadError';
  }
}

export function fail(check: LoaderCheck, message: string): never {
  throw new KernelLoadError(check, message);
}
