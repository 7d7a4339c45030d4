/*
 * errors.ts — the driver's errors, worded as libvirt words them
 * (src/conf/virdomainobjlist.c, src/qemu/qemu_driver.c, src/storage/,
 * src/network/): "no domain with matching name 'x'", "domain is not running"…
 */
import { VirError, type VirErrorDomain } from '../error.js';

export const operationInvalid = (detail: string, from: VirErrorDomain = 'VIR_FROM_DOMAIN') =>
  new VirError('VIR_ERR_OPERATION_INVALID', detail, from);

export const operationFailed = (detail: string, from: VirErrorDomain = 'VIR_FROM_DOMAIN') =>
  new VirError('VIR_ERR_OPERATION_FAILED', detail, from);

export const invalidArg = (detail: string, from: VirErrorDomain = 'VIR_FROM_DOMAIN') =>
  new VirError('VIR_ERR_INVALID_ARG', detail, from);

export const internal = (detail: string, from: VirErrorDomain = 'VIR_FROM_DOMAIN') =>
  new VirError('VIR_ERR_INTERNAL_ERROR', detail, from);

export const noDomainByName = (name: string) =>
  new VirError('VIR_ERR_NO_DOMAIN', `no domain with matching name '${name}'`, 'VIR_FROM_DOMAIN');
export const noDomainByUuid = (uuid: string) =>
  new VirError('VIR_ERR_NO_DOMAIN', `no domain with matching uuid '${uuid}'`, 'VIR_FROM_DOMAIN');
export const noDomainById = (id: number) =>
  new VirError('VIR_ERR_NO_DOMAIN', `no domain with matching id ${id}`, 'VIR_FROM_DOMAIN');

export const notRunning = () => operationInvalid('domain is not running');
export const alreadyRunning = () => operationInvalid('domain is already running');

export const noPoolByName = (name: string) =>
  new VirError('VIR_ERR_NO_STORAGE_POOL', `no storage pool with matching name '${name}'`, 'VIR_FROM_STORAGE');
export const noPoolByUuid = (uuid: string) =>
  new VirError('VIR_ERR_NO_STORAGE_POOL', `no storage pool with matching uuid '${uuid}'`, 'VIR_FROM_STORAGE');
export const noVolume = (what: string) =>
  new VirError('VIR_ERR_NO_STORAGE_VOL', what, 'VIR_FROM_STORAGE');

export const noNetworkByName = (name: string) =>
  new VirError('VIR_ERR_NO_NETWORK', `no network with matching name '${name}'`, 'VIR_FROM_NETWORK');
export const noNetworkByUuid = (uuid: string) =>
  new VirError('VIR_ERR_NO_NETWORK', `no network with matching uuid '${uuid}'`, 'VIR_FROM_NETWORK');

/** Turns a store or block-layer failure into a VirError that names what was being done. */
export function wrapError(e: unknown, doing: string, from: VirErrorDomain = 'VIR_FROM_DOMAIN'): VirError {
  if (e instanceof VirError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  return new VirError('VIR_ERR_INTERNAL_ERROR', `${doing}: ${msg}`, from);
}
