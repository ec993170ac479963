// Runs in real headless Chromium (vitest browser project): the same contract on IndexedDB.
import { it, expect } from 'vitest';
import { storageSuite } from './storage.suite';
import { IdbStorage } from './idb';

let counter = 0;
storageSuite('IndexedDB', async () => IdbStorage.open(`storage-suite-${Date.now()}-${counter++}`));

it('runs in a real browser with IndexedDB', () => {
  expect(typeof indexedDB.open).toBe('function');
  expect(navigator.userAgent).toMatch(/Chrome/);
});
