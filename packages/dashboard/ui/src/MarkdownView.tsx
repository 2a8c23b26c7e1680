import type { AnchorHTMLAttributes } from 'react';
import ReactMarkdown, { defaultUrlTransform } from 'react-markdown';

/**
 * Markdown as React elements (react-markdown: CommonMark, no `dangerouslySetInnerHTML`), for gate
 * prompts and prose outputs. Raw HTML in the text is dropped, and only web and mail links stay links:
 * a `javascript:` URL never becomes clickable.
 */
export function MarkdownView({ source, testId }: { source: string; testId?: string }) {
  return (
    <div className="markdown" data-testid={testId}>
      <ReactMarkdown skipHtml urlTransform={webOnly} components={{ a: Link }}>
        {source}
      </ReactMarkdown>
    </div>
  );
}

function webOnly(url: string): string {
  const safe = defaultUrlTransform(url);
  return /^(https?:|mailto:)/i.test(safe) ? safe : '';
}

function Link({ href, children }: AnchorHTMLAttributes<HTMLAnchorElement>) {
  if (!href) return <>{children}</>;
  return (
    <a href={href} target="_blank" rel="noreferrer noopener">
      {children}
    </a>
  );
}
