import './allRunsLink.css';
import type { InfoBody } from '../../../src/protocol';

/** Back to the list of every run, when this run view is one of `conductor dashboard`'s. */
export function AllRunsLink({ info }: { info: InfoBody }) {
  if (!info.runs_url) return null;
  return (
    <a className="all-runs-link" href={info.runs_url}>
      ← All runs
    </a>
  );
}
