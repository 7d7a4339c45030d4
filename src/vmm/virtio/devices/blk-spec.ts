// blk-spec.ts — virtio-blk constants (virtio 1.2, 5.2): feature bits, config-space layout,
// request types and status values.
export const VIRTIO_BLK_F_SIZE_MAX = 1;
export const VIRTIO_BLK_F_SEG_MAX = 2;
export const VIRTIO_BLK_F_RO = 5;
export const VIRTIO_BLK_F_BLK_SIZE = 6;
export const VIRTIO_BLK_F_FLUSH = 9;
export const VIRTIO_BLK_F_DISCARD = 13;
export const VIRTIO_BLK_F_WRITE_ZEROES = 14;

/** 5.2.4 struct virtio_blk_config offsets */
export const CFG_CAPACITY = 0;
export const CFG_SIZE_MAX = 8;
export const CFG_SEG_MAX = 12;
export const CFG_BLK_SIZE = 20;
export const CFG_MAX_DISCARD_SECTORS = 36;
export const CFG_MAX_DISCARD_SEG = 40;
export const CFG_DISCARD_SECTOR_ALIGNMENT = 44;
export const CFG_MAX_WRITE_ZEROES_SECTORS = 48;
export const CFG_MAX_WRITE_ZEROES_SEG = 52;
export const CFG_WRITE_ZEROES_MAY_UNMAP = 56;
export const CFG_SIZE = 60;

/** 5.2.6 request types */
export const VIRTIO_BLK_T_IN = 0;
export const VIRTIO_BLK_T_OUT = 1;
export const VIRTIO_BLK_T_FLUSH = 4;
export const VIRTIO_BLK_T_GET_ID = 8;
export const VIRTIO_BLK_T_DISCARD = 11;
export const VIRTIO_BLK_T_WRITE_ZEROES = 13;

/** 5.2.6 status */
export const VIRTIO_BLK_S_OK = 0;
export const VIRTIO_BLK_S_IOERR = 1;
export const VIRTIO_BLK_S_UNSUPP = 2;

export const SECTOR_SIZE = 512;
export const VIRTIO_BLK_ID_BYTES = 20;
/** struct virtio_blk_discard_write_zeroes: sector u64, num_sectors u32, flags u32 */
export const DISCARD_SEGMENT_SIZE = 16;
export const VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP = 1;
