// _emit.ts — benchmarks print one JSON object per line on stdout; this is the one place that does.
export function emit(record: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify(record) + '\n');
}
