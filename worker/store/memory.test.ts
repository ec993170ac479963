import { storageSuite } from './storage.suite';
import { MemoryStorage } from './memory';

storageSuite('memory', async () => new MemoryStorage());
