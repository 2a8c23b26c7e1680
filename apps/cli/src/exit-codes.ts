/** The exit codes of `conductor`, documented in the README and `conductor --help`. */
export const ExitCode = {
  /** The command did what was asked; a run completed. */
  Success: 0,
  /** A run failed (a step failed, a limit was hit, a terminate step said failed). Its checkpoint is kept. */
  RunFailed: 1,
  /** The workflow, an input, a checkpoint or the command line is invalid. Nothing was run. */
  Invalid: 2,
  /** Another live process owns the run (it is running there). Nothing was written to it. */
  Owned: 3,
  /** Interrupted by Ctrl-C or SIGTERM; a checkpoint was written, `conductor resume` continues. */
  Interrupted: 130,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export const EXIT_CODES_HELP = `
Exit codes:
  0    success
  1    the run failed (its checkpoint is kept: see \`conductor resume\`)
  2    invalid workflow, input, checkpoint or command line (nothing was run)
  3    the run is owned by another live process (it is running there); nothing was written
  130  interrupted (Ctrl-C or SIGTERM); a checkpoint was written`;
