// A process that claims a run (from the built package) and holds it until killed or told to release.
//   node claimer.mjs <home> <run-id> [--release-on-stdin]
// Prints one JSON line: {"claimed": <generation>} or {"owned": "<code>", "pid": <owner pid>}.
import { claimRun } from '../dist/index.js';

const [home, runId] = process.argv.slice(2);
try {
  const claim = await claimRun(runId, { home, purpose: 'test' });
  process.stdout.write(`${JSON.stringify({ claimed: claim.generation })}\n`);
  process.stdin.resume();
  process.stdin.on('end', async () => {
    await claim.release();
    process.exit(0);
  });
} catch (error) {
  process.stdout.write(
    `${JSON.stringify({ owned: error.code, pid: error.owner?.claim.owner.pid ?? null })}\n`,
  );
  process.exit(3);
}
