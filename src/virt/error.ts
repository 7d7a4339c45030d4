/*
 * error.ts — libvirt's error object (virError) for the whole management layer.
 *
 * A VirError carries what libvirt's virError carries: the error code by name
 * (virErrorNumber, e.g. VIR_ERR_XML_ERROR), the component that raised it
 * (virErrorDomain, e.g. VIR_FROM_DOMAIN), the detail text, and the full message
 * formatted the way virErrorMsg() formats it ("XML error: <detail>"), which is
 * what `virsh` prints after "error: ".
 *
 * Invariants: `message` is always `format(code, detail)`; the numeric code is the
 * position in virErrorNumber (include/libvirt/virterror.h), so it matches
 * libvirt's API values.
 */

/** [code name, message without info, message with info ('%s' = detail)] in virErrorNumber order. */
const ERROR_TABLE: ReadonlyArray<readonly [string, string, string]> = [
  ['VIR_ERR_OK', '', '%s'],
  ['VIR_ERR_INTERNAL_ERROR', 'internal error', 'internal error: %s'],
  ['VIR_ERR_NO_MEMORY', 'out of memory', 'out of memory: %s'],
  ['VIR_ERR_NO_SUPPORT', 'this function is not supported by the connection driver', 'this function is not supported by the connection driver: %s'],
  ['VIR_ERR_UNKNOWN_HOST', 'unknown host', 'unknown host %s'],
  ['VIR_ERR_NO_CONNECT', 'no connection driver available', 'no connection driver available for %s'],
  ['VIR_ERR_INVALID_CONN', 'invalid connection pointer in', 'invalid connection pointer in %s'],
  ['VIR_ERR_INVALID_DOMAIN', 'invalid domain pointer in', 'invalid domain pointer in %s'],
  ['VIR_ERR_INVALID_ARG', 'invalid argument', 'invalid argument: %s'],
  ['VIR_ERR_OPERATION_FAILED', 'operation failed', 'operation failed: %s'],
  ['VIR_ERR_GET_FAILED', 'GET operation failed', 'GET operation failed: %s'],
  ['VIR_ERR_POST_FAILED', 'POST operation failed', 'POST operation failed: %s'],
  ['VIR_ERR_HTTP_ERROR', 'got unknown HTTP error code', 'got unknown HTTP error code %s'],
  ['VIR_ERR_SEXPR_SERIAL', 'failed to serialize S-Expr', 'failed to serialize S-Expr: %s'],
  ['VIR_ERR_NO_XEN', 'could not use Xen hypervisor entry', 'could not use Xen hypervisor entry %s'],
  ['VIR_ERR_XEN_CALL', 'failed Xen syscall', 'failed Xen syscall %s'],
  ['VIR_ERR_OS_TYPE', 'unknown OS type', 'unknown OS type %s'],
  ['VIR_ERR_NO_KERNEL', 'missing kernel information', 'missing kernel information: %s'],
  ['VIR_ERR_NO_ROOT', 'missing root device information', 'missing root device information in %s'],
  ['VIR_ERR_NO_SOURCE', 'missing source information for device', 'missing source information for device %s'],
  ['VIR_ERR_NO_TARGET', 'missing target information for device', 'missing target information for device %s'],
  ['VIR_ERR_NO_NAME', 'missing name information', 'missing name information in %s'],
  ['VIR_ERR_NO_OS', 'missing operating system information', 'missing operating system information for %s'],
  ['VIR_ERR_NO_DEVICE', 'missing devices information', 'missing devices information for %s'],
  ['VIR_ERR_NO_XENSTORE', 'could not connect to Xen Store', 'could not connect to Xen Store %s'],
  ['VIR_ERR_DRIVER_FULL', 'too many drivers registered', 'too many drivers registered in %s'],
  ['VIR_ERR_CALL_FAILED', 'library call failed', 'library call failed: %s'],
  ['VIR_ERR_XML_ERROR', 'XML description is invalid or not well formed', 'XML error: %s'],
  ['VIR_ERR_DOM_EXIST', 'this domain exists already', 'domain %s exists already'],
  ['VIR_ERR_OPERATION_DENIED', 'operation forbidden for read only access', 'operation forbidden: %s'],
  ['VIR_ERR_OPEN_FAILED', 'failed to open configuration file', 'failed to open configuration file %s'],
  ['VIR_ERR_READ_FAILED', 'failed to read configuration file', 'failed to read configuration file %s'],
  ['VIR_ERR_PARSE_FAILED', 'failed to parse configuration file', 'failed to parse configuration file %s'],
  ['VIR_ERR_CONF_SYNTAX', 'configuration file syntax error', 'configuration file syntax error: %s'],
  ['VIR_ERR_WRITE_FAILED', 'failed to write configuration file', 'failed to write configuration file: %s'],
  ['VIR_ERR_XML_DETAIL', 'parser error', '%s'],
  ['VIR_ERR_INVALID_NETWORK', 'invalid network pointer in', 'invalid network pointer in %s'],
  ['VIR_ERR_NETWORK_EXIST', 'this network exists already', 'network %s exists already'],
  ['VIR_ERR_SYSTEM_ERROR', 'system call error', '%s'],
  ['VIR_ERR_RPC', 'RPC error', '%s'],
  ['VIR_ERR_GNUTLS_ERROR', 'GNUTLS call error', '%s'],
  ['VIR_WAR_NO_NETWORK', 'Failed to find the network', 'Failed to find the network: %s'],
  ['VIR_ERR_NO_DOMAIN', 'Domain not found', 'Domain not found: %s'],
  ['VIR_ERR_NO_NETWORK', 'Network not found', 'Network not found: %s'],
  ['VIR_ERR_INVALID_MAC', 'invalid MAC address', 'invalid MAC address: %s'],
  ['VIR_ERR_AUTH_FAILED', 'authentication failed', 'authentication failed: %s'],
  ['VIR_ERR_INVALID_STORAGE_POOL', 'invalid storage pool pointer in', 'invalid storage pool pointer in %s'],
  ['VIR_ERR_INVALID_STORAGE_VOL', 'invalid storage volume pointer in', 'invalid storage volume pointer in %s'],
  ['VIR_WAR_NO_STORAGE', 'Failed to find a storage driver', 'Failed to find a storage driver: %s'],
  ['VIR_ERR_NO_STORAGE_POOL', 'Storage pool not found', 'Storage pool not found: %s'],
  ['VIR_ERR_NO_STORAGE_VOL', 'Storage volume not found', 'Storage volume not found: %s'],
  ['VIR_WAR_NO_NODE', 'Failed to find a node driver', 'Failed to find a node driver: %s'],
  ['VIR_ERR_INVALID_NODE_DEVICE', 'invalid node device pointer', 'invalid node device pointer in %s'],
  ['VIR_ERR_NO_NODE_DEVICE', 'Node device not found', 'Node device not found: %s'],
  ['VIR_ERR_NO_SECURITY_MODEL', 'Security model not found', 'Security model not found: %s'],
  ['VIR_ERR_OPERATION_INVALID', 'Requested operation is not valid', 'Requested operation is not valid: %s'],
  ['VIR_WAR_NO_INTERFACE', 'Failed to find the interface', 'Failed to find the interface: %s'],
  ['VIR_ERR_NO_INTERFACE', 'Interface not found', 'Interface not found: %s'],
  ['VIR_ERR_INVALID_INTERFACE', 'invalid interface pointer in', 'invalid interface pointer in %s'],
  ['VIR_ERR_MULTIPLE_INTERFACES', 'multiple matching interfaces found', 'multiple matching interfaces found: %s'],
  ['VIR_WAR_NO_NWFILTER', 'Failed to start the nwfilter driver', 'Failed to start the nwfilter driver: %s'],
  ['VIR_ERR_INVALID_NWFILTER', 'Invalid network filter', 'Invalid network filter: %s'],
  ['VIR_ERR_NO_NWFILTER', 'Network filter not found', 'Network filter not found: %s'],
  ['VIR_ERR_BUILD_FIREWALL', 'Error while building firewall', 'Error while building firewall: %s'],
  ['VIR_WAR_NO_SECRET', 'Failed to find a secret storage driver', 'Failed to find a secret storage driver: %s'],
  ['VIR_ERR_INVALID_SECRET', 'Invalid secret', 'Invalid secret: %s'],
  ['VIR_ERR_NO_SECRET', 'Secret not found', 'Secret not found: %s'],
  ['VIR_ERR_CONFIG_UNSUPPORTED', 'unsupported configuration', 'unsupported configuration: %s'],
  ['VIR_ERR_OPERATION_TIMEOUT', 'Timed out during operation', 'Timed out during operation: %s'],
  ['VIR_ERR_MIGRATE_PERSIST_FAILED', 'Failed to make domain persistent after migration', 'Failed to make domain persistent after migration: %s'],
  ['VIR_ERR_HOOK_SCRIPT_FAILED', 'Hook script execution failed', 'Hook script execution failed: %s'],
  ['VIR_ERR_INVALID_DOMAIN_SNAPSHOT', 'Invalid domain snapshot', 'Invalid domain snapshot: %s'],
  ['VIR_ERR_NO_DOMAIN_SNAPSHOT', 'Domain snapshot not found', 'Domain snapshot not found: %s'],
  ['VIR_ERR_INVALID_STREAM', 'invalid stream pointer', 'invalid stream pointer in %s'],
  ['VIR_ERR_ARGUMENT_UNSUPPORTED', 'argument unsupported', 'argument unsupported: %s'],
  ['VIR_ERR_STORAGE_PROBE_FAILED', 'Storage pool probe failed', 'Storage pool probe failed: %s'],
  ['VIR_ERR_STORAGE_POOL_BUILT', 'Storage pool already built', 'Storage pool already built: %s'],
  ['VIR_ERR_SNAPSHOT_REVERT_RISKY', 'revert requires force', 'revert requires force: %s'],
  ['VIR_ERR_OPERATION_ABORTED', 'operation aborted', 'operation aborted: %s'],
  ['VIR_ERR_AUTH_CANCELLED', 'authentication cancelled', 'authentication cancelled: %s'],
  ['VIR_ERR_NO_DOMAIN_METADATA', 'metadata not found', 'metadata not found: %s'],
  ['VIR_ERR_MIGRATE_UNSAFE', 'Unsafe migration', 'Unsafe migration: %s'],
  ['VIR_ERR_OVERFLOW', 'numerical overflow', 'numerical overflow: %s'],
  ['VIR_ERR_BLOCK_COPY_ACTIVE', 'block copy still active', 'block copy still active: %s'],
  ['VIR_ERR_OPERATION_UNSUPPORTED', 'Operation not supported', 'Operation not supported: %s'],
  ['VIR_ERR_SSH', 'SSH transport error', 'SSH transport error: %s'],
  ['VIR_ERR_AGENT_UNRESPONSIVE', 'Guest agent is not responding', 'Guest agent is not responding: %s'],
  ['VIR_ERR_RESOURCE_BUSY', 'resource busy', 'resource busy: %s'],
  ['VIR_ERR_ACCESS_DENIED', 'access denied', 'access denied: %s'],
  ['VIR_ERR_DBUS_SERVICE', 'error from service', 'error from service: %s'],
  ['VIR_ERR_STORAGE_VOL_EXIST', 'this storage volume exists already', 'storage volume %s exists already'],
  ['VIR_ERR_CPU_INCOMPATIBLE', 'the CPU is incompatible with host CPU', 'the CPU is incompatible with host CPU: %s'],
  ['VIR_ERR_XML_INVALID_SCHEMA', 'XML document failed to validate against schema', 'XML document failed to validate against schema: %s'],
  ['VIR_ERR_MIGRATE_FINISH_OK', 'migration successfully aborted', 'migration successfully aborted: %s'],
  ['VIR_ERR_AUTH_UNAVAILABLE', 'authentication unavailable', 'authentication unavailable: %s'],
  ['VIR_ERR_NO_SERVER', 'Server not found', 'Server not found: %s'],
  ['VIR_ERR_NO_CLIENT', 'Client not found', 'Client not found: %s'],
  ['VIR_ERR_AGENT_UNSYNCED', 'guest agent replied with wrong id to guest-sync command', 'guest agent replied with wrong id to guest-sync command: %s'],
  ['VIR_ERR_LIBSSH', 'libssh transport error', 'libssh transport error: %s'],
  ['VIR_ERR_DEVICE_MISSING', 'device not found', 'device not found: %s'],
  ['VIR_ERR_INVALID_NWFILTER_BINDING', 'Invalid network filter binding', 'Invalid network filter binding: %s'],
  ['VIR_ERR_NO_NWFILTER_BINDING', 'Network filter binding not found', 'Network filter binding not found: %s'],
  ['VIR_ERR_INVALID_DOMAIN_CHECKPOINT', 'Invalid domain checkpoint', 'Invalid domain checkpoint: %s'],
  ['VIR_ERR_NO_DOMAIN_CHECKPOINT', 'Domain checkpoint not found', 'Domain checkpoint not found: %s'],
  ['VIR_ERR_NO_DOMAIN_BACKUP', 'Domain backup job id not found', 'Domain backup job id not found: %s'],
  ['VIR_ERR_INVALID_NETWORK_PORT', 'Invalid network port pointer', 'Invalid network port pointer: %s'],
  ['VIR_ERR_NETWORK_PORT_EXIST', 'this network port exists already', 'network port %s exists already'],
  ['VIR_ERR_NO_NETWORK_PORT', 'network port not found', 'network port not found: %s'],
  ['VIR_ERR_NO_HOSTNAME', 'no hostname found', 'no hostname found: %s'],
  ['VIR_ERR_CHECKPOINT_INCONSISTENT', 'checkpoint inconsistent', 'checkpoint inconsistent: %s'],
  ['VIR_ERR_MULTIPLE_DOMAINS', 'multiple matching domains found', 'multiple matching domains found: %s'],
];

