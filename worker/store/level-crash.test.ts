// Crash safety of the LevelDB store (level.ts): a child process commits blocks and is killed
// with SIGKILL at random points in the middle of its writes, several times over; after each kill
// the store reopens without damage and holds every block the child had reported committed,
// whole (block bytes, state, history, tx index), and the next child goes on from there.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { LevelStorage } from './level';
import { crashBytes, crashCommit } from './level-crash.fixture';

const root = mkdtempSync(join(tmpdir(), 'bot-level-crash-'));
const children = new Set<ChildProcess>();
afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

/** Run the child until it has reported `kills` more commits, then SIGKILL it; the heights it reported. */
function runAndKill(
  directory: string,
  commitsBeforeKill: number,
  delayMs: number,
): Promise<number[]> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'worker/store/level-crash.child.ts', directory],
    { cwd: resolve(__dirname, '../..'), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.add(child);
  const committed: number[] = [];
  let output = '';
  let killing = false;
  return new Promise((done, fail) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const lines = output.split('\n');
      output = lines.pop()!;
      for (const line of lines) {
        const found = /^committed (\d+)$/.exec(line);
        if (found) committed.push(Number(found[1]));
        else if (!line.startsWith('open ')) fail(new Error(`child: ${line}`));
      }
      if (!killing && committed.length >= commitsBeforeKill) {
        killing = true;
        // A random delay after the last report: the kill lands inside the next write.
        setTimeout(() => child.kill('SIGKILL'), delayMs);
      }
    });
    let errors = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      errors += chunk.toString();
    });
    child.on('exit', (code, signal) => {
      children.delete(child);
      if (signal === 'SIGKILL') done(committed);
      else fail(new Error(`child exited ${code}: ${errors}`));
    });
  });
}

describe('LevelStorage: kill -9 in the middle of writes', () => {
  it('loses nothing that was reported committed, over several kills at random points', async () => {
    const directory = join(root, 'data');
    let reported = -1;
    const kills = 6;
    for (let kill = 0; kill < kills; kill++) {
      const committed = await runAndKill(
        directory,
        3 + Math.floor(Math.random() * 20),
        Math.floor(Math.random() * 15),
      );
      expect(committed.length).toBeGreaterThan(0);
      expect(committed[0]).toBe(reported + 1);
      reported = committed.at(-1)!;

      const store = await LevelStorage.open(directory);
      try {
        expect(store.report.problems, `after kill ${kill}`).toEqual([]);
        const head = await store.headHeight('crash');
        // Every reported block is there; at most the one being written when killed is extra.
        expect(head).toBeGreaterThanOrEqual(reported);
        expect(head).toBeLessThanOrEqual(reported + 1);
        for (const height of [...committed, head]) {
          const expected = crashCommit(height);
          expect(await store.getBlock('crash', height), `block ${height}`).toEqual(expected.block);
          expect(await store.getState('crash', `data/h${height}/k199`)).toEqual(
            expected.writes.get(`data/h${height}/k199`),
          );
          expect(await store.txLocation(`crash-${height}-49`)).toEqual({
            chainId: 'crash',
            height,
            index: 49,
          });
        }
        expect(await store.getState('crash', 'data/counter')).toEqual(crashBytes('c', head, 8));
        expect((await store.history('crash', 'data/counter')).map((v) => v.height)).toEqual(
          Array.from({ length: head + 1 }, (_, h) => h),
        );
        reported = head;
      } finally {
        await store.shutdown();
      }
    }
  }, 180_000);
});
