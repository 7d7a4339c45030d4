/*
 * os.ts — <os>, <features>, <clock> (formatdomain.html "Operating system
 * booting", "Hypervisor features", "Time keeping").
 *
 * Defaults as libvirt + the QEMU driver fill them: os type hvm, arch x86_64,
 * machine 'pc'; a domain with no <boot dev> and no per-device <boot order> gets
 * <boot dev='hd'/>; clock offset utc. Only the x86_64 'pc' machine family
 * (pc, pc-i440fx-*) exists here; another arch or machine is refused because it
 * would change the guest's hardware. <boot dev> and per-device <boot order> are
 * exclusive: "per-device boot elements cannot be used together with os/boot
 * elements" (VIR_ERR_CONFIG_UNSUPPORTED).
 */
import { VirError } from '../../error.js';
import { cloneElement, el, textEl, type XmlElement } from '../../xml/node.js';
import { childText, propEnum, propInt, propString, propUInt, YES_NO } from '../props.js';
import type { BootDev, ClockDef, FeaturesDef, OsDef, TimerDef } from './types.js';

const OS_TYPES = ['hvm', 'linux', 'exe', 'xen', 'xenpvh'] as const;
const BOOT_DEVS: readonly BootDev[] = ['fd', 'hd', 'cdrom', 'network'];
const OS_KNOWN = new Set(['type', 'loader', 'nvram', 'kernel', 'initrd', 'cmdline', 'dtb', 'boot', 'bootmenu', 'smbios', 'bios']);

export function parseOs(root: XmlElement, deviceBoot: boolean): OsDef {
  const os = root.child('os');
  const typeEl = os?.child('type');
  const typeText = typeEl ? typeEl.textContent.trim() : 'hvm';
  if (!(OS_TYPES as readonly string[]).includes(typeText)) {
    throw new VirError('VIR_ERR_CONFIG_UNSUPPORTED', `unknown OS type '${typeText}'`, 'VIR_FROM_DOMAIN');
  }
  if (typeText !== 'hvm') {
    throw new VirError('VIR_ERR_CONFIG_UNSUPPORTED', `os type '${typeText}' is not supported by the wasmvirt driver`, 'VIR_FROM_DOMAIN');
  }
  const arch = typeEl?.attr('arch') ?? 'x86_64';
  if (arch !== 'x86_64') {
    throw new VirError('VIR_ERR_CONFIG_UNSUPPORTED', `No guest options available for arch '${arch}'`, 'VIR_FROM_DOMAIN');
  }
  const machine = typeEl?.attr('machine') ?? 'pc';
  if (machine !== 'pc' && !machine.startsWith('pc-i440fx-')) {
    throw new VirError('VIR_ERR_CONFIG_UNSUPPORTED',
      `machine type '${machine}' is not supported by the wasmvirt driver (only 'pc' and 'pc-i440fx-*')`, 'VIR_FROM_DOMAIN');
  }
  const def: OsDef = { type: 'hvm', arch, machine, boot: [], extra: [] };
  if (!os) {
    if (!deviceBoot) def.boot.push('hd');
    return def;
  }
  def.firmware = propEnum(os, 'firmware', ['bios', 'efi'] as const);
  const loader = os.child('loader');
  if (loader) {
    def.loader = {
      path: loader.textContent.trim() || undefined,
      readonly: propEnum(loader, 'readonly', YES_NO),
      secure: propEnum(loader, 'secure', YES_NO),
      type: propEnum(loader, 'type', ['rom', 'pflash'] as const),
    };
    if (def.loader.path && !def.loader.type) def.loader.type = 'rom';
  }
  const nvram = os.child('nvram');
  if (nvram) def.nvram = cloneElement(nvram);
  def.kernel = childText(os, 'kernel');
  def.initrd = childText(os, 'initrd');
  def.cmdline = childText(os, 'cmdline');
  def.dtb = childText(os, 'dtb');
  const boots = os.elements('boot');
  if (boots.length > 0 && deviceBoot) {
    throw new VirError('VIR_ERR_CONFIG_UNSUPPORTED',
      'per-device boot elements cannot be used together with os/boot elements', 'VIR_FROM_DOMAIN');
  }
  for (const b of boots) {
    const dev = b.attr('dev');
    if (dev === undefined) throw new VirError('VIR_ERR_INTERNAL_ERROR', 'missing boot device', 'VIR_FROM_DOMAIN');
    if (!(BOOT_DEVS as readonly string[]).includes(dev)) {
      throw new VirError('VIR_ERR_INTERNAL_ERROR', `unknown boot device '${dev}'`, 'VIR_FROM_DOMAIN');
    }
    if (def.boot.length < 4) def.boot.push(dev as BootDev);
  }
  if (def.boot.length === 0 && !deviceBoot) def.boot.push('hd');
  const menu = os.child('bootmenu');
  if (menu) {
    const timeout = propUInt(menu, 'timeout');
    if (timeout !== undefined && timeout > 65535) {
      throw new VirError('VIR_ERR_CONFIG_UNSUPPORTED',
        'invalid value for boot menu timeout, must be in range [0,65535]', 'VIR_FROM_DOMAIN');
    }
    def.bootmenu = { enable: propEnum(menu, 'enable', YES_NO, { required: true })!, timeout };
  }
  const smbios = os.child('smbios');
  if (smbios) def.smbios = { mode: propEnum(smbios, 'mode', ['emulate', 'host', 'sysinfo'] as const, { required: true })! };
  const bios = os.child('bios');
  if (bios) {
    const rt = propInt(bios, 'rebootTimeout');
    if (rt !== undefined && (rt < -1 || rt > 65535)) {
      throw new VirError('VIR_ERR_CONFIG_UNSUPPORTED', 'invalid value for rebootTimeout, must be in range [-1,65535]', 'VIR_FROM_DOMAIN');
    }
    def.bios = { useserial: propEnum(bios, 'useserial', YES_NO), rebootTimeout: rt };
  }
  for (const c of os.elements()) if (!OS_KNOWN.has(c.name)) def.extra.push(cloneElement(c));
  return def;
}