/** The virErrorNumber names this project raises (any name in the table is accepted). */
export type VirErrorCode =
  | 'VIR_ERR_OK' | 'VIR_ERR_INTERNAL_ERROR' | 'VIR_ERR_NO_MEMORY' | 'VIR_ERR_NO_SUPPORT'
  | 'VIR_ERR_INVALID_DOMAIN' | 'VIR_ERR_INVALID_ARG' | 'VIR_ERR_OPERATION_FAILED' | 'VIR_ERR_OS_TYPE'
  | 'VIR_ERR_NO_SOURCE' | 'VIR_ERR_NO_TARGET' | 'VIR_ERR_NO_NAME' | 'VIR_ERR_NO_OS' | 'VIR_ERR_NO_DEVICE'
  | 'VIR_ERR_XML_ERROR' | 'VIR_ERR_DOM_EXIST' | 'VIR_ERR_OPERATION_DENIED' | 'VIR_ERR_OPEN_FAILED'
  | 'VIR_ERR_READ_FAILED' | 'VIR_ERR_PARSE_FAILED' | 'VIR_ERR_WRITE_FAILED' | 'VIR_ERR_XML_DETAIL'
  | 'VIR_ERR_NO_CONNECT' | 'VIR_ERR_INVALID_NETWORK' | 'VIR_ERR_NETWORK_EXIST' | 'VIR_ERR_SYSTEM_ERROR' | 'VIR_ERR_NO_DOMAIN'
  | 'VIR_ERR_NO_NETWORK' | 'VIR_ERR_INVALID_MAC' | 'VIR_ERR_INVALID_STORAGE_POOL' | 'VIR_ERR_INVALID_STORAGE_VOL'
  | 'VIR_ERR_NO_STORAGE_POOL' | 'VIR_ERR_NO_STORAGE_VOL' | 'VIR_ERR_OPERATION_INVALID' | 'VIR_ERR_NO_INTERFACE'
  | 'VIR_ERR_CONFIG_UNSUPPORTED' | 'VIR_ERR_OPERATION_TIMEOUT' | 'VIR_ERR_ARGUMENT_UNSUPPORTED'
  | 'VIR_ERR_STORAGE_PROBE_FAILED' | 'VIR_ERR_STORAGE_POOL_BUILT' | 'VIR_ERR_OPERATION_ABORTED'
  | 'VIR_ERR_NO_DOMAIN_METADATA' | 'VIR_ERR_OVERFLOW' | 'VIR_ERR_OPERATION_UNSUPPORTED' | 'VIR_ERR_RESOURCE_BUSY'
  | 'VIR_ERR_ACCESS_DENIED' | 'VIR_ERR_STORAGE_VOL_EXIST' | 'VIR_ERR_XML_INVALID_SCHEMA' | 'VIR_ERR_DEVICE_MISSING'
  | 'VIR_ERR_AGENT_UNRESPONSIVE' | 'VIR_ERR_NO_HOSTNAME' | 'VIR_ERR_MULTIPLE_DOMAINS';

