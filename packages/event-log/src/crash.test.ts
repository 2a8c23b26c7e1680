import { type ChildProcess, spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { openEventLog, readEventLog } from './index.js';
import { collect, tempDir } from './test-helpers.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const typescript = createRequire(import.meta.url).resolve('typescript');

/**
 * Module hooks that let a plain `node` child import this package's TypeScript source: workspace
 * packages resolve to their `src/index.ts`, './x.js' to './x.ts', and .ts files are transpiled.
 */
const HOOKS = `
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
const ts = createRequire(import.meta.url)(${JSON.stringify(typescript)});
const root = ${JSON.stringify(repoRoot)};
export async function resolve(specifier, context, next) {
  const pkg = /^@conductor\\/([a-z-]+)$/.exec(specifier);
  if (pkg) return { url: pathToFileURL(root + 'packages/' + pkg[1] + '/src/index.ts').href, shortCircuit: true };
  if (specifier.startsWith('.') && specifier.endsWith('.js') && context.parentURL?.endsWith('.ts')) {
    const url = new URL(specifier.slice(0, -3) + '.ts', context.parentURL);
    if (existsSync(fileURLToPath(url))) return { url: url.href, shortCircuit: true };
  }
  return next(specifier, context);
}
export async function load(url, context, next) {
  if (!url.endsWith('.ts')) return next(url, context);
  const fileName = fileURLToPath(url);
  const { outputText } = ts.transpileModule(readFileSync(fileName, 'utf8'), {
    fileName,
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
  });
  return { format: 'module', source: outputText, shortCircuit: true };
}
`;

/** Appends forever through the real writer; big events make a kill inside a write() likely. */
const CHILD = (logPath: string) => `
import { openEventLog } from ${JSON.stringify(pathToFileURL(join(repoRoot, 'packages/event-log/src/index.ts')).href)};
const writer = await openEventLog(${JSON.stringify(logPath)});
const big = 'x'.repeat(4 * 1024 * 1024);
for (let seq = writer.lastSeq + 1; ; seq++) {
  const content = seq % 50 === 0 ? big : 'chunk ' + seq;
  writer.append({ seq, type: 'agent_message', timestamp: Date.now() / 1000, data: { agent_name: 'coder', content } });
  if (seq % 100 === 0) process.stdout.write(seq + '\\n');
}
`;

/** Follows the highest seq the child printed, its stderr, and whether it exited. */
function watch(child: ChildProcess): { seq: number; stderr: string; exited: boolean } {
  const seen = { seq: 0, stderr: '', exited: false };
  child.stdout?.on('data', (chunk: Buffer) => {
    for (const seq of chunk.toString().trim().split('\n').map(Number)) if (seq > seen.seq) seen.seq = seq;
  });
  child.stderr?.on('data', (chunk) => {
    seen.stderr += chunk;
  });
  child.on('exit', () => {
    seen.exited = true;
  });
  return seen;
}

describe('a writer killed with SIGKILL', () => {
  it('leaves a log that reopens, repairs and reads cleanly, twice in a row', async () => {
    const dir = await tempDir();
    const logPath = join(dir, 'runs', 'r1', 'events.jsonl');
    await writeFile(join(dir, 'hooks.mjs'), HOOKS);
    await writeFile(
      join(dir, 'register.mjs'),
      `import { register } from 'node:module';\nregister('./hooks.mjs', import.meta.url);\n`,
    );
    await writeFile(join(dir, 'child.mjs'), CHILD(logPath));

    let expectedFirst = 1;
    for (const target of [300, 700]) {
      const child = spawn(process.execPath, ['--import', join(dir, 'register.mjs'), join(dir, 'child.mjs')], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const exited = new Promise((resolve) => child.on('exit', resolve));
      const seen = watch(child);
      await vi.waitFor(
        () => {
          expect(seen.exited, `the child exited early: ${seen.stderr}`).toBe(false);
          expect(seen.seq, `the child did not reach seq ${target}: ${seen.stderr}`).toBeGreaterThanOrEqual(
            target,
          );
        },
        { timeout: 60_000, interval: 20 },
      );
      child.kill('SIGKILL');
      await exited;

      const writer = await openEventLog(logPath);
      if (writer.repaired?.action === 'moved-fragment') {
        expect((await readFile(writer.repaired.fragmentPath)).length).toBe(writer.repaired.bytes);
      }
      const log = readEventLog(logPath);
      const seqs = (await collect(log)).map((e) => e.seq);
      expect(log.skipped).toBe(0);
      expect(seqs.length).toBeGreaterThanOrEqual(target);
      // No gap, no duplicate, no merged line: 1..N exactly.
      expect(seqs[0]).toBe(1);
      expect(seqs.at(-1)).toBe(seqs.length);
      expect(seqs[expectedFirst - 1]).toBe(expectedFirst);
      expect(writer.lastSeq).toBe(seqs.length);
      await writer.close();
      expectedFirst = seqs.length + 1;
    }
  });
});
