// spec.ts — constants of the virtio 1.x specification used by the transport, the queues and
// the devices. Names follow the spec (VIRTIO_F_*, VIRTQ_DESC_F_*, VIRTIO_PCI_CAP_*).
// virtio v1.2: 2.1 (device status), 2.7 (split virtqueues), 4.1 (virtio over PCI), 6 (reserved features).

/** 2.1 Device Status Field */
export const STATUS_ACKNOWLEDGE = 1;
export const STATUS_DRIVER = 2;
export const STATUS_DRIVER_OK = 4;
export const STATUS_FEATURES_OK = 8;
export const STATUS_DEVICE_NEEDS_RESET = 64;
export const STATUS_FAILED = 128;

/** 6 Reserved Feature Bits (bit numbers) */
export const VIRTIO_F_INDIRECT_DESC = 28;
export const VIRTIO_F_EVENT_IDX = 29;
export const VIRTIO_F_VERSION_1 = 32;

/** 2.7.5 The Virtqueue Descriptor Table */
export const VIRTQ_DESC_F_NEXT = 1;
export const VIRTQ_DESC_F_WRITE = 2;
export const VIRTQ_DESC_F_INDIRECT = 4;
export const VIRTQ_DESC_SIZE = 16;

/** 2.7.6 / 2.7.8 ring flags */
export const VIRTQ_AVAIL_F_NO_INTERRUPT = 1;
export const VIRTQ_USED_F_NO_NOTIFY = 1;

/** 4.1.2 PCI Device Discovery */
export const VIRTIO_PCI_VENDOR_ID = 0x1af4;
export const VIRTIO_PCI_MODERN_DEVICE_ID_BASE = 0x1040;

/** 4.1.4 Virtio Structure PCI Capabilities: cfg_type values */
export const VIRTIO_PCI_CAP_COMMON_CFG = 1;
export const VIRTIO_PCI_CAP_NOTIFY_CFG = 2;
export const VIRTIO_PCI_CAP_ISR_CFG = 3;
export const VIRTIO_PCI_CAP_DEVICE_CFG = 4;
export const VIRTIO_PCI_CAP_PCI_CFG = 5;

/** 4.1.4.3 Common configuration structure layout (byte offsets) */
export const COMMON_DEVICE_FEATURE_SELECT = 0;
export const COMMON_DEVICE_FEATURE = 4;
export const COMMON_DRIVER_FEATURE_SELECT = 8;
export const COMMON_DRIVER_FEATURE = 12;
export const COMMON_CONFIG_MSIX_VECTOR = 16;
export const COMMON_NUM_QUEUES = 18;
export const COMMON_DEVICE_STATUS = 20;
export const COMMON_CONFIG_GENERATION = 21;
export const COMMON_QUEUE_SELECT = 22;
export const COMMON_QUEUE_SIZE = 24;
export const COMMON_QUEUE_MSIX_VECTOR = 26;
export const COMMON_QUEUE_ENABLE = 28;
export const COMMON_QUEUE_NOTIFY_OFF = 30;
export const COMMON_QUEUE_DESC = 32;
export const COMMON_QUEUE_DRIVER = 40;
export const COMMON_QUEUE_DEVICE = 48;
export const COMMON_QUEUE_NOTIFY_DATA = 56;
export const COMMON_QUEUE_RESET = 58;
export const COMMON_CFG_SIZE = 60;

/** 4.1.4.4 ISR status bits */
export const ISR_QUEUE = 1;
export const ISR_CONFIG = 2;

/** 4.1.5.1.2 MSI-X vector meaning "no vector" */
export const VIRTIO_MSI_NO_VECTOR = 0xffff;

/** 5 Device Types */
export const VIRTIO_ID_NET = 1;
export const VIRTIO_ID_BLOCK = 2;
export const VIRTIO_ID_CONSOLE = 3;
export const VIRTIO_ID_RNG = 4;
export const VIRTIO_ID_BALLOON = 5;

/** The largest queue size the spec allows for split virtqueues (2.7). */
export const VIRTQ_MAX_SIZE = 32768;

/** 2.7.7.2 / 2.7.10: whether an event index was crossed between old and new. */
export function vringNeedEvent(eventIdx: number, newIdx: number, oldIdx: number): boolean {
  return ((newIdx - eventIdx - 1) & 0xffff) < ((newIdx - oldIdx) & 0xffff);
}

export function featureBit(bit: number): bigint {
  return 1n << BigInt(bit);
}
