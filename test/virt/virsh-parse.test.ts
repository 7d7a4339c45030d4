// virsh-parse.test.ts — the command-line parser against virsh's rules
// (tools/vsh.c vshCommandStringGetArg / vshCommandParse), the table printer
// against libvirt's own expected output (tests/virshtestdata), scaled sizes,
// and tab completion.
import { describe, it, expect } from 'vitest';
import { tokenize, parseCommand, ParseError } from '../../src/virt/virsh/parse.js';
import { scaleInteger, type CmdDef } from '../../src/virt/virsh/command.js';
import { VshTable, capacityText } from '../../src/virt/virsh/format.js';
import { complete } from '../../src/virt/virsh/complete.js';
import { makeEnv, session, domainXml } from './harness.js';

describe('tokenize', () => {
  it('splits words, commands and comments as virsh does', () => {
    expect(tokenize('list --all')).toEqual([['list', '--all']]);
    expect(tokenize('a b; c\nd # comment here\n e')).toEqual([['a', 'b'], ['c'], ['d'], ['e']]);
    expect(tokenize(`echo "a b" 'c d' e\\ f "x\\"y" 'it''s'`)).toEqual([['echo', 'a b', 'c d', 'e f', 'x"y', 'its']]);
    expect(tokenize('echo a\\\nb')).toEqual([['echo', 'ab']]);
    expect(tokenize("echo 'a;b' \"#c\"")).toEqual([['echo', 'a;b', '#c']]);
    expect(tokenize('   ')).toEqual([]);
  });

  it('reports a dangling backslash and a missing double quote', () => {
    expect(() => tokenize('echo a\\')).toThrow('dangling \\');
    expect(() => tokenize('echo "abc')).toThrow('missing "');
    expect(tokenize('echo "abc', true)).toEqual([['echo', 'abc']]);
  });
});

const def: CmdDef = {
  name: 'demo', help: '', desc: '',
  opts: [
    { name: 'domain', type: 'string', positional: true, required: true, help: '' },
    { name: 'count', type: 'int', positional: true, help: '' },
    { name: 'flag', type: 'bool', help: '' },
    { name: 'mode', type: 'string', help: '' },
    { name: 'rest', type: 'argv', positional: true, help: '' },
  ],
  run: async () => true,
};
const help: CmdDef = { name: 'help', help: '', desc: '', opts: [{ name: 'command', type: 'string', positional: true, help: '' }], run: async () => true };
const lookup = (n: string) => (n === 'demo' ? def : n === 'help' ? help : undefined);

describe('parseCommand', () => {
  it('fills positional options in order, takes --opt value and --opt=value', () => {
    const c = parseCommand(['demo', 'vm1', '3', '--mode=fast', '--flag', 'x', 'y'], lookup);
    expect(c.req('domain')).toBe('vm1');
    expect(c.int('count')).toBe(3);
    expect(c.string('mode')).toBe('fast');
    expect(c.bool('flag')).toBe(true);
    expect(c.argv('rest')).toEqual(['x', 'y']);
    const d = parseCommand(['demo', '--count', '7', '--domain', 'vm2', '--', '--flag'], lookup);
    expect(d.req('domain')).toBe('vm2');
    expect(d.int('count')).toBe(7);
    expect(d.bool('flag')).toBe(false);
    expect(d.argv('rest')).toEqual(['--flag']);
  });

  it('words errors as virsh', () => {
    const err = (w: string[]) => {
      try {
        parseCommand(w, lookup);
      } catch (e) {
        expect(e).toBeInstanceOf(ParseError);
        return (e as Error).message;
      }
      return 'no error';
    };
    expect(err(['nope'])).toBe("unknown command: 'nope'");
    expect(err(['demo'])).toBe("command 'demo' requires <domain> option");
    expect(err(['demo', 'a', '--bogus'])).toBe("command 'demo' doesn't support option --bogus");
    expect(err(['demo', 'a', '--mode'])).toBe('expected syntax: --mode <string>');
    expect(err(['demo', 'a', '--flag=1'])).toBe("invalid '=' after option --flag");
    expect(err(['demo', 'a', '--mode', 'x', '--mode', 'y'])).toBe('option --mode already seen');
    const c = parseCommand(['demo', 'a', 'notanumber'], lookup);
    expect(() => c.int('count')).toThrow("Numeric value 'notanumber' for <count> option is malformed or out of range");
    const e = parseCommand(['demo', 'a', '--mode='], lookup);
    expect(() => e.string('mode')).toThrow("Failed to get option 'mode': Option argument is empty");
  });

  it('turns --help into help <command>', () => {
    const c = parseCommand(['demo', '--help'], lookup);
    expect(c.def.name).toBe('help');
    expect(c.req('command')).toBe('demo');
  });
});