export function formatOs(os: OsDef): XmlElement {
  const kids: Array<XmlElement | undefined> = [el('type', { arch: os.arch, machine: os.machine }, [os.type])];
  if (os.loader) {
    const l = os.loader;
    kids.push(el('loader', { readonly: l.readonly, secure: l.secure, type: l.type }, l.path ? [l.path] : []));
  }
  if (os.nvram) kids.push(cloneElement(os.nvram));
  kids.push(textEl('kernel', os.kernel), textEl('initrd', os.initrd), textEl('cmdline', os.cmdline), textEl('dtb', os.dtb));
  for (const b of os.boot) kids.push(el('boot', { dev: b }));
  if (os.bootmenu) kids.push(el('bootmenu', { enable: os.bootmenu.enable, timeout: os.bootmenu.timeout }));
  if (os.smbios) kids.push(el('smbios', { mode: os.smbios.mode }));
  if (os.bios) kids.push(el('bios', { useserial: os.bios.useserial, rebootTimeout: os.bios.rebootTimeout }));
  for (const x of os.extra) kids.push(cloneElement(x));
  return el('os', { firmware: os.firmware }, kids);
}

export function parseFeatures(root: XmlElement): FeaturesDef | undefined {
  const f = root.child('features');
  if (!f) return undefined;
  return {
    list: f.elements().map((c) =>
      c.attrs.length === 0 && c.elements().length === 0 ? { name: c.name } : { name: c.name, element: cloneElement(c) }),
  };
}

export function formatFeatures(f: FeaturesDef): XmlElement {
  return el('features', {}, f.list.map((x) => (x.element ? cloneElement(x.element) : el(x.name))));
}

const TIMER_NAMES = ['platform', 'pit', 'rtc', 'hpet', 'tsc', 'kvmclock', 'hypervclock', 'armvtimer'] as const;

