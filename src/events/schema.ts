/** The tables of migration 005, as Kysely sees them (joined with the rest of the schema). */
import type { Generated, Kysely } from 'kysely';
import type { Database } from '../store/schema.js';

export interface EventHandlerTable {
  id: Generated<number>;
  app_id: number | null;
  event_name: string;
  handler: string;
  user_id: number;
  connector_id: string;
  options: string;
  application_token: string;
  title: string;
  date_create: number;
}

export interface EventDeliveryTable {
  id: Generated<number>;
  hit_id: string;
  dedupe: string;
  handler_id: number;
  app_id: number | null;
  url: string;
  event_name: string;
  data: string | null;
  object_key: string;
  order_key: string;
  local_user: number;
  with_tokens: string;
  with_refresh: string;
  application_token: string;
  ts: number;
  /** the event-session TTL of the hit that raised it: the tokens sent with it carry it (migration 007) */
  event_session: number;
  status: string;
  attempts: number;
  next_at: number;
  locked_until: number;
  last_error: string | null;
  response_code: number | null;
  response_ms: number | null;
  delivered_at: number | null;
  created_at: number;
}

/** Migration 010: one row per raised event, fanned out into event_deliveries by the deliverer. */
export interface EventOutboxTable {
  id: Generated<number>;
  hit_id: string;
  event_name: string;
  data: string | null;
  object_key: string;
  ts: number;
  event_session: number;
  /** JSON array of OutboxTarget */
  targets: string;
  created_at: number;
}

export interface EventOfflineTable {
  id: Generated<number>;
  timestamp_x: number;
  message_id: string;
  app_id: number;
  event_name: string;
  event_data: string | null;
  local_user: number;
  process_id: string;
  connector_id: string;
  error: number;
}

/** The installation columns migration 005 adds to oauth_apps. */
export interface AppInstallColumns {
  application_token: string;
  url_install: string | null;
  only_api: string;
  installed: string;
}

export type EventsDatabase = Omit<Database, 'oauth_apps'> & {
  oauth_apps: Database['oauth_apps'] & AppInstallColumns;
  event_handlers: EventHandlerTable;
  event_deliveries: EventDeliveryTable;
  event_offline: EventOfflineTable;
  event_outbox: EventOutboxTable;
};

/** The same connection typed with the event tables. */
export function edb(db: Kysely<Database>): Kysely<EventsDatabase> {
  return db as unknown as Kysely<EventsDatabase>;
}
