/**
 * Secrets a provider holds (API keys, tokens, header values) never leave it in a message: an API that
 * echoes the key in its error ("Incorrect API key provided: sk-...") would otherwise put it in the
 * run's events, checkpoints and dashboard.
 */
export type Redact = (text: string) => string;

export const REDACTED = '[redacted]';

/** Values shorter than this are not secrets worth hiding (and replacing them would garble messages). */
const MIN_SECRET_LENGTH = 4;

/** Replaces every secret in a text, and the password of any `user:password@` URL. */
export function redactor(secrets: readonly (string | undefined)[]): Redact {
  const values = [...new Set(secrets)]
    .filter(
      (secret): secret is string => typeof secret === 'string' && secret.trim().length >= MIN_SECRET_LENGTH,
    )
    .sort((a, b) => b.length - a.length);
  return (text) => {
    let out = text;
    for (const secret of values) out = out.split(secret).join(REDACTED);
    return out.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@]*:)[^\s/@]+@/gi, `$1${REDACTED}@`);
  };
}
