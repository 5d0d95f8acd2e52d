/**
 * event.bind, event.unbind, event.get (spec events.md §4.2–4.4); their rules are src/events/bindings.ts.
 * None of them raises an event.
 */
import { method, type Call, type MethodSpec } from '../protocol/method.js';
import { bindEvent, eventHandlers, unbindEvent } from '../events/bindings.js';
import { offlineEventMethods } from './eventsOffline.js';

const bind = ({ db, caller, params, now }: Call) => bindEvent(db, caller, params, now);
const unbind = ({ db, caller, params }: Call) => unbindEvent(db, caller, params);
const get = ({ db, caller }: Call) => eventHandlers(db, caller);

export const eventMethods: MethodSpec[] = [
  method({ name: 'event.bind', scopes: [], transaction: true, events: false, handler: bind }),
  method({ name: 'event.unbind', scopes: [], transaction: true, events: false, handler: unbind }),
  method({ name: 'event.get', scopes: [], handler: get }),
  ...offlineEventMethods,
];
