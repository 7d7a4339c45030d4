/*
 * groups.ts — virsh's command table, grouped and ordered as `virsh help`
 * prints it (tools/virsh.c cmdGroups), each group sorted by command name.
 */
import type { CmdDef, CmdGroup } from './command.js';
import { domainLifecycleCmds } from './cmds-domain.js';
import { domainConfigCmds } from './cmds-domain-config.js';
import { domainMonitorCmds } from './cmds-monitor.js';
import { hostCmds } from './cmds-host.js';
import { networkCmds } from './cmds-network.js';
import { poolCmds } from './cmds-pool.js';
import { volumeCmds } from './cmds-volume.js';
import { virshCmds } from './cmds-virsh.js';

const byName = (a: CmdDef, b: CmdDef) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

export const VIRSH_GROUPS: CmdGroup[] = [
  { name: 'Domain Management', keyword: 'domain', cmds: [...domainLifecycleCmds, ...domainConfigCmds].sort(byName) },
  { name: 'Domain Monitoring', keyword: 'monitor', cmds: [...domainMonitorCmds].sort(byName) },
  { name: 'Host and Hypervisor', keyword: 'host', cmds: [...hostCmds].sort(byName) },
  { name: 'Networking', keyword: 'network', cmds: [...networkCmds].sort(byName) },
  { name: 'Storage Pool', keyword: 'pool', cmds: [...poolCmds].sort(byName) },
  { name: 'Storage Volume', keyword: 'volume', cmds: [...volumeCmds].sort(byName) },
  { name: 'Virsh itself', keyword: 'virsh', cmds: virshCmds },
];
