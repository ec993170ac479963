import { blobStoreSuite } from './blob-store.suite';
import { MemoryBlobStore } from './blob-store';

blobStoreSuite('memory', async (options) => new MemoryBlobStore(options));
