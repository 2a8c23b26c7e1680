// `pnpm bench:peers`: the same loop of N steps, each persisted before the next starts, in Conductor,
// LangGraph.js + SqliteSaver and Mastra + LibSQLStore. Each run is a fresh child process; the systems
// take turns (one run of each per round), so a busy machine slows them alike. Prints each system's time
// per step (median and spread of the runs) and its ratio to Conductor's median.
//   node bench/peers/run.mjs [--steps 5000] [--runs 5] [--only conductor,langgraph,mastra]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = fileURLToPath(import.meta.url);
const SYSTEMS = {
  conductor: { label: 'Conductor (set loop, JSONL log)', module: './conductor.mjs', fn: 'runConductor' },
  langgraph: { label: 'LangGraph.js + SqliteSaver', module: './langgraph.mjs', fn: 'runLangGraph' },
  mastra: { label: 'Mastra + LibSQLStore (file)', module: './mastra.mjs', fn: 'runMastra' },
};

function option(name, fallback) {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? fallback : process.argv[at + 1];
}

/** In the child: one run of one system, printed as JSON on the last line. */
async function child(system, steps) {
  const { module, fn } = SYSTEMS[system];
  const dir = mkdtempSync(join(tmpdir(), `conductor-peers-${system}-`));
  try {
    const run = (await import(module))[fn];
    const target = system === 'conductor' ? dir : join(dir, 'bench.db');
    const result = await run(steps, target);
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Runs the comparison; returns the rows (also used by bench/run.mjs's report). */
export function compare({ steps = 5000, runs = 5, only = Object.keys(SYSTEMS), log = () => {} } = {}) {
  const times = Object.fromEntries(only.map((name) => [name, []]));
  const persisted = {};
  for (let round = 0; round < runs; round++) {
    for (const name of only) {
      const out = execFileSync(process.execPath, [here, '--child', name, '--steps', String(steps)], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
        maxBuffer: 16 << 20,
      });
      const result = JSON.parse(out.trim().split('\n').at(-1));
      times[name].push((result.ms * 1000) / steps);
      persisted[name] = result.persisted;
      log(`round ${round + 1}/${runs} ${name}: ${((result.ms * 1000) / steps).toFixed(1)} µs/step`);
    }
  }
  const ours = times.conductor ? median(times.conductor) : null;
  return only.map((name) => {
    const values = times[name];
    const mid = median(values);
    return {
      system: name,
      label: SYSTEMS[name].label,
      medianUs: mid,
      minUs: Math.min(...values),
      maxUs: Math.max(...values),
      ratio: ours ? mid / ours : null,
      persisted: persisted[name],
    };
  });
}

if (process.argv.includes('--child')) {
  await child(option('child'), Number(option('steps')));
} else if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const steps = Number(option('steps', 5000));
  const runs = Number(option('runs', 5));
  const only = option('only', Object.keys(SYSTEMS).join(',')).split(',');
  console.log(
    `The same loop of ${steps.toLocaleString('en')} steps, ${runs} runs each, in turns (Node ${process.version}).`,
  );
  const rows = compare({ steps, runs, only, log: (line) => console.error(`  ${line}`) });
  console.log('');
  console.log(
    `${'system'.padEnd(34)} ${'µs/step median'.padStart(14)} ${'spread (min–max)'.padStart(18)} ${'× Conductor'.padStart(12)}  written per run`,
  );
  for (const row of rows) {
    const spread = `${row.minUs.toFixed(0)}–${row.maxUs.toFixed(0)}`;
    const ratio = row.ratio === null ? '' : `${row.ratio.toFixed(1)}×`;
    const what =
      row.system === 'conductor'
        ? `${row.persisted} events`
        : row.system === 'langgraph'
          ? `${row.persisted} checkpoints`
          : `${row.persisted} snapshots`;
    console.log(
      `${row.label.padEnd(34)} ${row.medianUs.toFixed(1).padStart(14)} ${spread.padStart(18)} ${ratio.padStart(12)}  ${what}`,
    );
  }
}
