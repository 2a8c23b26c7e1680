/**
 * A store URL without its secrets: the password (and any `password=` query parameter) replaced by `***`.
 * Everything a store prints, logs or puts in an error or an event goes through this.
 */
export function redactStoreUrl(spec: string): string {
  let url: URL;
  try {
    url = new URL(spec);
  } catch {
    // Not a URL: hide anything between `:` and `@` that looks like credentials.
    return spec.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:***@');
  }
  if (url.password) url.password = '***';
  for (const key of [...url.searchParams.keys()]) {
    if (/pass|secret|token|key/i.test(key)) url.searchParams.set(key, '***');
  }
  return url.toString();
}

/** Replaces every occurrence of `secret` in `text`, for messages of drivers that echo what they were given. */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length > 0) out = out.split(secret).join('***');
  return out;
}
