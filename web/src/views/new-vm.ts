// new-vm.ts — the New VM wizard: from a template (the guest images `npm run images` put under
// /images/, see templates.ts) with memory, vCPUs, a disk of a chosen size in the
// default pool and a network; or from pasted domain XML, whose errors show at their line.
import { h, action } from '../dom.js';
import { navigate } from '../router.js';
import type { Session } from '../session.js';
import { xmlEditor } from './xml-editor.js';
import { parseSize } from './storage.js';
import { loadManifests, templateXml } from '../templates.js';

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
  const manifests = await loadManifests();
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
    const xml = await templateXml(session.conn, m, { name: name.value, memoryMiB: Number(memory.value), vcpus: Number(vcpus.value),
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
