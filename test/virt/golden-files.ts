// golden-files.ts — the "files" the golden virsh transcripts read (define,
// create, pool-define, net-define, vol-upload …). UUIDs and MACs are fixed so
// the transcripts are deterministic.
import { domainXml } from './harness.js';

const disk = (file: string, dev: string, type = 'qcow2') => `    <disk type='file' device='disk'>
      <driver name='qemu' type='${type}'/>
      <source file='${file}'/>
      <target dev='${dev}' bus='virtio'/>
    </disk>
`;

const volDisk = (pool: string, vol: string, dev: string) => `    <disk type='volume' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source pool='${pool}' volume='${vol}'/>
      <target dev='${dev}' bus='virtio'/>
    </disk>
`;

const nic = (net: string, mac: string) => `    <interface type='network'>
      <mac address='${mac}'/>
      <source network='${net}'/>
      <model type='virtio'/>
    </interface>
`;

export const FILES: Record<string, string> = {
  'vm1.xml': domainXml('vm1', { uuid: '4dea22b3-1d52-d8f3-2516-782e98ab3fa0', vcpus: 2, title: 'first test VM' }),
  'web.xml': domainXml('web-server', { uuid: 'a6c3a5b6-96cf-4c5a-b8f1-3c1a0d5e6f70', memory: 524288, current: 262144, vcpus: 4, vcpuCurrent: 2 }),
  'web-renamed.xml': domainXml('web-other', { uuid: 'a6c3a5b6-96cf-4c5a-b8f1-3c1a0d5e6f70' }),
  'vm1-dup.xml': domainXml('vm1', { uuid: '00000000-1111-2222-3333-444444444444' }),
  'transient.xml': domainXml('scratch', { uuid: 'b0b0b0b0-0000-4000-8000-000000000001' }),
  'bad.xml': '<pool type="dir"><name>oops</name></pool>',
  'restart.xml': domainXml('phoenix', { uuid: 'c0c0c0c0-0000-4000-8000-000000000002', onPoweroff: 'restart', onCrash: 'preserve' }),
  'noreboot.xml': domainXml('oneshot', { uuid: 'd0d0d0d0-0000-4000-8000-000000000003', onReboot: 'destroy', onCrash: 'restart' }),
  'disks.xml': domainXml('stor', {
    uuid: 'e0e0e0e0-0000-4000-8000-000000000004',
    disks: volDisk('default', 'base.qcow2', 'vda') + disk('/var/lib/libvirt/images/data.raw', 'vdb', 'raw'),
    interfaces: nic('default', '52:54:00:12:34:56'),
  }),
  'pool.xml': `<pool type='dir'>
  <name>default</name>
  <uuid>f0f0f0f0-0000-4000-8000-000000000005</uuid>
  <target>
    <path>/var/lib/libvirt/images</path>
  </target>
</pool>
`,
  'pool2.xml': `<pool type='dir'>
  <name>scratch</name>
  <uuid>f1f1f1f1-0000-4000-8000-000000000006</uuid>
  <target>
    <path>/srv/scratch</path>
  </target>
</pool>
`,
  'vol.xml': `<volume>
  <name>fromxml.qcow2</name>
  <capacity unit='M'>64</capacity>
  <target>
    <format type='qcow2'/>
  </target>
</volume>
`,
  'net.xml': `<network>
  <name>default</name>
  <uuid>9a05da11-e96b-47f3-8253-a3a482e445f5</uuid>
  <forward mode='nat'/>
  <bridge name='virbr0' stp='on' delay='0'/>
  <mac address='52:54:00:0a:cd:21'/>
  <ip address='192.168.122.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='192.168.122.2' end='192.168.122.254'/>
      <host mac='52:54:00:aa:bb:cc' name='fixed' ip='192.168.122.50'/>
    </dhcp>
  </ip>
</network>
`,
  'isolated.xml': `<network>
  <name>isolated</name>
  <uuid>0b0b0b0b-0000-4000-8000-000000000007</uuid>
  <mac address='52:54:00:0a:cd:22'/>
  <ip address='10.0.0.1' prefix='24'/>
</network>
`,
  'image.bin': 'hello, volume\n'.repeat(100),
  '$EDITOR': JSON.stringify([["<memory unit='KiB'>262144</memory>", "<memory unit='KiB'>524288</memory>"]]),
};
