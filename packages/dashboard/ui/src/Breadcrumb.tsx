import type { RunState } from '@conductor/events';
import type { ReactNode } from 'react';
import { Icon, StatusIcon } from './Icon';
import { graphAt, pathKey, type ViewPath, workflowStatusAt } from './workflowView';

/** Where the graph panel is: the root workflow › each parent step, each one a way back. */
export function Breadcrumb({
  state,
  path,
  onNavigate,
}: {
  state: RunState;
  path: ViewPath;
  onNavigate: (path: string[]) => void;
}) {
  const rootName = state.graph?.name ?? state.run.name ?? 'workflow';
  const childName = graphAt(state, path)?.name ?? null;
  const status = workflowStatusAt(state, path);
  const statusLabel = status.charAt(0).toUpperCase() + status.slice(1);
  return (
    <nav className="breadcrumb" data-testid="breadcrumb" aria-label="Sub-workflow path">
      <ol>
        <li className="crumb-root">
          <CrumbButton path={[]} title={`Back to ${rootName}`} onNavigate={onNavigate}>
            <Icon name="up" className="crumb-icon" />
            <span className="crumb-text">{rootName}</span>
          </CrumbButton>
        </li>
        {path.map((segment, i) => {
          const here = path.slice(0, i + 1);
          const last = i === path.length - 1;
          return (
            <li key={pathKey(here)} className={last ? 'crumb-last' : undefined}>
              <Icon name="chevron" className="crumb-sep" />
              {last ? (
                <span
                  className="crumb is-current"
                  aria-current="page"
                  title={childName ? `${segment}: runs ${childName}` : segment}
                >
                  <span className="crumb-text">{segment}</span>
                </span>
              ) : (
                <CrumbButton path={here} title={`Back to ${pathKey(here)}`} onNavigate={onNavigate}>
                  <span className="crumb-text">{segment}</span>
                </CrumbButton>
              )}
            </li>
          );
        })}
      </ol>
      <span
        className={`crumb-status status-${status}`}
        data-testid="subworkflow-status"
        data-status={status}
        title={`${childName ?? 'Sub-workflow'}: ${statusLabel}`}
      >
        <StatusIcon status={status} />
        <span className="crumb-status-label">{statusLabel}</span>
      </span>
    </nav>
  );
}

function CrumbButton({
  path,
  title,
  onNavigate,
  children,
}: {
  path: string[];
  title: string;
  onNavigate: (path: string[]) => void;
  children: ReactNode;
}) {
  return (
    <button
      type="button"
      className="crumb"
      data-testid="breadcrumb-item"
      data-path={pathKey(path)}
      onClick={() => onNavigate(path)}
      title={title}
    >
      {children}
    </button>
  );
}
