import { Fragment, type ReactNode } from 'react';

/**
 * A small Markdown renderer for gate prompts: paragraphs, headings, lists, fenced code, `code`,
 * **bold**, *italic* and links. It builds React elements only, so raw HTML in a prompt is shown as text.
 */
export function Markdown({ source }: { source: string }) {
  return <div className="markdown">{blocks(source)}</div>;
}

/** Blocks keyed by the line they start on: stable for a given prompt. */
type Block = { line: number } & (
  | { kind: 'p'; text: string }
  | { kind: 'h'; level: number; text: string }
  | { kind: 'ul' | 'ol'; items: Array<{ line: number; text: string }> }
  | { kind: 'code'; text: string }
);

function parse(source: string): Block[] {
  const lines = source.replace(/\r\n?/g, '\n').split('\n');
  const out: Block[] = [];
  let paragraph: string[] = [];
  let paragraphLine = 0;
  const endParagraph = () => {
    if (paragraph.length > 0) out.push({ kind: 'p', line: paragraphLine, text: paragraph.join(' ') });
    paragraph = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.trim().startsWith('```')) {
      endParagraph();
      const start = i;
      const code: string[] = [];
      for (i++; i < lines.length && !(lines[i] as string).trim().startsWith('```'); i++)
        code.push(lines[i] as string);
      out.push({ kind: 'code', line: start, text: code.join('\n') });
      continue;
    }
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    const bullet = /^\s*[-*+]\s+(.*)$/.exec(line);
    const numbered = /^\s*\d+[.)]\s+(.*)$/.exec(line);
    if (heading) {
      endParagraph();
      out.push({ kind: 'h', line: i, level: (heading[1] as string).length, text: heading[2] as string });
    } else if (bullet || numbered) {
      endParagraph();
      const kind = bullet ? 'ul' : 'ol';
      const item = { line: i, text: ((bullet ?? numbered) as RegExpExecArray)[1] as string };
      const last = out[out.length - 1];
      if (last && last.kind === kind) last.items.push(item);
      else out.push({ kind, line: i, items: [item] });
    } else if (line.trim() === '') {
      endParagraph();
    } else {
      if (paragraph.length === 0) paragraphLine = i;
      paragraph.push(line.trim());
    }
  }
  endParagraph();
  return out;
}

function blocks(source: string): ReactNode[] {
  return parse(source).map((block) => {
    switch (block.kind) {
      case 'p':
        return <p key={block.line}>{inline(block.text)}</p>;
      case 'h':
        return (
          <p key={block.line} className={`markdown-h markdown-h${Math.min(block.level, 3)}`}>
            {inline(block.text)}
          </p>
        );
      case 'code':
        return (
          <pre key={block.line}>
            <code>{block.text}</code>
          </pre>
        );
      case 'ul':
      case 'ol': {
        const List = block.kind;
        return (
          <List key={block.line}>
            {block.items.map((item) => (
              <li key={item.line}>{inline(item.text)}</li>
            ))}
          </List>
        );
      }
    }
    return null;
  });
}

const INLINE = /(`[^`]+`)|(\*\*[^*]+\*\*|__[^_]+__)|(\*[^*\s][^*]*\*|_[^_\s][^_]*_)|(\[[^\]]+\]\([^)\s]+\))/;

function inline(text: string): ReactNode[] {
  const nodes: ReactNode[] = [];
  let rest = text;
  let key = 0;
  while (rest.length > 0) {
    const match = INLINE.exec(rest);
    if (!match) {
      nodes.push(rest);
      break;
    }
    if (match.index > 0) nodes.push(rest.slice(0, match.index));
    const token = match[0];
    if (match[1]) nodes.push(<code key={key++}>{token.slice(1, -1)}</code>);
    else if (match[2]) nodes.push(<strong key={key++}>{inline(token.slice(2, -2))}</strong>);
    else if (match[3]) nodes.push(<em key={key++}>{inline(token.slice(1, -1))}</em>);
    else {
      const link = /^\[([^\]]+)\]\(([^)\s]+)\)$/.exec(token) as RegExpExecArray;
      const href = link[2] as string;
      // Only web links: a `javascript:` URL in a prompt must not become clickable.
      nodes.push(
        /^https?:\/\//i.test(href) ? (
          <a key={key++} href={href} target="_blank" rel="noreferrer noopener">
            {link[1]}
          </a>
        ) : (
          <Fragment key={key++}>{token}</Fragment>
        ),
      );
    }
    rest = rest.slice(match.index + token.length);
  }
  return nodes;
}
