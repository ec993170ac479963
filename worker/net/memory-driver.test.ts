// The link-driver contract suite against the memory driver.
import { linkDriverSuite } from './link-driver.suite';
import { MemoryDriver } from './memory-driver';

linkDriverSuite('memory driver', () => ({
  a: new MemoryDriver(),
  b: new MemoryDriver(),
  close: () => {},
}));
