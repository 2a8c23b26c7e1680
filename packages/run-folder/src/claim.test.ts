import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { claimRun, RunOwnedError, readOwner } from './claim.js';
import { claimDir } from './paths.js';
import { currentProcess } from './process.js';

const claimer = fileURLToPath(new URL('../test/claimer.mjs', import.meta.url));
const built = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const children: ChildProcess[] = [];

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

async function home(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'conductor-claim-'));
}

/** A process that claims the run and holds it; resolves with what it printed. */
function startClaimer(dir: string, runId: string) {
  if (!existsSync(built)) throw new Error(`${built} is missing: build the package first (pnpm build)`);
  const child = spawn(process.execPath, [claimer, dir, runId], { stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(child);
  const said = new Promise<{ claimed?: number; owned?: string; pid?: number }>((resolve, reject) => {
    let out = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      if (out.includes('\n')) resolve(JSON.parse(out.slice(0, out.indexOf('\n'))));
    });
    child.once('exit', (code) => {
      if (!out.includes('\n')) reject(new Error(`claimer exited ${code} without a word`));
    });
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, said, exited };
}

describe('claimRun', () => {
  it('gives a run to one owner at a time, numbering owners in turn', async () => {
    const dir = await home();
    const first = await claimRun('r1', { home: dir, purpose: 'run' });
    expect(first.generation).toBe(1);
    expect(first.previous).toBeNull();
    const error = await claimRun('r1', { home: dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunOwnedError);
    expect((error as RunOwnedError).owner.thisProcess).toBe(true);
    expect((error as Error).message).toContain(
      'run r1 is owned by this process (conductor run, generation 1)',
    );
    expect(await readOwner('r1', { home: dir })).toMatchObject({ state: 'alive', thisProcess: true });

    await first.release();
    expect(await readOwner('r1', { home: dir })).toMatchObject({ state: 'released' });
    const second = await claimRun('r1', { home: dir, purpose: 'resume' });
    expect(second.generation).toBe(2);
    expect(second.previous?.state).toBe('released');
  });

  it('refuses a claim while another live process holds the run, naming it, and writes nothing', async () => {
    const dir = await home();
    const holder = startClaimer(dir, 'r2');
    expect(await holder.said).toEqual({ claimed: 1 });
    const before = await readdir(claimDir('r2', dir));
    const error = (await claimRun('r2', { home: dir }).catch((e: unknown) => e)) as RunOwnedError;
    expect(error.code).toBe('CONDUCTOR_RUN_OWNED');
    expect(error.owner.claim.owner.pid).toBe(holder.child.pid);
    expect(error.message).toContain(`owned by process ${holder.child.pid} (conductor test, generation 1)`);
    expect(error.message).toContain('conductor stop r2');
    expect(await readdir(claimDir('r2', dir))).toEqual(before);
  });

  it('takes over from an owner killed with kill -9', async () => {
    const dir = await home();
    const holder = startClaimer(dir, 'r3');
    expect(await holder.said).toEqual({ claimed: 1 });
    holder.child.kill('SIGKILL');
    await holder.exited;
    expect(await readOwner('r3', { home: dir })).toMatchObject({ state: 'dead' });
    const claim = await claimRun('r3', { home: dir });
    expect(claim.generation).toBe(2);
    expect(claim.previous).toMatchObject({ state: 'dead', claim: { owner: { pid: holder.child.pid } } });
  });

  it('does not take a reused pid for the owner: same pid, another start time, is a dead owner', async () => {
    const dir = await home();
    await mkdir(claimDir('r4', dir), { recursive: true });
    const me = currentProcess();
    await writeFile(
      join(claimDir('r4', dir), '1.json'),
      JSON.stringify({
        run_id: 'r4',
        generation: 1,
        pid: me.pid,
        process_start: `${me.start}-of-an-earlier-process`,
        host: me.host,
        since: '2026-01-01T00:00:00.000Z',
        purpose: 'run',
        released_at: null,
      }),
    );
    expect(await readOwner('r4', { home: dir })).toMatchObject({ state: 'dead', thisProcess: false });
    expect((await claimRun('r4', { home: dir })).generation).toBe(2);
  });

  it('of 10 processes claiming at once, exactly one gets the run, 5 times over', async () => {
    for (let trial = 0; trial < 5; trial++) {
      const dir = await home();
      const claimers = Array.from({ length: 10 }, () => startClaimer(dir, 'race'));
      const said = await Promise.all(claimers.map((c) => c.said));
      const winners = said.filter((s) => s.claimed !== undefined);
      expect(winners).toEqual([{ claimed: 1 }]);
      const winner = claimers[said.findIndex((s) => s.claimed !== undefined)];
      for (const s of said.filter((s) => s.owned)) {
        expect(s).toEqual({ owned: 'CONDUCTOR_RUN_OWNED', pid: winner?.child.pid });
      }
      expect(await readdir(claimDir('race', dir))).toEqual(['1.json']);
      for (const c of claimers) c.child.kill('SIGKILL');
    }
  });

  it('abandon() takes back a claim that was never used, with the folder it made', async () => {
    const dir = await home();
    const claim = await claimRun('r5', { home: dir });
    await claim.abandon();
    expect(existsSync(join(dir, 'runs', 'r5'))).toBe(false);
    expect(await readOwner('r5', { home: dir })).toBeNull();
  });

  it('keeps the newest two claims on release, and a damaged claim file counts as a dead owner', async () => {
    const dir = await home();
    for (let i = 0; i < 4; i++) await (await claimRun('r6', { home: dir })).release();
    expect((await readdir(claimDir('r6', dir))).sort()).toEqual(['3.json', '4.json']);
    await writeFile(join(claimDir('r6', dir), '5.json'), '{ not json');
    expect(await readOwner('r6', { home: dir })).toMatchObject({ state: 'dead' });
    const claim = await claimRun('r6', { home: dir });
    expect(claim.generation).toBe(6);
    expect(JSON.parse(await readFile(claim.path, 'utf8'))).toMatchObject({ generation: 6, pid: process.pid });
  });
});
