/**
 * The offline queue (spec events.md §4.7–4.10): event.offline.get, .clear, .error, .list; their rules
 * are src/events/offline.ts. None of them raises an event.
 */
import { method, type Call, type MethodSpec } from '../protocol/method.js';
import { clearOffline, failOffline, getOffline, listOfflineEvents } from '../events/offline.js';

const get = ({ db, caller, params, app, now }: Call) => getOffline(db, caller, params, app.store.dialect, now);
const clear = ({ db, caller, params, now }: Call) => clearOffline(db, caller, params, now);
const error = ({ db, caller, params, now }: Call) => failOffline(db, caller, params, now);
const list = ({ db, caller, params, start, now }: Call) => listOfflineEvents(db, caller, params, start, now);

export const offlineEventMethods: MethodSpec[] = [
  // atomic reservation: one transaction (PostgreSQL skips the rows another call is reserving)
  method({ name: 'event.offline.get', scopes: [], transaction: true, events: false, handler: get }),
  method({ name: 'event.offline.clear', scopes: [], transaction: true, events: false, handler: clear }),
  method({ name: 'event.offline.error', scopes: [], transaction: true, events: false, handler: error }),
  method({ name: 'event.offline.list', scopes: [], handler: list }),
];
