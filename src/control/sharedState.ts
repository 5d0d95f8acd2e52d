/**
 * The one PortalState of a running server's store: the control API (src/transport/controlRoutes.ts)
 * and the board's sandbox panel (src/transport/boardRoutes.ts) share it, so their operations are
 * serialized together and see the same snapshots (a `:memory:` database keeps them in a folder of its
 * own instance). Whoever serves the control API closes it.
 */
import type { Store } from '../store/db.js';
import { PortalState } from './state.js';

const SHARED = new WeakMap<Store, PortalState>();

export function sharedPortalState(store: Store, location: string): PortalState {
  let state = SHARED.get(store);
  if (!state) {
    state = new PortalState(store, location);
    SHARED.set(store, state);
  }
  return state;
}
