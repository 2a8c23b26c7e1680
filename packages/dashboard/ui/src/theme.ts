import { useCallback, useEffect, useState } from 'react';
import type { ColorScheme } from '../../src/protocol';

const THEME_KEY = 'conductor.theme';

/** The choice this browser made with the toggle, if any (it wins over the embedder's `colorScheme`). */
function storedChoice(): ColorScheme | null {
  try {
    const value = localStorage.getItem(THEME_KEY);
    return value === 'light' || value === 'dark' || value === 'system' ? value : null;
  } catch {
    return null;
  }
}

/** The next choice of the toggle: system → light → dark → system. */
export function nextScheme(scheme: ColorScheme): ColorScheme {
  return scheme === 'system' ? 'light' : scheme === 'light' ? 'dark' : 'system';
}

/**
 * The page's colour scheme: the toggle's choice, else the embedder's `colorScheme`, else the system's
 * preference (`prefers-color-scheme`, in the style sheet). Set as `data-theme` on <html>.
 */
export function useColorScheme(fromServer: ColorScheme | undefined) {
  const [choice, setChoice] = useState<ColorScheme | null>(storedChoice);
  const scheme = choice ?? fromServer ?? 'system';
  useEffect(() => {
    const root = document.documentElement;
    if (scheme === 'system') delete root.dataset.theme;
    else root.dataset.theme = scheme;
  }, [scheme]);
  const toggle = useCallback(() => {
    const next = nextScheme(scheme);
    setChoice(next);
    try {
      localStorage.setItem(THEME_KEY, next);
    } catch {
      // Storage may be disabled: the choice lasts for this page.
    }
  }, [scheme]);
  return { scheme, toggle };
}
