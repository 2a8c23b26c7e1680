import type { RunState } from '@conductor/events';
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { InfoBody, StateBody } from '../../src/protocol';
import { ActivityStream } from './ActivityStream';
import type { Api } from './api';
import { OwnershipBanner, ResumeBanner, RunEndBanner, SyntheticHistoryNote } from './Banners';
import { DialogPanel } from './DialogPanel';
import { GatePanel } from './GatePanel';
import { GroupDetails } from './GroupDetails';
import { Icon } from './Icon';
import { isStalled, isTicking } from './ownership';
import { ReplayControls } from './ReplayControls';
import { RunHeader } from './RunHeader';
import { RunOverview } from './RunOverview';
import { StepDetails } from './StepDetails';
import { Timeline } from './Timeline';
import { useColorScheme } from './theme';
import { useFirstState, useInfo } from './useInfo';
import { useRunStream } from './useRunStream';
import { type RunViewKind, ViewSwitch } from './ViewSwitch';
import { WorkflowGraph } from './WorkflowGraph';
import { findGroup, pathKey } from './workflowView';

export function App({ api }: { api: Api }) {
  const { info, error, unauthorized, refresh } = useInfo(api);
  const first = useFirstState(api);

  if (unauthorized) return <AuthRequired />;
  // A live run's view is rendered once it has its state too (they come together: both wait for the
  // server's fold of the history), so that its first render shows the steps.
  if (!info || (info.mode === 'live' && first === undefined))
    return (
      <Splash
        message={error ? `Cannot reach the dashboard (${error}); retrying…` : 'Connecting to the run…'}
      />
    );
  return <Dashboard api={api} info={info} first={first ?? null} refreshInfo={refresh} />;
}

