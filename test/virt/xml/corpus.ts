/*
 * corpus.ts — how each corpus document is normalised: the file-name prefix picks
 * the XML kind (domain-, pool-, vol-, net-), the document is parsed (defaults,
 * validation) and formatted back. `<name>.out.xml` holds the expected result,
 * reviewed against libvirt's output conventions. Regenerate the expected files
 * with `npx tsx test/virt/xml/corpus.ts --write` only after reviewing the diff.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  formatDomainXML, formatNetworkXML, formatStoragePoolXML, formatStorageVolXML,
  parseDomainXML, parseNetworkXML, parseStoragePoolXML, parseStorageVolXML,
} from '../../../src/virt/conf/index.js';

export const CORPUS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'corpus');

export function corpusInputs(): string[] {
  return readdirSync(CORPUS_DIR).filter((f) => f.endsWith('.xml') && !f.endsWith('.out.xml')).sort();
}

export function normalise(file: string, text: string): string {
  if (file.startsWith('domain-')) return formatDomainXML(parseDomainXML(text), { inactive: true });
  if (file.startsWith('pool-')) return formatStoragePoolXML(parseStoragePoolXML(text));
  if (file.startsWith('vol-')) return formatStorageVolXML(parseStorageVolXML(text));
  if (file.startsWith('net-')) return formatNetworkXML(parseNetworkXML(text));
  throw new Error(`corpus file ${file}: unknown kind (expected domain-, pool-, vol- or net- prefix)`);
}

export function expectedPath(file: string): string {
  return join(CORPUS_DIR, file.replace(/\.xml$/, '.out.xml'));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const write = process.argv.includes('--write');
  for (const f of corpusInputs()) {
    const out = normalise(f, readFileSync(join(CORPUS_DIR, f), 'utf8'));
    if (write) writeFileSync(expectedPath(f), out);
    else process.stdout.write(`==== ${f}\n${out}`);
  }
}
