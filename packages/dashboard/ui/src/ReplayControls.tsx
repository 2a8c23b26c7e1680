import { useEffect, useState } from 'react';
import { formatDateTime, formatDuration } from './format';
import { Icon } from './Icon';
import { REPLAY_SPEEDS, type ReplayDriver, type ReplaySpeed } from './replayDriver';
import { useStore } from './store';

/** Play, pause, speed and a scrub slider over seq, for replay mode. */
export function ReplayControls({ driver, at }: { driver: ReplayDriver; at: number | null }) {
  const status = useStore(driver.status);
  // The slider shows where the user drags at once; the fold catches up in the background.
  const [dragging, setDragging] = useState<number | null>(null);
  // Once the seek is done, the counter is the driver's again (a seek may start and end in one render).
  // biome-ignore lint/correctness/useExhaustiveDependencies: the position moving is what ends a drag
  useEffect(() => {
    if (!status.seeking) setDragging(null);
  }, [status.seeking, status.position]);

  if (status.phase === 'loading') {
    const ratio = status.total > 0 ? status.loaded / status.total : 0;
    return (
      <section className="replay-bar" aria-label="Replay" data-testid="replay-loading">
        <span className="replay-label">Loading the log…</span>
        <progress max={1} value={ratio} aria-label="Log loaded" />
        <span className="muted mono">
          {status.loaded.toLocaleString()}
          {status.total > 0 ? ` / ${status.total.toLocaleString()}` : ''} events
        </span>
      </section>
    );
  }
  if (status.phase === 'error') {
    return (
      <section className="replay-bar" aria-label="Replay">
        <span className="error-text">{status.error}</span>
      </section>
    );
  }

  const position = status.seeking ? (dragging ?? status.position) : status.position;
  const label = (speed: ReplaySpeed) => (speed === 'max' ? 'max' : `${speed}×`);
  return (
    <section className="replay-bar" aria-label="Replay controls">
      <button
        type="button"
        className="button button-primary replay-play"
        data-testid="replay-play"
        data-playing={status.playing}
        onClick={() => (status.playing ? driver.pause() : driver.play())}
        aria-label={status.playing ? 'Pause' : 'Play'}
      >
        <Icon name={status.playing ? 'pause' : 'play'} />
        {status.playing ? 'Pause' : 'Play'}
      </button>
      <fieldset className="segmented">
        <legend className="visually-hidden">Speed</legend>
        {REPLAY_SPEEDS.map((speed) => (
          <button
            key={String(speed)}
            type="button"
            data-testid={`replay-speed-${speed}`}
            aria-pressed={status.speed === speed}
            onClick={() => driver.setSpeed(speed)}
          >
            {label(speed)}
          </button>
        ))}
      </fieldset>
      <span className="replay-scrubber">
        <input
          className="replay-slider"
          type="range"
          min={0}
          max={status.lastSeq}
          step={1}
          value={position}
          data-testid="replay-slider"
          aria-label="Position in the log (seq)"
          aria-valuetext={`seq ${position} of ${status.lastSeq}`}
          onChange={(e) => {
            const seq = Number(e.target.value);
            setDragging(seq);
            void driver.seek(seq);
          }}
        />
        {status.marks.map((mark) => (
          <span
            key={`${mark.kind}-${mark.seq}`}
            className={`replay-mark replay-mark-${mark.kind}`}
            style={{ left: `${status.lastSeq > 0 ? (mark.seq / status.lastSeq) * 100 : 0}%` }}
            title={`${mark.label} (seq ${mark.seq})`}
            data-testid="replay-mark"
            data-kind={mark.kind}
            data-seq={mark.seq}
          />
        ))}
      </span>
      <span className="replay-position mono" data-testid="replay-position">
        {status.seeking ? 'rebuilding… ' : ''}
        {position.toLocaleString()} / {status.lastSeq.toLocaleString()}
      </span>
      {at !== null ? <span className="muted replay-at">{formatDateTime(at)}</span> : null}
      {status.skipping !== null ? (
        <span className="chip replay-skipping" data-testid="replay-skipping">
          skipping {formatDuration(status.skipping)} without events
        </span>
      ) : null}
    </section>
  );
}
