// templates.ts — VM templates from the guest images that `npm run images` puts under /images/
// (each described by its manifest.json), and the domain XML of a VM made from one: its kernel and
// initramfs by URL, a qcow2 disk created in the default pool, a NIC on a network, the serial
// console, virtio-rng and the balloon. The New VM wizard and the first-visit default VM use it.
// With a NIC, the kernel command line carries initramfs-tools' ip=::::<hostname>:eth0:dhcp: the
// guest's /init takes a DHCP lease on eth0 and names itself after the VM (so the network's lease
// list and DNS show that name), unless the name is no hostname (then ip=dhcp).
import type { Connect } from '../../src/virt/driver/connect.js';

export const TEMPLATES = ['debian', 'tiny'];

/** The VM a fresh install defines (from the first template that is installed) and `npm start` opens. */
export const DEFAULT_VM = { name: 'debian', template: 'debian', memoryMiB: 256, vcpus: 1, diskBytes: 1 << 30, network: 'default' };

export interface Manifest {
  name: string;
  description: string;
  kernel: { file: string };
  initramfs: { file: string };
  cmdline: string;
}

export interface TemplateChoice { name: string; memoryMiB: number; vcpus: number; diskBytes: number; network: string }

/** The manifests of the installed images, in TEMPLATES order; missing ones are left out. */
export async function loadManifests(): Promise<Manifest[]> {
  const out: Manifest[] = [];
  for (const t of TEMPLATES) {
    const r = await fetch(`/images/${t}/manifest.json`).catch(() => undefined);
    if (r?.ok && r.headers.get('content-type')?.includes('json')) out.push(await r.json() as Manifest);
  }
  return out;
}

/** The domain XML of a VM from a template, creating its disk (qcow2) in the default pool. */
export async function templateXml(conn: Connect, m: Manifest, c: TemplateChoice): Promise<string> {
  if (c.diskBytes <= 0) return domainXml(m, c);
  const pool = conn.pools.lookupByName('default');
  const vol = await conn.volumes.createXML(pool,
    `<volume><name>${c.name}.qcow2</name><capacity unit='B'>${c.diskBytes}</capacity><target><format type='qcow2'/></target></volume>`);
  return domainXml(m, c, vol.path);
}

/** The domain XML of a VM from a template, with the qcow2 volume at `diskPath` as vda if given. */
export function domainXml(m: Manifest, c: TemplateChoice, diskPath?: string): string {
  const diskXml = diskPath === undefined ? '' : `    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='${diskPath}'/>
      <target dev='vda' bus='virtio'/>
    </disk>\n`;
  const nic = c.network ? `    <interface type='network'>\n      <source network='${c.network}'/>\n      <model type='virtio'/>\n    </interface>\n` : '';
  return `<domain type='kvm'>
  <name>${c.name}</name>
  <memory unit='MiB'>${c.memoryMiB}</memory>
  <vcpu>${c.vcpus}</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>/images/${m.name}/${m.kernel.file}</kernel>
    <initrd>/images/${m.name}/${m.initramfs.file}</initrd>
    <cmdline>${c.network ? `${m.cmdline} ${ipConfig(c.name)}` : m.cmdline}</cmdline>
  </os>
  <features><acpi/><apic/></features>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <devices>
${diskXml}${nic}    <serial type='pty'/>
    <console type='pty'><target type='serial'/></console>
    <rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>
    <memballoon model='virtio'><stats period='5'/></memballoon>
  </devices>
</domain>`;
}

/** The kernel command line's ip= for DHCP on eth0, naming the guest `name` if it is a hostname (RFC 1123 label). */
export function ipConfig(name: string): string {
  return /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i.test(name) ? `ip=::::${name}:eth0:dhcp` : 'ip=dhcp';
}

/**
 * Defines the default VM, named after its template (debian; else the first installed template);
 * nothing when no image is installed.
 */
export async function defineDefaultVm(conn: Connect): Promise<void> {
  const manifests = await loadManifests();
  const m = manifests.find((x) => x.name === DEFAULT_VM.template) ?? manifests[0];
  if (!m || conn.domains.list().some((d) => d.name === m.name)) return;
  const hasNet = conn.networks.list().some((n) => n.def.name === DEFAULT_VM.network);
  await conn.domains.defineXML(await templateXml(conn, m, { ...DEFAULT_VM, name: m.name, network: hasNet ? DEFAULT_VM.network : '' }));
}
