import {
  applyEvent,
  type ConductorEvent,
  eventKindOf,
  initialRunState,
  type RunState,
} from '@conductor/events';
import yoctoSpinner, { type Color, type Spinner } from 'yocto-spinner';
import { coloursFor, type Style, styler } from './colour.js';

export interface ProgressOptions {
  stream?: NodeJS.WriteStream;
  quiet?: boolean;
  /** A spinner; defaults to whether the stream is a terminal. */
  tty?: boolean;
  /** Colours; by default NO_COLOR, FORCE_COLOR and whether the stream is a terminal decide. */
  colours?: boolean;
  /** Where NO_COLOR and FORCE_COLOR are read when `colours` is not given. Default: process.env. */
  env?: Record<string, string | undefined>;
}

/** The styles progress lines use, by the number the lines name them with. */
const STYLES = {
  1: 'bold',
  2: 'dim',
  31: 'red',
  32: 'green',
  33: 'yellow',
  35: 'magenta',
  36: 'cyan',
} as const satisfies Record<number, Style>;

export interface ProgressReporter {
  onEvent(event: ConductorEvent): void;
  /** Stops the spinner; call once the run has ended. */
  close(): void;
  readonly state: RunState;
  /** A spinner is drawn (it is cleared before anything else is written). */
  readonly spinning: boolean;
}

/** What a group's or an item's event does (by the kinds table), so parallel and for_each groups read alike. */
function groupEventOf(type: string): 'group started' | 'item ended' | 'group completed' | undefined {
  const kind = eventKindOf(type);
  if (kind?.subject === 'group') return kind.phase === 'started' ? 'group started' : 'group completed';
  if (kind?.subject === 'item' && kind.phase !== 'started') return 'item ended';
  return undefined;
}

const formatSeconds = (seconds: number | null): string =>
  seconds === null
    ? ''
    : seconds < 10
      ? `${seconds.toFixed(2)}s`
      : seconds < 120
        ? `${seconds.toFixed(1)}s`
        : `${Math.floor(seconds / 60)}m${Math.round(seconds % 60)}s`;

/** What is left of a wait ending at `until` (Unix seconds) at `now`: `12s left`, `1m05s left`. */
export function waitLeft(until: number, now: number): string {
  const left = Math.max(0, Math.ceil(until - now));
  return left < 60 ? `${left}s left` : `${Math.floor(left / 60)}m${String(left % 60).padStart(2, '0')}s left`;
}

/**
 * Live progress on stderr: a line when a step starts and when it ends, with its elapsed time; a spinner
 * in a terminal. It reads step status from the projection, the one interpretation of events.
 */
