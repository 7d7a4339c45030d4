/*
 * index.ts — the virsh shell for any terminal: the browser's xterm.js tab and
 * the Node CLI both build a Vsh over VIRSH_GROUPS with their own VshIO, feed it
 * lines (runLine) and ask complete() for tab completion.
 */
export { Vsh, type VshIO, type VshOptions, type ConsoleAttach } from './vsh.js';
export { VIRSH_GROUPS } from './groups.js';
export { complete } from './complete.js';
export { tokenize } from './parse.js';
