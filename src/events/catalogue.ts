/**
 * The events scrumd knows (spec events.md §1.5): the scope each is registered under ('' = global),
 * whether its deliveries carry tokens, a refresh token, and whether it may be bound offline.
 * Events the spec lists as registered but never fired here are bindable (C8).
 */
export interface EventDef {
  readonly scopes: readonly string[];
  readonly tokens: boolean;
  readonly refresh: boolean;
  readonly offline: boolean;
  /** the options the event accepts (`minTimeout` for ONOFFLINEEVENT), coerced to integers */
  readonly options?: readonly string[];
}

const global = (o: Partial<EventDef> = {}): EventDef => ({ scopes: [], tokens: true, refresh: true, offline: true, ...o });
const scoped = (scopes: readonly string[]): EventDef => ({ scopes, tokens: true, refresh: false, offline: true });

export const EVENTS: ReadonlyMap<string, EventDef> = new Map<string, EventDef>([
  ['ONAPPINSTALL', global()],
  ['ONAPPUPDATE', global()],
  ['ONAPPUNINSTALL', global({ tokens: false, refresh: false })],
  ['ONAPPTEST', global()],
  ['ONOFFLINEEVENT', global({ offline: false, options: ['minTimeout'] })],
  ['ONAPPPAYMENT', global()],
  ['ONAPPMETHODCONFIRM', global()],
  ['ONSUBSCRIPTIONRENEW', global()],
  ['ONTASKADD', scoped(['task'])],
  ['ONTASKUPDATE', scoped(['task'])],
  ['ONTASKDELETE', scoped(['task'])],
  ['ONTASKCOMMENTADD', scoped(['task'])],
  ['ONTASKCOMMENTUPDATE', scoped(['task'])],
  ['ONTASKCOMMENTDELETE', scoped(['task'])],
  ['ONSONETGROUPADD', scoped(['sonet_group'])],
  ['ONSONETGROUPUPDATE', scoped(['sonet_group'])],
  ['ONSONETGROUPDELETE', scoped(['sonet_group'])],
  ['ONSONETGROUPSUBJECTADD', scoped(['sonet_group'])],
  ['ONSONETGROUPSUBJECTUPDATE', scoped(['sonet_group'])],
  ['ONSONETGROUPSUBJECTDELETE', scoped(['sonet_group'])],
  ['ONUSERADD', scoped(['user', 'user_brief', 'user_basic'])],
]);

/** Whether a token with `scopes` may bind `event` (registered in one of them or global). */
export function bindable(event: string, scopes: readonly string[]): EventDef | undefined {
  const def = EVENTS.get(event);
  if (!def) return undefined;
  if (def.scopes.length === 0 || def.scopes.some((s) => scopes.includes(s))) return def;
  return undefined;
}
