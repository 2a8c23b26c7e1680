import { useEffect, useState } from 'react';
import type { InfoBody, StateBody } from '../../src/protocol';
import type { Api } from './api';
import { connectLive } from './liveClient';
import { ReplayDriver, speedFromInfo } from './replayDriver';
import { RunModel, type RunSnapshot } from './runModel';
import { useStore } from './store';

export interface RunStream {
  snapshot: RunSnapshot;
  model: RunModel;
  /** Set in replay mode: the UI drives playback itself. */
  replay: ReplayDriver | null;
}

/**
 * The run as the UI sees it: live from the protocol, or played back from the log in replay mode.
 * `first`: a live run's `/api/state` already taken, shown from the first render on.
 */
export function useRunStream(api: Api, info: InfoBody, first: StateBody | null = null): RunStream {
  const [model] = useState(() => {
    const created = new RunModel();
    if (first && info.mode !== 'replay') created.showState(first.state, first.last_seq);
    return created;
  });
  const [firstState] = useState(() => (info.mode === 'replay' ? null : first));
  const [replay, setReplay] = useState<ReplayDriver | null>(null);
  const { mode, replay_speed } = info;

  useEffect(() => {
    if (mode === 'replay') {
      const driver = new ReplayDriver(api, model, speedFromInfo(replay_speed));
      setReplay(driver);
      void driver.start();
      return () => {
        driver.dispose();
        setReplay(null);
      };
    }
    model.setOlderPageLoader(async (before, limit) => (await api.eventsBefore(before, limit)).events);
    return connectLive(api, model, firstState);
  }, [api, model, mode, replay_speed, firstState]);

  return { snapshot: useStore(model.store), model, replay };
}
