// Helper for negative tests: run `fn`, require a VirError with this code and
// exactly this message (as virsh would print it after "error: ").
import { expect } from 'vitest';
import { VirError, type VirErrorCode } from '../../../src/virt/error.js';

export function expectVirError(fn: () => unknown, code: VirErrorCode, message: string): VirError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, 'expected a VirError to be thrown').toBeInstanceOf(VirError);
  const err = caught as VirError;
  expect(err.message).toBe(message);
  expect(err.code).toBe(code);
  return err;
}