function parseTimer(t: XmlElement): TimerDef {
  const name = propEnum(t, 'name', TIMER_NAMES, { required: true })!;
  const timer: TimerDef = {
    name,
    present: propEnum(t, 'present', YES_NO),
    tickpolicy: propEnum(t, 'tickpolicy', ['delay', 'catchup', 'merge', 'discard'] as const),
    track: propEnum(t, 'track', ['boot', 'guest', 'wall', 'realtime'] as const),
    mode: propEnum(t, 'mode', ['auto', 'native', 'emulate', 'paravirt', 'smpsafe'] as const),
    frequency: propUInt(t, 'frequency'),
  };
  const catchup = t.child('catchup');
  if (catchup) timer.catchup = cloneElement(catchup);
  if ((name === 'kvmclock' || name === 'hypervclock') && timer.tickpolicy) {
    throw new VirError('VIR_ERR_CONFIG_UNSUPPORTED', `timer ${name} doesn't support setting of timer tickpolicy`, 'VIR_FROM_DOMAIN');
  }
  if (name !== 'tsc' && timer.frequency !== undefined) {
    throw new VirError('VIR_ERR_CONFIG_UNSUPPORTED', `timer ${name} doesn't support setting of timer frequency`, 'VIR_FROM_DOMAIN');
  }
  if (name !== 'tsc' && timer.mode) {
    throw new VirError('VIR_ERR_CONFIG_UNSUPPORTED', `timer ${name} doesn't support setting of timer mode`, 'VIR_FROM_DOMAIN');
  }
  if (name !== 'platform' && name !== 'rtc' && timer.track) {
    throw new VirError('VIR_ERR_CONFIG_UNSUPPORTED', `timer ${name} doesn't support setting of timer track`, 'VIR_FROM_DOMAIN');
  }
  if (timer.catchup && timer.tickpolicy !== 'catchup') {
    throw new VirError('VIR_ERR_XML_ERROR',
      "setting of timer catchup policies is only supported with tickpolicy='catchup'", 'VIR_FROM_DOMAIN');
  }
  return timer;
}

export function parseClock(root: XmlElement): ClockDef {
  const c = root.child('clock');
  if (!c) return { offset: 'utc', timers: [] };
  const offset = propEnum(c, 'offset', ['utc', 'localtime', 'timezone', 'variable', 'absolute'] as const) ?? 'utc';
  const clock: ClockDef = { offset, timers: c.elements('timer').map(parseTimer) };
  if (offset === 'timezone') clock.timezone = propString(c, 'timezone', { required: true });
  if (offset === 'utc' || offset === 'localtime') {
    const adj = propString(c, 'adjustment');
    if (adj !== undefined && adj !== 'reset') {
      // A numeric adjustment turns the clock into offset='variable' with that basis, as libvirt does.
      if (!/^[-+]?\d+$/.test(adj)) throw new VirError('VIR_ERR_XML_ERROR', `unknown clock adjustment '${adj}'`, 'VIR_FROM_DOMAIN');
      return { offset: 'variable', adjustment: String(Number(adj)), basis: offset, timers: clock.timers };
    }
    clock.adjustment = adj;
  }
  if (offset === 'variable') {
    clock.adjustment = propString(c, 'adjustment') ?? '0';
    clock.basis = propEnum(c, 'basis', ['utc', 'localtime'] as const) ?? 'utc';
  }
  if (offset === 'absolute') clock.start = propUInt(c, 'start', { required: true });
  return clock;
}

export function formatClock(c: ClockDef): XmlElement {
  const timers = c.timers.map((t) =>
    el('timer', {
      name: t.name, present: t.present, tickpolicy: t.tickpolicy, track: t.track, frequency: t.frequency, mode: t.mode,
    }, t.catchup ? [cloneElement(t.catchup)] : []));
  return el('clock', {
    offset: c.offset, timezone: c.timezone, adjustment: c.adjustment, basis: c.basis, start: c.start,
  }, timers);
}
