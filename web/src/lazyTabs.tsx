/**
 * The group's screens that load on first use (engineer A's): charts (with uPlot) and epics. Each is a
 * separate chunk fetched by dynamic import, so the first screen's bundle does not carry them.
 */
import { useEffect, useState } from 'preact/hooks';
import type { FunctionComponent } from 'preact';
import type { Me, Plan } from './api';
import type { Act } from './group';

export interface TabProps {
  me: Me;
  plan: Plan;
  act: Act;
  reload: () => Promise<void>;
}

function lazy(name: string, load: () => Promise<FunctionComponent<TabProps>>): FunctionComponent<TabProps> {
  let loaded: FunctionComponent<TabProps> | null = null;
  return function Lazy(p: TabProps) {
    const [C, setC] = useState<FunctionComponent<TabProps> | null>(() => loaded);
    const [failed, setFailed] = useState('');
    useEffect(() => {
      if (C) return;
      load().then(
        (c) => {
          loaded = c;
          setC(() => c);
        },
        (e: Error) => setFailed(e.message),
      );
    }, []);
    if (failed) return <p role="alert" class="error">The {name} screen could not be loaded: {failed}</p>;
    return C ? <C {...p} /> : <p class="loading screen-loading">Loading the {name}…</p>;
  };
}

export const ChartsTab = lazy('charts', () => import('./charts').then((m) => m.Charts));
export const EpicsTab = lazy('epics', () => import('./epics').then((m) => m.Epics));
