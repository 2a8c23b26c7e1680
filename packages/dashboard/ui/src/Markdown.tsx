import { lazy, Suspense } from 'react';

// The Markdown parser is a fifth of the page's script and no part of its first view (it renders gate
// prompts, dialogs and outputs): it is loaded on first use, or once the page is idle.
const loadView = () => import('./MarkdownView');
const MarkdownView = lazy(async () => ({ default: (await loadView()).MarkdownView }));
if (typeof window !== 'undefined') {
  const preload = () => void loadView();
  if ('requestIdleCallback' in window) window.requestIdleCallback(preload, { timeout: 2000 });
  else setTimeout(preload, 500);
}

/**
 * Markdown as React elements (react-markdown: CommonMark, no `dangerouslySetInnerHTML`), for gate
 * prompts and prose outputs. Until the parser has loaded, the text shows as it is.
 */
export function Markdown({ source, testId }: { source: string; testId?: string }) {
  return (
    <Suspense fallback={<div className="markdown markdown-loading">{source}</div>}>
      <MarkdownView source={source} {...(testId === undefined ? {} : { testId })} />
    </Suspense>
  );
}
