/*
 * common.ts — what many virsh commands share (tools/virsh.h VIRSH_COMMON_OPT_*,
 * tools/virsh-util.c virshCommandOptDomain & co): the usual option definitions
 * and the lookups with virsh's "failed to get domain 'x'" errors.
 *
 * As in virsh, a failed domain lookup prints only "failed to get domain 'x'"
 * (the library error is reset); failed pool, volume and network lookups print
 * their line and then the library error.
 */
import { VirError } from '../error.js';
import type { Connect } from '../driver/connect.js';
import type { DomainObj } from '../driver/domain-obj.js';
import type { NetworkObj } from '../driver/networks.js';
import type { PoolObj } from '../driver/pools.js';
import type { VolObj } from '../driver/volumes.js';
import type { OptDef, ParsedCmd } from './command.js';
import type { Vsh } from './vsh.js';

export const optDomain = (help = 'domain name, id or uuid', completer: OptDef['completer'] = 'domain'): OptDef =>
  ({ name: 'domain', type: 'string', positional: true, required: true, help, completer });
export const optFile = (help: string): OptDef =>
  ({ name: 'file', type: 'string', positional: true, required: true, help, completer: 'file' });
export const optPool = (help = 'pool name or uuid'): OptDef =>
  ({ name: 'pool', type: 'string', positional: true, required: true, help, completer: 'pool' });
export const optPoolOptional: OptDef = { name: 'pool', type: 'string', help: 'pool name or uuid', completer: 'pool' };
export const optVol = (help = 'vol name, key or path'): OptDef =>
  ({ name: 'vol', type: 'string', positional: true, required: true, help, completer: 'volume' });
export const optNetwork = (help = 'network name or uuid'): OptDef =>
  ({ name: 'network', type: 'string', positional: true, required: true, help, completer: 'network' });
export const optConfig = (help: string): OptDef => ({ name: 'config', type: 'bool', help });
export const optLive = (help: string): OptDef => ({ name: 'live', type: 'bool', help });
export const optCurrent = (help: string): OptDef => ({ name: 'current', type: 'bool', help });
export const optBool = (name: string, help: string): OptDef => ({ name, type: 'bool', help });
export const optString = (name: string, help: string, extra: Partial<OptDef> = {}): OptDef =>
  ({ name, type: 'string', help, ...extra });

export async function lookupDomain(vsh: Vsh, cmd: ParsedCmd, opt = 'domain'): Promise<{ conn: Connect; dom: DomainObj; name: string } | undefined> {
  const conn = await vsh.conn();
  const name = cmd.req(opt);
  try {
    return { conn, dom: conn.lookupDomain(name), name };
  } catch {
    vsh.error(`failed to get domain '${name}'`);
    return undefined;
  }
}

function libError(vsh: Vsh, line: string, e: unknown): undefined {
  vsh.error(line);
  if (e instanceof VirError) vsh.error(e.message);
  else throw e;
  return undefined;
}

export async function lookupPool(vsh: Vsh, cmd: ParsedCmd, opt = 'pool'): Promise<{ conn: Connect; pool: PoolObj; name: string } | undefined> {
  const conn = await vsh.conn();
  const name = cmd.req(opt);
  try {
    const pool = name.length === 36 ? tryOr(() => conn.pools.lookupByUuid(name), () => conn.pools.lookupByName(name))
      : conn.pools.lookupByName(name);
    return { conn, pool, name };
  } catch (e) {
    return libError(vsh, `failed to get pool '${name}'`, e);
  }
}

export async function lookupNetwork(vsh: Vsh, cmd: ParsedCmd, opt = 'network'): Promise<{ conn: Connect; net: NetworkObj; name: string } | undefined> {
  const conn = await vsh.conn();
  const name = cmd.req(opt);
  try {
    const net = name.length === 36 ? tryOr(() => conn.networks.lookupByUuid(name), () => conn.networks.lookupByName(name))
      : conn.networks.lookupByName(name);
    return { conn, net, name };
  } catch (e) {
    return libError(vsh, `failed to get network '${name}'`, e);
  }
}

/** virshCommandOptVolBy: by name in --pool, else by key, else by path. */
export async function lookupVol(vsh: Vsh, cmd: ParsedCmd): Promise<{ conn: Connect; vol: VolObj; name: string } | undefined> {
  const conn = await vsh.conn();
  const name = cmd.req('vol');
  const poolName = cmd.def.opts.some((o) => o.name === 'pool') ? cmd.string('pool') : undefined;
  let pool: PoolObj | undefined;
  if (poolName !== undefined) {
    const p = await lookupPool(vsh, cmd, 'pool');
    if (!p) return undefined;
    pool = p.pool;
    if (!pool.active) {
      vsh.error(`pool '${poolName}' is not active`);
      return undefined;
    }
  }
  let vol: VolObj | undefined;
  let err: unknown;
  for (const find of [
    () => (pool ? conn.volumes.lookupByName(pool, name) : Promise.reject(new Error('no pool'))),
    () => conn.volumes.lookupByKey(name),
    () => conn.volumes.lookupByPath(name),
  ]) {
    try {
      vol = await find();
      break;
    } catch (e) {
      if (e instanceof VirError) err = e;
    }
  }
  if (!vol) {
    return libError(vsh, pool || poolName !== undefined ? `failed to get vol '${name}'`
      : `failed to get vol '${name}', specifying --pool might help`, err ?? new VirError('VIR_ERR_NO_STORAGE_VOL', `no storage vol with matching path '${name}'`));
  }
  if (pool && vol.pool !== pool) {
    vsh.error(`Requested volume '${name}' is not in pool '${pool.name}'`);
    return undefined;
  }
  return { conn, vol, name };
}

function tryOr<T>(a: () => T, b: () => T): T {
  try {
    return a();
  } catch {
    return b();
  }
}

/** --config / --live / --current as virsh turns them into VIR_DOMAIN_AFFECT_* for a domain. */
export function affect(cmd: ParsedCmd, active: boolean): { live: boolean; config: boolean } | string {
  const current = cmd.has('current');
  const live = cmd.has('live');
  const config = cmd.has('config');
  if (current && (live || config)) return `Options --current and --${live ? 'live' : 'config'} are mutually exclusive`;
  if (!live && !config) return { live: active, config: !active };
  return { live, config };
}
