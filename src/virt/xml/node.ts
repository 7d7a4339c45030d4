/*
 * node.ts — the generic XML document model used by every libvirt XML format.
 *
 * An XmlElement keeps its qualified name exactly as written (prefix included),
 * its attributes in document order, its children (elements, text, comments,
 * CDATA), and the 1-based line and column of its '<' in the source, so errors
 * can name where a thing was written. Namespaces are not resolved at parse time:
 * `xmlns` / `xmlns:p` declarations stay ordinary attributes, and namespaceOf()
 * resolves a prefix by walking the ancestors, as libxml2 would.
 *
 * Invariants: attribute names are unique within an element; `parent` links are
 * set by the parser and by appendChild(); elements built in code have line 0.
 */

export interface XmlAttr {
  name: string;
  value: string;
}

export interface XmlText {
  kind: 'text';
  text: string;
  /** true when it came from a CDATA section (re-emitted as CDATA). */
  cdata?: boolean;
}

export interface XmlComment {
  kind: 'comment';
  text: string;
}

export type XmlNode = XmlElement | XmlText | XmlComment;

export class XmlElement {
  readonly kind = 'element' as const;
  name: string;
  attrs: XmlAttr[];
  children: XmlNode[];
  parent: XmlElement | null = null;
  /**
   * Format this subtree as libxml2's xmlNodeDump does (attributes in double
   * quotes): libvirt copies foreign XML such as <metadata> children that way.
   */
  libxml2Dump?: boolean;
  /** 1-based source position of the element's '<' (0 when built in code). */
  line: number;
  column: number;

  constructor(name: string, attrs: XmlAttr[] = [], children: XmlNode[] = [], line = 0, column = 0) {
    this.name = name;
    this.attrs = attrs;
    this.children = [];
    this.line = line;
    this.column = column;
    for (const c of children) this.appendChild(c);
  }

  /** Local part of the name (after any prefix). */
  get localName(): string {
    const i = this.name.indexOf(':');
    return i < 0 ? this.name : this.name.slice(i + 1);
  }

  get prefix(): string | null {
    const i = this.name.indexOf(':');
    return i < 0 ? null : this.name.slice(0, i);
  }

  attr(name: string): string | undefined {
    for (const a of this.attrs) if (a.name === name) return a.value;
    return undefined;
  }

  hasAttr(name: string): boolean {
    return this.attr(name) !== undefined;
  }

  setAttr(name: string, value: string): void {
    for (const a of this.attrs) {
      if (a.name === name) { a.value = value; return; }
    }
    this.attrs.push({ name, value });
  }

  appendChild(node: XmlNode): void {
    if (node.kind === 'element') node.parent = this;
    this.children.push(node);
  }

  /** Child elements, optionally only those with a given (qualified) name. */
  elements(name?: string): XmlElement[] {
    const out: XmlElement[] = [];
    for (const c of this.children) {
      if (c.kind === 'element' && (name === undefined || c.name === name)) out.push(c);
    }
    return out;
  }

  /** First child element with that name. */
  child(name: string): XmlElement | undefined {
    for (const c of this.children) if (c.kind === 'element' && c.name === name) return c;
    return undefined;
  }

  /** Concatenated text content of this element and its descendants (XPath string()). */
  get textContent(): string {
    let s = '';
    for (const c of this.children) {
      if (c.kind === 'text') s += c.text;
      else if (c.kind === 'element') s += c.textContent;
    }
    return s;
  }

  /** Namespace URI bound to this element's prefix (or the default namespace), if any. */
  namespaceURI(): string | undefined {
    const p = this.prefix;
    return lookupNamespace(this, p);
  }

  /** "line N" text used in error messages. */
  where(): string {
    return this.line > 0 ? `line ${this.line}` : 'unknown line';
  }
}

export function lookupNamespace(from: XmlElement, prefix: string | null): string | undefined {
  const attrName = prefix === null ? 'xmlns' : `xmlns:${prefix}`;
  for (let e: XmlElement | null = from; e; e = e.parent) {
    const v = e.attr(attrName);
    if (v !== undefined) return v;
  }
  return undefined;
}

/** Deep copy (positions kept, parent of the copy's root is null). */
export function cloneElement(e: XmlElement): XmlElement {
  const copy = new XmlElement(e.name, e.attrs.map((a) => ({ ...a })), [], e.line, e.column);
  if (e.libxml2Dump) copy.libxml2Dump = true;
  for (const c of e.children) copy.appendChild(c.kind === 'element' ? cloneElement(c) : { ...c });
  return copy;
}

/** Build an element in code: attributes whose value is undefined are left out, in the given order. */
export function el(
  name: string,
  attrs: Record<string, string | number | undefined | null> = {},
  children: Array<XmlNode | string | undefined | null | false> = [],
): XmlElement {
  const list: XmlAttr[] = [];
  for (const [k, v] of Object.entries(attrs)) {
    if (v !== undefined && v !== null) list.push({ name: k, value: String(v) });
  }
  const e = new XmlElement(name, list);
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    e.appendChild(typeof c === 'string' ? { kind: 'text', text: c } : c);
  }
  return e;
}

/** <name attrs>text</name> with a text child (omitted entirely when text is undefined). */
export function textEl(
  name: string,
  text: string | number | undefined,
  attrs: Record<string, string | number | undefined | null> = {},
): XmlElement | undefined {
  if (text === undefined) return undefined;
  return el(name, attrs, [String(text)]);
}
