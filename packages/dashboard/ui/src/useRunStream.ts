import { useEffect, useState } from 'react';
import type { InfoBody } from '../../src/protocol';
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

/** The run as the UI sees it: live from the protocol, or played back from the log in replay mode. */
export function useRunStream(api: Api, info: InfoBody): RunStream {
  const [model] = useState(() => new RunModel());
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
    return connectLive(api, model);
  }, [api, model, mode, replay_speed]);

  return { snapshot: useStore(model.store), model, replay };
}
