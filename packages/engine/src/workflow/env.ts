import { type Document, parse as parseYaml, Scalar } from 'yaml';
import type { WorkflowIssue } from './errors.js';
import { forEachScalar, type Locator } from './locate.js';

export type Env = Record<string, string | undefined>;

const ENV_REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;
const MAX_ROUNDS = 10;

/**
 * Replaces `${VAR}` and `${VAR:-default}` in `text` from `env`. A value may itself contain references (resolved
 * up to 10 levels, as in the original conductor). Calls `onMissing` for each unset variable without a default
 * and leaves its reference in place.
 */
export function substituteEnv(text: string, env: Env, onMissing: (name: string) => void): string {
  let result = text;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    let missing = false;
    const next = result.replace(ENV_REFERENCE, (whole, name: string, fallback: string | undefined) => {
      const value = env[name];
      if (value !== undefined) return value;
      if (fallback !== undefined) return fallback;
      missing = true;
      onMissing(name);
      return whole;
    });
    if (missing || next === result || next.search(ENV_REFERENCE) === -1) return next;
    result = next;
  }
  throw new Error(
    `environment variables in "${text}" refer to each other more than ${MAX_ROUNDS} levels deep`,
  );
}

/**
 * Substitutes environment variables in every scalar value of the document, in place, so node positions still
 * point into the original source. An unquoted scalar is read again after substitution, so
 * `max_iterations: ${MAX:-5}` is the number 5 (as if substitution happened before parsing).
 */
export function substituteDocumentEnv(doc: Document, env: Env, locator: Locator): WorkflowIssue[] {
  const issues: WorkflowIssue[] = [];
  forEachScalar(doc.contents, [], (scalar, path) => {
    if (typeof scalar.value !== 'string' || !scalar.value.includes('${')) return;
    const original = scalar.value;
    let substituted: string;
    try {
      substituted = substituteEnv(original, env, (name) => {
        issues.push(
          locator.issue('error', path, `environment variable "${name}" is not set`, {
            find: new RegExp(`\\$\\{${name}\\b`),
            hint: `Set ${name}, or give a default with \${${name}:-default}.`,
          }),
        );
      });
    } catch (error) {
      issues.push(locator.issue('error', path, (error as Error).message));
      return;
    }
    if (substituted === original) return;
    scalar.value = substituted;
    if (scalar.type === Scalar.PLAIN) {
      try {
        const retyped: unknown = parseYaml(substituted);
        if (typeof retyped === 'number' || typeof retyped === 'boolean') scalar.value = retyped;
      } catch {
        // Not a scalar on its own (e.g. contains ": "): keep the string.
      }
    }
  });
  return issues;
}
