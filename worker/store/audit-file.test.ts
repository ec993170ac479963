// The disk store's log file: a torn last record is cut; a damaged record is never dropped silently.
import { afterAll, describe, expect, it } from 'vitest';
import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
  appendFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiskLogFile, logRecordsFileName } from './audit-file';

const root = mkdtempSync(join(tmpdir(), 'bot-disk-log-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;

async function written(count: number): Promise<string> {
  const directory = join(root, `d${dirs++}`);
  const { mkdirSync } = await import('node:fs');
  mkdirSync(directory);
  const file = await DiskLogFile.open(directory);
  await file.append(
    Array.from({ length: count }, (_, i) => ({ seq: i + 1, bytes: new Uint8Array([i, i, i]) })),
  );
  await file.close();
  return directory;
}

describe('DiskLogFile', () => {
  it('cuts a record a crash left half-written, and keeps every complete one', async () => {
    const directory = await written(3);
    appendFileSync(join(directory, logRecordsFileName), Buffer.from([0, 0, 0, 9, 1, 2])); // a header cut short
    const file = await DiskLogFile.open(directory);
    expect(file.read().map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(file.report).toMatchObject({ tornTailBytes: 6, problems: [] });
    await file.close();
  });

  it('reports a flipped bit in a complete record and keeps the damaged file aside', async () => {
    const directory = await written(3);
    const path = join(directory, logRecordsFileName);
    const bytes = readFileSync(path);
    bytes[bytes.length - 1]! ^= 1; // the last record's payload
    writeFileSync(path, bytes);
    const file = await DiskLogFile.open(directory);
    expect(file.read().map((r) => r.seq)).toEqual([1, 2]);
    expect(file.report.problems[0]).toMatch(/damaged .* checksum/);
    expect(
      readdirSync(directory).some((name) => name.startsWith(`${logRecordsFileName}.damaged-`)),
    ).toBe(true);
    await file.append([{ seq: 3, bytes: new Uint8Array([7]) }]);
    await file.close();
    const again = await DiskLogFile.open(directory);
    expect(again.read().map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(again.report.problems).toEqual([]);
    await again.close();
  });
});
