// `poa`: trusted validators take turns strictly by height and round (validators[(h + r) mod n]),
// whatever their power. It runs the vote machine of bft.ts: a commit certificate needs more
// than 2/3 of the power whatever the engine, and with that quorum the two vote phases are what
// keeps one decision per height when proposers crash and rounds change (a single vote phase
// can decide two blocks at one height after a round change). Tolerates f crashed of 3f+1.
import { roundEngine, roundRobinProposer } from './bft';
import type { Engine } from './types';

export const poaEngine: Engine = roundEngine({ name: 'poa', proposerOf: roundRobinProposer });
