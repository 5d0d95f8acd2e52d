/** `scrumd serve --fixture file.json`: a fixture document loaded at start, replacing the state. */
import { readFileSync } from 'node:fs';
import type { Store } from '../store/db.js';
import { ControlError, PortalState } from './state.js';

export async function loadFixtureFile(store: Store, location: string, file: string): Promise<void> {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`--fixture ${file}: ${(e as Error).message}`);
  }
  const state = new PortalState(store, location);
  try {
    await state.importFixture(doc);
  } catch (e) {
    if (e instanceof ControlError) throw new Error(`--fixture ${file}: ${e.message}`);
    throw e;
  } finally {
    state.close();
  }
}
