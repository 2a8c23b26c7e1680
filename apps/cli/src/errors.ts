import { ExitCode, type ExitCodeValue } from './exit-codes.js';

/** A problem with what the user asked for: reported in one or more lines, never as a stack trace. */
export class UsageError extends Error {
  readonly code = 'CONDUCTOR_USAGE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UsageError';
  }
}

interface CodedError {
  code: string;
  message: string;
  issues?: unknown[];
}

function isCoded(error: unknown): error is CodedError & Error {
  return error instanceof Error && typeof (error as { code?: unknown }).code === 'string';
}

/** Error codes that mean "the input is wrong": exit 2. */
const INVALID_PREFIXES = [
  'CONDUCTOR_USAGE',
  'CONDUCTOR_WORKFLOW',
  'CONDUCTOR_INPUT',
  'CONDUCTOR_TEMPLATE',
  'CONDUCTOR_CHECKPOINT',
  'CONDUCTOR_RUN_ID',
  'CONDUCTOR_STORE_INVALID',
  'CONDUCTOR_RUN_EXISTS',
  'CONDUCTOR_RUN_RECORD_INVALID',
  'CONDUCTOR_PROVIDER_CONFIG',
  'CONDUCTOR_MOCK',
  'CONDUCTOR_RESUME',
  'CONDUCTOR_EVENT_LOG',
  'CONDUCTOR_OUTPUT_CAP',
  'commander.',
];

/** Prints an error for a person and returns the exit code it stands for. */
export function reportError(
  error: unknown,
  stderr: NodeJS.WritableStream = process.stderr,
  env: Record<string, string | undefined> = process.env,
): ExitCodeValue {
  if (isCoded(error)) {
    const invalid = INVALID_PREFIXES.some((prefix) => error.code.startsWith(prefix));
    stderr.write(`${formatCodedMessage(error)}\n`);
    if (env.CONDUCTOR_DEBUG && error.stack) stderr.write(`${error.stack}\n`);
    if (error.code === 'CONDUCTOR_RUN_OWNED') return ExitCode.Owned;
    return invalid ? ExitCode.Invalid : ExitCode.RunFailed;
  }
  const message = error instanceof Error ? error.message : String(error);
  stderr.write(`conductor: unexpected error: ${message}\n`);
  if (env.CONDUCTOR_DEBUG && error instanceof Error && error.stack) stderr.write(`${error.stack}\n`);
  else stderr.write('Run again with CONDUCTOR_DEBUG=1 for details, and please report it.\n');
  return ExitCode.RunFailed;
}

function formatCodedMessage(error: CodedError): string {
  return error.message.startsWith('conductor') ? error.message : `conductor: ${error.message}`;
}