/** virErrorDomain names: which part of libvirt raised the error. */
export type VirErrorDomain =
  | 'VIR_FROM_NONE' | 'VIR_FROM_XML' | 'VIR_FROM_DOM' | 'VIR_FROM_CONF' | 'VIR_FROM_QEMU' | 'VIR_FROM_NET'
  | 'VIR_FROM_TEST' | 'VIR_FROM_REMOTE' | 'VIR_FROM_STORAGE' | 'VIR_FROM_NETWORK' | 'VIR_FROM_DOMAIN'
  | 'VIR_FROM_NODEDEV' | 'VIR_FROM_INTERFACE' | 'VIR_FROM_SECRET' | 'VIR_FROM_CPU' | 'VIR_FROM_STREAMS'
  | 'VIR_FROM_EVENT' | 'VIR_FROM_CAPABILITIES' | 'VIR_FROM_URI' | 'VIR_FROM_DEVICE' | 'VIR_FROM_THREAD';

const INDEX = new Map<string, number>(ERROR_TABLE.map((e, i) => [e[0], i]));

/** Format the message as virErrorMsg() + printf do: "XML error: <detail>", or the bare text with no detail. */
export function formatVirErrorMessage(code: VirErrorCode, detail?: string): string {
  const entry = ERROR_TABLE[INDEX.get(code) ?? 1];
  if (detail === undefined || detail === '') return entry[1];
  return entry[2].replace('%s', () => detail);
}

