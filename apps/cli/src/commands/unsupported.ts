import { UsageError } from '../errors.js';
import type { ExitCodeValue } from '../exit-codes.js';

/** Commands of the original conductor this one does not have, and what to do instead. */
export const UNSUPPORTED: Record<string, string> = {
  guide:
    'a running run takes no guidance here; stop it (`conductor stop`) and continue it with `conductor resume <workflow> --guidance "..."`',
  fleet: 'there is no fleet view yet; `conductor status --all` lists every run on record',
  registry: "workflow registries are not supported: give the workflow file's path",
  plugin: 'plugins (copilot / claude-agent-sdk) are not supported: this conductor has no such providers',
  doctor:
    'there is no doctor command; `conductor validate <workflow>` checks a workflow, `conductor --version` the install',
  update: 'update conductor with the package manager that installed it',
};

/** Says that the command is the original's, not this one's, and what to use instead (exit 2). */
export function unsupportedCommand(name: string): () => Promise<ExitCodeValue> {
  return async () => {
    throw new UsageError(
      `\`conductor ${name}\` is a command of the original conductor that this one does not have: ${UNSUPPORTED[name]}. See docs/compatibility.md.`,
    );
  };
}
