import type { SkippedLine } from '@conductor/event-log';
import type { ConductorEvent } from '@conductor/events';
import { ResumeError } from './errors.js';
import type { RewoundStep } from './resume-state.js';

/** How many skipped lines a resume keeps to name in its messages. */
export const SKIPS_KEPT = 20;

/** `path:line (why)` for the first few skipped lines. */
function nameLines(logPath: string, skips: readonly SkippedLine[], count: number): string {
  const shown = skips.slice(0, 3).map((skip) => `${logPath}:${skip.line} (${skip.reason}: ${skip.message})`);
  const more = count - shown.length;
  return `${shown.join(', ')}${more > 0 ? ` and ${more} more` : ''}`;
}

/** The warning for lines the reader left out while the state was rebuilt. */
export function skippedLinesWarning(logPath: string, skips: readonly SkippedLine[], count: number): string {
  return `${count} damaged line(s) of ${logPath} were skipped while rebuilding the state: ${nameLines(logPath, skips, count)}`;
}

/** The warning for a step that runs again because its completion is not in the log. */
export function rewoundWarning(
  logPath: string,
  rewound: RewoundStep,
  skips: readonly SkippedLine[],
  count: number,
): string {
  const lines = count > 0 ? ` (damaged: ${nameLines(logPath, skips, count)})` : '';
  return (
    `step "${rewound.step}" started but its completion is not in ${logPath}${lines}, although the run went on ` +
    `(${rewound.type} at seq ${rewound.seq}): it runs again, and so do the steps after it`
  );
}

/**
 * The refusal for a log without a readable start (`workflow_started`, which holds the inputs) when
 * there is no checkpoint to take the inputs from: no safe reading exists.
 */
export function missingStartError(
  runId: string,
  logPath: string,
  skips: readonly SkippedLine[],
  first: ConductorEvent | null,
): ResumeError {
  const skip = skips[0];
  const where =
    skip && (first === null || skip.line === 1)
      ? `${logPath}:${skip.line} is damaged (${skip.reason}: ${skip.message})`
      : `${logPath}:1 holds ${first ? `${first.type} (seq ${first.seq})` : 'no event'} instead`;
  return new ResumeError(
    'CONDUCTOR_RESUME_LOG_DAMAGED',
    `run ${runId} cannot be resumed: its event log has no readable workflow_started (the run's start, with ` +
      `its inputs) and the run has no checkpoint to take them from: ${where}. Restore that line from a ` +
      'copy of the log, or start the workflow again with `conductor run`.',
  );
}