/** Numeric virErrorNumber value of a code name (-1 if unknown). */
export function virErrorNumber(code: VirErrorCode): number {
  return INDEX.get(code) ?? -1;
}

export class VirError extends Error {
  /** virErrorNumber name, e.g. 'VIR_ERR_XML_ERROR'. */
  readonly code: VirErrorCode;
  /** virErrorDomain name, e.g. 'VIR_FROM_DOMAIN'. */
  readonly domain: VirErrorDomain;
  /** The detail text alone (what the raiser formatted), without the code's prefix. */
  readonly detail: string;
  /** Where in an XML document the problem is, when known (1-based), for editors to point at. */
  line?: number;
  column?: number;

  constructor(code: VirErrorCode, detail = '', domain: VirErrorDomain = 'VIR_FROM_NONE') {
    super(formatVirErrorMessage(code, detail));
    this.name = 'VirError';
    this.code = code;
    this.domain = domain;
    this.detail = detail;
  }

  /** Numeric virErrorNumber (as virGetLastErrorCode() would return). */
  get number(): number {
    return virErrorNumber(this.code);
  }
}

export function isVirError(e: unknown): e is VirError {
  return e instanceof VirError;
}

/** Shorthands for the errors the XML layer raises most. */
export const xmlError = (detail: string, domain: VirErrorDomain = 'VIR_FROM_DOMAIN') =>
  new VirError('VIR_ERR_XML_ERROR', detail, domain);
export const configUnsupported = (detail: string, domain: VirErrorDomain = 'VIR_FROM_DOMAIN') =>
  new VirError('VIR_ERR_CONFIG_UNSUPPORTED', detail, domain);
export const internalError = (detail: string, domain: VirErrorDomain = 'VIR_FROM_DOMAIN') =>
  new VirError('VIR_ERR_INTERNAL_ERROR', detail, domain);
export const invalidArg = (detail: string, domain: VirErrorDomain = 'VIR_FROM_DOMAIN') =>
  new VirError('VIR_ERR_INVALID_ARG', detail, domain);