describe('scaled integers (virScaleInteger)', () => {
  it('reads units as libvirt does', () => {
    expect(scaleInteger('1024', 1)).toBe(1024);
    expect(scaleInteger('1024', 1024)).toBe(1048576);
    expect(scaleInteger('1k', 1)).toBe(1024);
    expect(scaleInteger('1KiB', 1)).toBe(1024);
    expect(scaleInteger('1KB', 1)).toBe(1000);
    expect(scaleInteger('2G', 1)).toBe(2 * 1024 ** 3);
    expect(scaleInteger('+3M', 1)).toBe(3 * 1024 ** 2);
    expect(scaleInteger('12Q', 1)).toBeUndefined();
    expect(scaleInteger('-1', 1)).toBeUndefined();
  });
});

describe('VshTable', () => {
  it('prints exactly what libvirt\'s virshtest expects for list', () => {
    // tests/virshtestdata/lifecycle.out of libvirt
    const t = new VshTable('Id', 'Name', 'State').add('1', 'fv0', 'running').add('2', 'fc4', 'running').add('3', 'fc5', 'running');
    expect(t.render()).toBe(' Id   Name   State\n----------------------\n 1    fv0    running\n 2    fc4    running\n 3    fc5    running\n');
    // virsh -q: no header, and the widths come from the rows alone (vshTableGetColumnsWidths).
    expect(t.render(false)).toBe(' 1   fv0   running\n 2   fc4   running\n 3   fc5   running\n');
  });

  it('escapes control characters so columns stay aligned', () => {
    expect(new VshTable('A', 'B').add('x\ty', 'z').render()).toBe(' A        B\n-------------\n x\\x09y   z\n');
  });

  it('pretty capacities as vshPrettyCapacity', () => {
    expect(capacityText(0)).toBe('0.00 bytes');
    expect(capacityText(1023)).toBe('1023.00 bytes');
    expect(capacityText(1536)).toBe('1.50 KiB');
    expect(capacityText(10 * 1024 ** 3)).toBe('10.00 GiB');
  });
});

describe('tab completion', () => {
  it('completes commands, options and domain names', async () => {
    const env = makeEnv();
    env.files.set('a.xml', domainXml('alpha'));
    env.files.set('b.xml', domainXml('alpine'));
    const s = session(env);
    expect(complete(s.vsh, 'dom')[0]).toEqual(['domblklist', 'domblkstat', 'domid', 'domifaddr', 'domiflist', 'domifstat', 'dominfo',
      'dommemstat', 'domname', 'domstate', 'domstats', 'domuuid']);
    expect(complete(s.vsh, 'list --in')).toEqual([['--inactive'], '--in']);
    expect(complete(s.vsh, 'start al')).toEqual([[], 'al']);
    await s.run('define a.xml', 'define b.xml', 'start alpha');
    expect(complete(s.vsh, 'start al')).toEqual([['alpine'], 'al']);
    expect(complete(s.vsh, 'dominfo al')).toEqual([['alpha', 'alpine'], 'al']);
    expect(complete(s.vsh, 'list; destroy ')).toEqual([['alpha'], '']);
    expect(complete(s.vsh, 'dominfo --domain a')).toEqual([['alpha', 'alpine'], 'a']);
  });
});