export function createProgressReporter(options: ProgressOptions = {}): ProgressReporter {
  const stream = options.stream ?? process.stderr;
  const tty = options.tty ?? Boolean(stream.isTTY);
  const quiet = options.quiet ?? false;
  let state = initialRunState();
  let spinner: Spinner | null = null;
  const colours = options.colours ?? coloursFor(stream, options.env ?? process.env);
  const style = styler(colours);
  const colour = (code: keyof typeof STYLES, text: string) => style(STYLES[code], text);

  const line = (text: string) => {
    if (quiet) return;
    if (spinner) {
      spinner.clear();
      stream.write(`${text}\n`);
      spinner.start();
    } else {
      stream.write(`${text}\n`);
    }
  };

  const startSpinner = (text: string) => {
    if (quiet) return;
    if (!tty) {
      stream.write(`${colour(36, '▸')} ${text}\n`);
      return;
    }
    if (spinner) {
      spinner.text = text;
      return;
    }
    // The CLI's own SIGINT/SIGTERM handler decides what a signal does (stop with a checkpoint): the
    // spinner's would `process.exit` first and lose it. Whatever ends the process, the spinner is
    // cleared and the cursor shown again (writes to a terminal are synchronous, so 'exit' can do it).
    // Without colours the frame is drawn in the terminal's own: yocto-spinner takes any yoctocolors
    // style, and 'reset' is the one that adds none (its types list only the colours).
    const color = (colours ? 'cyan' : 'reset') as Color;
    spinner = yoctoSpinner({ text, stream, handleSignals: false, color }).start();
    process.once('exit', restoreTerminal);
  };

  /** A wait step's countdown on the spinner, ticking once a second. */
  let countdown: ReturnType<typeof setInterval> | null = null;
  const stopCountdown = () => {
    if (countdown) clearInterval(countdown);
    countdown = null;
  };
  const startCountdown = (label: string, until: number) => {
    stopCountdown();
    const show = () => {
      if (spinner) spinner.text = `${label}${colour(2, ` ${waitLeft(until, Date.now() / 1000)}`)}`;
    };
    show();
    countdown = setInterval(show, 1000);
    countdown.unref?.();
  };

  function restoreTerminal(): void {
    process.off('exit', restoreTerminal);
    stopCountdown();
    if (!spinner) return;
    spinner.stop();
    spinner = null;
  }

  const stopSpinner = (symbol: string, text: string) => {
    if (quiet) return;
    restoreTerminal();
    stream.write(`${symbol} ${text}\n`);
  };

  return {
    get state() {
      return state;
    },
    get spinning() {
      return spinner !== null;
    },
    onEvent(event) {
      const before = state;
      state = applyEvent(state, event);
      const data = event.data;
      switch (groupEventOf(event.type) ?? event.type) {
        case 'workflow_started':
          line(colour(1, `▶ ${String(data.name)}`) + colour(2, `  run ${String(data.run_id ?? '')}`));
          return;
        case 'workflow_resumed':
          line(
            colour(1, `▶ resumed ${String(data.run_id)}`) +
              colour(
                2,
                `  at step ${String(data.resumed_at_step)} (resume ${String(data.generation)}, history from ${String(data.history_source)})`,
              ),
          );
          return;
        case 'checkpoint_saved':
          if (data.trigger !== 'periodic') line(colour(2, `  checkpoint saved: ${String(data.path)}`));
          return;
        case 'checkpoint_save_failed':
          line(colour(33, `  warning: the checkpoint could not be saved: ${String(data.message)}`));
          return;
        case 'agent_retry':
          line(
            colour(
              33,
              `  ↻ ${String(data.agent_name)}: retry ${String(data.attempt)}/${String(data.max_attempts)}: ${String(data.error ?? '')}`,
            ),
          );
          return;
        case 'gate_presented':
          stopSpinner(colour(35, '?'), `${String(data.agent_name)} is waiting for a decision`);
          return;
        case 'gate_resolved':
          line(
            `${colour(32, '✓')} ${String(data.agent_name)}  ${colour(2, `chose "${String(data.selected_option)}"`)}`,
          );
          return;
        // A dialog draws its own prompt: the spinner makes way, and comes back for the re-run.
        case 'dialog_started':
          stopSpinner(colour(35, '?'), `${String(data.agent_name)} wants to talk`);
          return;
        // While the agent replies the spinner says so; its message (delivered before the prompt draws,
        // the bus being synchronous) clears it for the prompt.
        case 'dialog_message':
          if (data.role !== 'user') restoreTerminal();
          else if (tty) startSpinner(`${String(data.agent_name)}${colour(2, ' is replying')}`);
          return;
        case 'dialog_completed':
          line(`${colour(32, '✓')} ${String(data.agent_name)}  ${colour(2, 'dialog ended')}`);
          startSpinner(`${String(data.agent_name)}${colour(2, ' (agent, with the dialog)')}`);
          return;
        case 'dialog_skipped':
          line(
            colour(
              33,
              data.reason === 'skip_gates'
                ? `  ${String(data.agent_name)}: dialog skipped (--skip-gates)`
                : `  ${String(data.agent_name)}: wanted to talk, but there is no terminal and no dashboard (--web); it goes on with its answer`,
            ),
          );
          return;
        case 'group started': {
          const group = state.groups[String(data.group_name)];
          if (group)
            startSpinner(
              `${group.name}${colour(2, ` (${group.kind === 'parallel' ? 'parallel' : 'for each'}, ${group.total})`)}`,
            );
          return;
        }
        case 'item ended': {
          const group = state.groups[String(data.group_name)];
          if (group && spinner)
            spinner.text = `${group.name}${colour(2, ` ${group.completed + group.failed}/${group.total}${group.failed ? `, ${group.failed} failed` : ''}`)}`;
          return;
        }
        case 'group completed': {
          const group = state.groups[String(data.group_name)];
          if (!group) return;
          const counts = `${group.completed} done${group.failed ? `, ${group.failed} failed` : ''}`;
          const elapsed = formatSeconds(typeof data.elapsed === 'number' ? data.elapsed : null);
          stopSpinner(
            group.failed && !group.completed ? colour(31, '✗') : colour(32, '✓'),
            `${group.name}  ${colour(2, `${counts}  ${elapsed}`)}`,
          );
          return;
        }
        default:
          break;
      }
      const name = typeof data.agent_name === 'string' ? data.agent_name : null;
      if (!name || (Array.isArray(data.subworkflow_path) && data.subworkflow_path.length > 0)) return;
      const prev = before.steps[name];
      const next = state.steps[name];
      if (!next) return;
      const attempt = next.attempts.at(-1);
      if (!attempt) return;
      const startedNow = (prev?.attempt_count ?? 0) < next.attempt_count;
      if (startedNow) {
        const label = `${name}${next.type ? colour(2, ` (${next.type})`) : ''}`;
        startSpinner(label);
        if (event.type === 'wait_started' && typeof data.duration_seconds === 'number' && tty)
          startCountdown(label, event.timestamp + data.duration_seconds);
        return;
      }
      const prevStatus = prev?.attempts.at(-1)?.status;
      if (prevStatus === attempt.status) return;
      if (attempt.status === 'completed') {
        stopSpinner(colour(32, '✓'), `${name}  ${colour(2, formatSeconds(attempt.elapsed))}`);
      } else if (attempt.status === 'failed') {
        const error = attempt.error;
        const why = error ? `${error.error_type ?? 'Error'}: ${error.message ?? ''}` : '';
        stopSpinner(colour(31, '✗'), `${name}  ${colour(2, formatSeconds(attempt.elapsed))}  ${why}`);
      }
    },
    close() {
      restoreTerminal();
    },
  };
}
