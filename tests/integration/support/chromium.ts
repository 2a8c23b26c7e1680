import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from 'playwright-core';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const artifactsDir = join(repoRoot, 'artifacts', 'e2e');

/** The system Chromium (Playwright's own download is not reachable): CONDUCTOR_CHROMIUM or /usr/bin/chromium. */
export function chromiumPath(): string | null {
  const candidates = [process.env.CONDUCTOR_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'];
  return candidates.find((path): path is string => Boolean(path && existsSync(path))) ?? null;
}

export async function launchChromium(): Promise<Browser> {
  const executablePath = chromiumPath();
  if (!executablePath)
    throw new Error('no Chromium: run `node scripts/ensure-chromium.mjs` or set CONDUCTOR_CHROMIUM');
  const browser = await chromium.launch({
    executablePath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  // Playwright's 30 s default per action is too short on a loaded 2-core CI machine, where one
  // page wait has been seen to take longer; the test's own timeout (vitest.config.ts) still bounds it.
  const newPage = browser.newPage.bind(browser);
  browser.newPage = async (options) => {
    const page = await newPage(options);
    page.setDefaultTimeout(90_000);
    return page;
  };
  return browser;
}

export function screenshotPath(name: string): string {
  mkdirSync(artifactsDir, { recursive: true });
  return join(artifactsDir, `${name}.png`);
}
