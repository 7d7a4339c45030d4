/*
 * unique.ts — libvirt's duplicate-definition checks (virDomainObjListAddLocked,
 * virStoragePoolObjIsDuplicate, virNetworkObjAssignDef), for the driver to run
 * against the definitions it already holds, before storing a new one.
 *
 *  - same uuid, other name:  "domain 'OLD' is already defined with uuid U"
 *  - same name, other uuid:  "domain 'NAME' already exists with uuid OLDU"
 * both VIR_ERR_OPERATION_FAILED; 'pool' and 'network' read the same way.
 * Same name and same uuid is a redefinition, which is allowed.
 */
import { VirError, type VirErrorDomain } from '../error.js';

export type DefinitionKind = 'domain' | 'pool' | 'network';

const FROM: Record<DefinitionKind, VirErrorDomain> = {
  domain: 'VIR_FROM_DOMAIN',
  pool: 'VIR_FROM_STORAGE',
  network: 'VIR_FROM_NETWORK',
};

/** The existing object `existingName` owns `uuid`, and a definition with another name claims it. */
export function duplicateUuidError(kind: DefinitionKind, existingName: string, uuid: string): VirError {
  return new VirError('VIR_ERR_OPERATION_FAILED', `${kind} '${existingName}' is already defined with uuid ${uuid}`, FROM[kind]);
}

/** `name` is taken by an existing object whose uuid is `existingUuid`. */
export function duplicateNameError(kind: DefinitionKind, name: string, existingUuid: string): VirError {
  return new VirError('VIR_ERR_OPERATION_FAILED', `${kind} '${name}' already exists with uuid ${existingUuid}`, FROM[kind]);
}

/** Throw libvirt's error if `def` clashes with one of `existing` (by uuid first, then by name). */
export function checkUniqueDefinition(
  kind: DefinitionKind,
  def: { name: string; uuid: string },
  existing: Iterable<{ name: string; uuid: string }>,
): void {
  const list = [...existing];
  const byUuid = list.find((o) => o.uuid === def.uuid);
  if (byUuid) {
    if (byUuid.name !== def.name) throw duplicateUuidError(kind, byUuid.name, byUuid.uuid);
    return;
  }
  const byName = list.find((o) => o.name === def.name);
  if (byName) throw duplicateNameError(kind, def.name, byName.uuid);
}
