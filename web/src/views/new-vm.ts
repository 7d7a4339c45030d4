// new-vm.ts — the New VM wizard: from a template (the guest images `npm run images` put under
// /images/, each described by its manifest.json) with memory, vCPUs, a disk of a chosen size in the
// default pool and a network; or from pasted domain XML, whose errors show at their line.
import { h, action } from '../dom.js';
import { navigate } from '../router.js';
import type { Session } from '../session.js';
import { xmlEditor } from './xml-editor.js';
import { parseSize } from './storage.js';

export const TEMPLATES = ['debian', 'tiny'];

interface Manifest {
  name: string;
  description: string;
  kernel: { file: string };
  initramfs: { file: string };
  cmdline: string;
}

export function newVmView(el: HTMLElement, session: Session): () => void {
  const pasted = xmlEditor(EXAMPLE_XML, async (xml) => {
    const dom = await session.conn.domains.defineXML(xml);
    navigate({ page: 'vm', name: dom.name, tab: 'overview' });
    return `Domain ${dom.name} defined.`;
  }, 'Define');
  const form = h('div', { class: 'wizard', 'data-testid': 'template-form' });
  el.append(h('h1', {}, 'New virtual machine'), h('h2', {}, 'From a template'), form,
    h('h2', {}, 'From domain XML'), pasted.element);
  void templateForm(form, session);
  return () => {};
}

async function templateForm(form: HTMLElement, session: Session): Promise<void> {
  const manifests: Manifest[] = [];
  for (const t of TEMPLATES) {
    const r = await fetch(`/images/${t}/manifest.json`).catch(() => undefined);
    if (r?.ok) manifests.push(await r.json());
  }
  if (manifests.length === 0) {
    form.append(h('p', { class: 'muted' }, 'No guest images are installed: run `npm run images` and reload.'));
    return;
  }
  const template = h('select', { 'data-testid': 'template' }, ...manifests.map((m) => h('option', { value: m.name }, `${m.name} — ${m.description}`)));
  const name = h('input', { value: uniqueName(session, manifests[0]!.name), 'data-testid': 'vm-name' });
  const memory = h('input', { value: '256', size: 6, 'data-testid': 'vm-memory' });
  const vcpus = h('input', { value: '1', size: 3, 'data-testid': 'vm-vcpus' });
  const disk = h('input', { value: '1G', size: 6, 'data-testid': 'vm-disk' });
  const network = h('select', { 'data-testid': 'vm-network' }, h('option', { value: '' }, 'no network'),
    ...session.conn.networks.list().map((n) => h('option', { value: n.def.name, selected: n.def.name === 'default' }, n.def.name)));
  const create = action(async () => {
    const m = manifests.find((x) => x.name === (template as HTMLSelectElement).value)!;
    const xml = await templateXml(session, m, { name: name.value, memoryMiB: Number(memory.value), vcpus: Number(vcpus.value),
      diskBytes: disk.value.trim() ? parseSize(disk.value) : 0, network: (network as HTMLSelectElement).value });
    const dom = await session.conn.domains.defineXML(xml);
    navigate({ page: 'vm', name: dom.name, tab: 'overview' });
  });
  form.append(
    h('label', {}, 'Template ', template), h('label', {}, 'Name ', name), h('label', {}, 'Memory (MiB) ', memory),
    h('label', {}, 'vCPUs ', vcpus), h('label', {}, 'Disk ', disk), h('label', {}, 'Network ', network),
    h('button', { class: 'primary', onclick: create, 'data-testid': 'create-vm' }, 'Create'));
}

function uniqueName(session: Session, base: string): string {
  const taken = new Set(session.conn.domains.list().map((d) => d.name));
  for (let i = 1; ; i++) if (!taken.has(`${base}${i}`)) return `${base}${i}`;
}

interface TemplateChoice { name: string; memoryMiB: number; vcpus: number; diskBytes: number; network: string }

/** The domain XML of a VM from a template, creating its disk (qcow2) in the default pool. */
export async function templateXml(session: Session, m: Manifest, c: TemplateChoice): Promise<string> {
  let diskXml = '';
  if (c.diskBytes > 0) {
    const pool = session.conn.pools.lookupByName('default');
    const vol = await session.conn.volumes.createXML(pool,
      `<volume><name>${c.name}.qcow2</name><capacity unit='B'>${c.diskBytes}</capacity><target><format type='qcow2'/></target></volume>`);
    diskXml = `    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='${vol.path}'/>
      <target dev='vda' bus='virtio'/>
    </disk>\n`;
  }
  const nic = c.network ? `    <interface type='network'>\n      <source network='${c.network}'/>\n      <model type='virtio'/>\n    </interface>\n` : '';
  return `<domain type='kvm'>
  <name>${c.name}</name>
  <memory unit='MiB'>${c.memoryMiB}</memory>
  <vcpu>${c.vcpus}</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>/images/${m.name}/${m.kernel.file}</kernel>
    <initrd>/images/${m.name}/${m.initramfs.file}</initrd>
    <cmdline>${m.cmdline}</cmdline>
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

const EXAMPLE_XML = `<domain type='kvm'>
  <name>example</name>
  <memory unit='MiB'>128</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>/images/tiny/vmlinuz</kernel>
    <initrd>/images/tiny/initramfs.cpio.gz</initrd>
    <cmdline>console=ttyS0</cmdline>
  </os>
  <devices>
    <serial type='pty'/>
  </devices>
</domain>`;
