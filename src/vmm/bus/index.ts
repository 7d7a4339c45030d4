// Port and MMIO buses of the pc machine (re-exports).
export * from './types.js';
export { PortBus, PORT_SPACE_SIZE } from './port-bus.js';
export { MmioBus } from './mmio-bus.js';
