// worker/shared: the one pure folder the page (app/) may import. Thin re-exports of core files,
// so the page checks what the peer checks with the same code.
export * from '../core/limits';
export { linksMaxDefault, linksMaxMax, linksMaxMin } from '../net/limits';
export { itsSegmentsReadMax } from '../host/its-limits';
