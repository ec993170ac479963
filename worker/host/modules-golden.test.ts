// Moving the capability modules into worker/core/modules changed no block hash and no state root:
// the golden run (modules-golden.scenario.ts) gives the lines the code before the move gave
// (commit 8265622, the same scenario with the old import paths: height, block hash, state root,
// digest of the state writes in order, transactions, failed codes, rejected codes).
import { describe, expect, it } from 'vitest';
import { registerProofBytes } from '../core/modules/devices';
import { loadContractRuntime } from './contract-runtime';
import { goldenRun } from './modules-golden.scenario';

const before = [
  [
    '1',
    '21ac7cf85f4c21ae33cd6119d1d45f8b2b61c1e7a886a764316c02fcab95f169',
    'a0b2fab8aff1716efef1070a81abb6c4379fff9c9815a4b82a90092f02f150bd',
    'de6f9100fb6fd3c0',
    '5',
    'NOT_FOUND',
    'NOT_MEMBER',
  ],
  [
    '2',
    'bc62704531cef46b91407fe7a6876722a34d98b9bdfffa1c8b837fb022220aac',
    '5924ab92709a6f2d934bbf61318e219e4460f8bb38b93f00d769cb3b58ae948d',
    '3fe3a4815fada938',
    '8',
    '',
    '',
  ],
  [
    '3',
    'b22ba5c988c1458f517d57fe2aa00d4e88f6ee970bd7467a8f54f243d2a5e255',
    '6ec0fa09764d74d06a0d48eba79861b9a6397c3b7efff14b0d02f9ac7f5e778f',
    '8e371c88ca346853',
    '6',
    'CONTRACT_FAILED',
    '',
  ],
  [
    '4',
    'a937e1fd591c2c64bf2d7ff0b8e15e5683c258fbfff15ba39cc2823deaaf4935',
    '7a60cc4c355f55d58040c0a18cf3bb6ec94b54523c58dc945469622ee4572c52',
    'f795a357738207a3',
    '11',
    'BAD_REQUEST,CONTRACT_FAILED,NOT_FOUND',
    '',
  ],
  [
    '5',
    '8b1cec495b9dce0182bc5cbdbaceb2e1c02aa59c436e5c01ca9f9c12a70ac60a',
    '7a60cc4c355f55d58040c0a18cf3bb6ec94b54523c58dc945469622ee4572c52',
    '76be8b528d0075f7',
    '0',
    '',
    '',
  ],
  [
    '6',
    'e2d620f73f06f5fdd78b2684343fb685dfba596deeda0fa9679352b9288af3d2',
    'e9b604067245380526492eb49b109dc17a866330c1cf33ecd8105f05b45ba24d',
    'be91f2f148178dd2',
    '1',
    'BAD_REQUEST',
    '',
  ],
  ['loaded', 'e9b604067245380526492eb49b109dc17a866330c1cf33ecd8105f05b45ba24d', '7'],
  [
    '7',
    '3d852e80a3fc0aabab6c6a94ed671ae040b18ce905a7fbcaa4f807c72cfe21dc',
    '365039a0d6ccdeac6bd1247877bd9ec58c00b756e8746c540661a1b27d67f775',
    '53680acbbcea7f8b',
    '1',
    '',
    '',
  ],
];

describe('capability modules', () => {
  it('run a fixed chain of every module to the hashes, roots and writes of before', async () => {
    const lines = goldenRun({ registerProofBytes, runtime: await loadContractRuntime() });
    expect(lines.map((line) => line.split(' '))).toEqual(before);
  });
});
