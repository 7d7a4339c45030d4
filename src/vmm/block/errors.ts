// Block layer errors: one class, with a stable machine-readable code and a
// message that names what is wrong (the image, the feature, the offset).
// Invariant: every failure of the block layer on bad input or a bad image is a
// BlockError, never a TypeError/RangeError escaping from a parser.

export type BlockErrorCode =
  | 'ENOENT'        // no store/image of that name
  | 'EEXIST'        // create of a name that exists (exclusive create)
  | 'EINVAL'        // bad argument (negative offset, out-of-range request, bad name)
  | 'EROFS'         // write to a read-only store/device
  | 'ENOSPC'        // store cannot grow
  | 'CORRUPT'       // image metadata inconsistent or truncated
  | 'UNSUPPORTED'   // image uses a feature this implementation refuses
  | 'CLOSED'        // operation on a closed store/device
  | 'EBUSY'         // store already open for writing (QEMU's "Failed to get write lock")
  | 'EIO';          // underlying store failed

export class BlockError extends Error {
  readonly code: BlockErrorCode;
  constructor(code: BlockErrorCode, message: string) {
    super(message);
    this.name = 'BlockError';
    this.code = code;
  }
}

/** Throws EINVAL unless offset/length describe a valid non-negative safe-integer range. */
export function checkRange(what: string, offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || offset < 0) {
    throw new BlockError('EINVAL', `${what}: offset ${offset} is not a non-negative integer`);
  }
  if (!Number.isSafeInteger(length) || length < 0) {
    throw new BlockError('EINVAL', `${what}: length ${length} is not a non-negative integer`);
  }
}
