import type { Locator, Page } from 'playwright-core';

/**
 * What a person sees on the dashboard, found the way they find it: by role, name and text. Locators
 * only: waiting stays Playwright's (`waitFor`) and vitest's (`expect.poll`).
 */

type Scope = Page | Locator;

const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A step of the graph by the name its button has: `collect: Completed. Show details`,
 * `review: Completed, 2 attempts. Show details`. `says`: what follows the name, from its start
 * (`Completed`, `Running`, `Completed, 2 attempts`).
 */
export function step(scope: Scope, name: string, says?: string): Locator {
  return scope.getByRole('button', {
    name: new RegExp(`^${literal(name)}: ${says === undefined ? '' : `${literal(says)}[.,]`}`),
  });
}

/** A group of the graph (its button): `research, parallel group, Completed: 2/2 done. Show details`. */
export function group(scope: Scope, name: string, says?: string): Locator {
  return scope.getByRole('button', {
    name: new RegExp(
      `^${literal(name)}, (parallel|for-each) group${says === undefined ? '' : `, ${literal(says)}`}`,
    ),
  });
}

/** The run's status in the header, optionally only once it reads `text` (`Running`, `Completed`). */
export function runStatus(page: Page, text?: string): Locator {
  const status = page.getByRole('status', { name: 'Run status' });
  return text === undefined ? status : status.filter({ hasText: new RegExp(`^${literal(text)}$`) });
}

/** The value a description list shows under `term` (`<dt>Started</dt><dd>…</dd>`). */
export function shownUnder(scope: Scope, term: string): Locator {
  return scope
    .getByRole('term')
    .filter({ hasText: new RegExp(`^${literal(term)}$`) })
    .locator('xpath=following-sibling::dd[1]');
}

/** Unix seconds of the first time shown under `term` (from its `<time datetime>`). */
export async function secondsUnder(scope: Scope, term: string): Promise<number> {
  const iso = await shownUnder(scope, term).first().getByRole('time').getAttribute('datetime');
  return Date.parse(iso ?? '') / 1000;
}

/** How the header shows an elapsed time: `0:03`, `1:02:03`. */
export function clock(seconds: number): string {
  const whole = Math.max(0, Math.floor(seconds));
  const pad = (n: number) => String(n).padStart(2, '0');
  const [h, m, s] = [Math.floor(whole / 3600), Math.floor((whole % 3600) / 60), whole % 60];
  return h > 0 ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
}
