// Run by contract-limits.test.ts as `node --stack-size=N --import tsx contract-stack-probe.node.ts`.
import { runStackProbe } from './contract-stack-probe';

process.stdout.write(JSON.stringify(await runStackProbe()));
