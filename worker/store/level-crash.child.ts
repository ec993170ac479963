// Child process of level-crash.test.ts: opens the LevelDB store on argv[2] and commits blocks
// from its head on, printing "committed <height>" once each commitBlock has resolved, until it
// is killed. The blocks are made from their height only, so the parent can check them.
import { LevelStorage } from './level';
import { crashCommit } from './level-crash.fixture';

async function main(): Promise<void> {
  const store = await LevelStorage.open(process.argv[2]!);
  if (store.report.problems.length > 0) {
    process.stdout.write(`damaged ${JSON.stringify(store.report.problems)}\n`);
    process.exit(3);
  }
  process.stdout.write(`open ${await store.headHeight('crash')}\n`);
  for (let height = (await store.headHeight('crash')) + 1; ; height++) {
    await store.commitBlock(crashCommit(height));
    process.stdout.write(`committed ${height}\n`); // a pipe: written synchronously on Linux
  }
}

void main();
