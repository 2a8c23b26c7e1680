export type RunViewKind = 'graph' | 'timeline';

/** Graph or timeline: two views of the same run in the same panel. */
export function ViewSwitch({ view, onChange }: { view: RunViewKind; onChange: (view: RunViewKind) => void }) {
  return (
    <fieldset className="view-switch">
      <legend className="visually-hidden">View</legend>
      {(['graph', 'timeline'] as const).map((kind) => (
        <button
          key={kind}
          type="button"
          className="view-switch-button"
          aria-pressed={view === kind}
          data-testid={`view-${kind}`}
          onClick={() => onChange(kind)}
        >
          {kind === 'graph' ? 'Graph' : 'Timeline'}
        </button>
      ))}
    </fieldset>
  );
}
