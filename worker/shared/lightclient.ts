// worker/shared: the one pure folder the page (app/) may import. Thin re-exports of core files,
// so the page checks what the peer checks with the same code.
export { genesisChainId } from '../core/lightclient';
