/*
 * capabilities.ts — the capabilities document (virConnectGetCapabilities,
 * https://libvirt.org/formatcaps.html): the host CPU and memory, and the one
 * guest type this driver runs (hvm x86_64 on the "pc" machine, domain type kvm).
 */
import type { HostInfo } from '../hypervisor.js';

export function capabilitiesXML(host: HostInfo, emulator: string): string {
  const cpus = Array.from({ length: host.cpus }, (_, i) =>
    `            <cpu id='${i}' socket_id='0' die_id='0' cluster_id='0' core_id='${i}' siblings='${i}'/>`).join('\n');
  return `<capabilities>

  <host>
    <cpu>
      <arch>x86_64</arch>
      <model>${esc(host.model)}</model>
      <topology sockets='${host.sockets}' dies='1' clusters='1' cores='${host.cores}' threads='${host.threads}'/>
    </cpu>
    <power_management/>
    <topology>
      <cells num='1'>
        <cell id='0'>
          <memory unit='KiB'>${host.memoryKiB}</memory>
          <cpus num='${host.cpus}'>
${cpus}
          </cpus>
        </cell>
      </cells>
    </topology>
  </host>

  <guest>
    <os_type>hvm</os_type>
    <arch name='x86_64'>
      <wordsize>64</wordsize>
      <emulator>${esc(emulator)}</emulator>
      <machine maxCpus='${Math.max(1, host.cpus)}'>pc</machine>
      <domain type='kvm'/>
    </arch>
    <features>
      <acpi default='on' toggle='yes'/>
      <apic default='on' toggle='no'/>
      <pae/>
    </features>
  </guest>

</capabilities>
`;
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&apos;');
}
