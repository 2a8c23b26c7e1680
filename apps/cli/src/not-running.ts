import { type OwnerStatus, readRunRecord } from '@conductor/run-folder';

/** Why a run is not running in a process of this host, for `stop` (the command and the run browser's). */
export async function whyNotRunning(runId: string, home: string, owner: OwnerStatus | null): Promise<string> {
  if (owner?.state === 'dead')
    return `its process died without ending it; continue it with \`conductor resume --run ${runId}\``;
  if (owner?.state === 'unknown') return `it runs on host ${owner.claim.owner.host}: stop it there`;
  const record = await readRunRecord(runId, { home }).catch(() => null);
  return `status: ${record?.status ?? 'unknown'}`;
}