function Dashboard({
  api,
  info,
  first,
  refreshInfo,
}: {
  api: Api;
  info: InfoBody;
  /** The first `/api/state`, if it was taken (null: the live client asks for it itself). */
  first: StateBody | null;
  /** Asks `/api/info` again: who owns the run may have changed with its status. */
  refreshInfo: () => void;
}) {
  const { snapshot, model, replay } = useRunStream(api, info, first);
  const theme = useColorScheme(info.color_scheme);
  const { state } = snapshot;
  const [selected, setSelected] = useState<string | null>(null);
  /** The workflow the graph panel shows: the root, or a sub-workflow by its parent path. */
  const [viewPath, setViewPath] = useState<string[]>([]);
  const [view, setView] = useState<RunViewKind>('graph');
  const live = info.mode === 'live';
  const ticking = isTicking(state, info);
  const stalled = isStalled(state, info);
  const wallNow = useNow(ticking);
  // In replay the clock is the replayed one: the time of the last event shown. A stalled run's clock
  // stopped at its last event.
  const now = live && !stalled ? wallNow : (state.last_event_at ?? state.run.started_at ?? 0);
  // A new status (a resume began elsewhere, the run ended) may come with a new owner.
  const { status, generation } = state.run;
  // biome-ignore lint/correctness/useExhaustiveDependencies: status and generation are what trigger it
  useEffect(() => refreshInfo(), [status, generation, refreshInfo]);

  const select = useCallback((key: string) => setSelected((current) => (current === key ? null : key)), []);
  const show = useCallback((key: string) => setSelected(key), []);
  const close = useCallback(() => setSelected(null), []);
  const navigate = useCallback((path: string[]) => setViewPath(path), []);
  const toRoot = useCallback(() => setViewPath([]), []);
  const loadOlder = useCallback(() => void model.loadOlder(), [model]);
  const jumpToLatest = useCallback(() => model.jumpToLatest(), [model]);
  const followChange = useCallback((following: boolean) => model.setFollowing(following), [model]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (
        e.key === 'Escape' &&
        !(
          e.target instanceof HTMLInputElement ||
          e.target instanceof HTMLSelectElement ||
          e.target instanceof HTMLTextAreaElement
        )
      )
        setSelected(null);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const title = state.run.name ?? info.workflow_name ?? 'Workflow';
  useEffect(() => {
    document.title = `${state.run.status} · ${title} — Conductor`;
  }, [state.run.status, title]);

  const { step_order: stepOrder, groups } = state;
  const filterSteps = useMemo(() => stepsForFilter(stepOrder, groups), [stepOrder, groups]);
  const synthetic =
    state.run.has_synthetic_history || state.resumes.some((m) => m.history_source === 'synthetic');
  const group = selected ? findGroup(state, selected) : null;
  // Every gate waiting for an answer, at the root or inside a sub-workflow, the oldest first.
  const gates = Object.values(state.gates).sort((a, b) => a.seq - b.seq);
  // Every agent talking with the user, the oldest first.
  const dialogs = Object.values(state.dialogs).sort((a, b) => a.seq - b.seq);

  if (snapshot.connection === 'unauthorized') return <AuthRequired />;

  return (
    <div className="app">
      <RunHeader
        state={state}
        info={info}
        stalled={stalled}
        connection={snapshot.connection}
        now={now}
        api={api}
        theme={theme}
      />
      {replay ? <ReplayControls driver={replay} at={state.last_event_at} /> : null}
      <div className="banners">
        {live ? <OwnershipBanner state={state} ownership={info.ownership} /> : null}
        <RunEndBanner state={state} replay={!live} />
        <ResumeBanner resumes={state.resumes} />
        {synthetic ? <SyntheticHistoryNote /> : null}
        {snapshot.error ? (
          <p className="banner banner-danger banner-compact" role="alert">
            <Icon name="alert" className="banner-icon" />
            {snapshot.error}
          </p>
        ) : null}
      </div>
      <main className="workspace">
        {view === 'timeline' ? (
          <section className="panel graph-panel timeline-panel" aria-label="Timeline">
            <header className="panel-header">
              <h2 className="panel-title">Timeline</h2>
              <ViewSwitch view={view} onChange={setView} />
            </header>
            <Timeline state={state} now={now} selected={selected} onSelect={select} />
          </section>
        ) : (
          <WorkflowGraph
            state={state}
            ready={snapshot.ready}
            selected={selected}
            onSelect={select}
            path={viewPath}
            onNavigate={navigate}
            views={<ViewSwitch view={view} onChange={setView} />}
          />
        )}
        <ActivityStream
          activity={snapshot.activity}
          loadingOlder={snapshot.loadingOlder}
          resumes={state.resumes}
          steps={filterSteps}
          selectedStep={selected}
          pathFilter={viewPath.length > 0 ? pathKey(viewPath) : null}
          onClearPath={toRoot}
          onSelectStep={show}
          onLoadOlder={loadOlder}
          onJumpToLatest={jumpToLatest}
          onFollowChange={followChange}
        />
        <aside className="side" aria-label="Details">
          {gates.map((gate) => (
            <GatePanel key={gate.step} gate={gate} api={api} canAnswer={live && info.control.gate} />
          ))}
          {dialogs.map((dialog) => (
            <DialogPanel
              key={dialog.dialog_id}
              dialog={dialog}
              streaming={snapshot.dialogReplies[dialog.dialog_id] ?? null}
              api={api}
              canAnswer={live && info.control.dialog === true}
            />
          ))}
          {selected && group ? (
            <GroupDetails
              api={api}
              state={state}
              group={group}
              facts={snapshot.groupFacts[group.key] ?? null}
              now={now}
              onClose={close}
              onSelect={show}
              onOpenSubworkflow={navigate}
            />
          ) : selected ? (
            <StepDetails
              api={api}
              state={state}
              stepKey={selected}
              onClose={close}
              onSelect={show}
              onOpenSubworkflow={navigate}
            />
          ) : (
            <RunOverview state={state} stalled={stalled} />
          )}
        </aside>
      </main>
    </div>
  );
}

function stepsForFilter(stepOrder: readonly string[], groups: RunState['groups']): string[] {
  const keys = [...stepOrder];
  for (const name of Object.keys(groups)) if (!keys.includes(name)) keys.push(name);
  return keys;
}

/** Wall-clock seconds, ticking once a second while `active`. */
function useNow(active: boolean): number {
  const [now, setNow] = useState(() => Date.now() / 1000);
  useEffect(() => {
    setNow(Date.now() / 1000);
    if (!active) return;
    const id = setInterval(() => setNow(Date.now() / 1000), 1000);
    return () => clearInterval(id);
  }, [active]);
  return active ? now : Date.now() / 1000;
}

function Splash({ message }: { message: string }) {
  return (
    <div className="splash">
      <div className="splash-card">
        <span className="spinner" aria-hidden="true" />
        <p>{message}</p>
      </div>
    </div>
  );
}

function AuthRequired() {
  return (
    <div className="splash">
      <div className="splash-card" data-testid="auth-required">
        <Icon name="alert" />
        <h1>This dashboard needs its link</h1>
        <p className="muted">
          Open the URL that <span className="mono">conductor</span> printed when the run started: it carries
          the access token. The token is kept for this tab only.
        </p>
      </div>
    </div>
  );
}
