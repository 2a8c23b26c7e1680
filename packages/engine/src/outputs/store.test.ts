import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { OutputCapError, resolveMaxOutputChars } from './limits.js';
import { createOutputStore, DEFAULT_MAX_OUTPUT_CHARS, type SpilledText } from './store.js';

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');
const outputsDir = () => join(mkdtempSync(join(tmpdir(), 'conductor-outputs-')), 'outputs');
const name = { step: 'build', field: 'stdout' };

describe('output store', () => {
  it('gives a text that fits the cap back as it is, and writes no file', async () => {
    const dir = outputsDir();
    const store = createOutputStore({ dir, maxChars: 1000 });
    expect(await store.cap('x'.repeat(1000), name)).toBe('x'.repeat(1000));
    expect(await store.captureStream(Readable.from([Buffer.from('héllo')]), name)).toEqual({
      text: 'héllo',
      tail: 'héllo',
    });
    expect(() => readdirSync(dir)).toThrow(/ENOENT/);
  });

  it('stores a longer text whole in a 0600 file and keeps its head, size and hash', async () => {
    const dir = outputsDir();
    const store = createOutputStore({ dir, maxChars: 1000, generation: 2 });
    const text = `${'é'.repeat(1500)}end`;
    const capped = (await store.cap(text, {
      step: 'sub step',
      path: ['outer'],
      field: 'result',
    })) as SpilledText;
    // Half the cap: the event that carries the head stays under the cap.
    expect(capped.head).toBe('é'.repeat(500));
    expect(capped.head_chars).toBe(500);
    expect(capped.bytes).toBe(Buffer.byteLength(text));
    expect(capped.ref).toBe('g2-1-outer_sub_step.result');
    expect(capped.path).toBe(join(dir, capped.ref));
    expect(readFileSync(capped.path, 'utf8')).toBe(text);
    expect(capped.sha256).toBe(sha256(text));
    expect(statSync(capped.path).mode & 0o777).toBe(0o600);
  });

  it('captures a stream past the cap into a file, byte for byte, with multi-byte characters split across chunks', async () => {
    const store = createOutputStore({ dir: outputsDir(), maxChars: 1000 });
    const whole = Buffer.from(`${'€'.repeat(5000)}\nlast line\n`);
    // Chunks of 7 bytes split every 3-byte € somewhere.
    const chunks: Buffer[] = [];
    for (let i = 0; i < whole.length; i += 7) chunks.push(whole.subarray(i, i + 7));
    const captured = await store.captureStream(Readable.from(chunks), name);
    const spilled = captured.text as SpilledText;
    expect(spilled.head).toBe('€'.repeat(500));
    expect(spilled.bytes).toBe(whole.length);
    expect(readFileSync(spilled.path).equals(whole)).toBe(true);
    expect(spilled.sha256).toBe(sha256(whole));
    expect(captured.tail.endsWith('€\nlast line\n')).toBe(true);
    expect(captured.tail).not.toContain('\uFFFD');
  });

  it('never reuses a file name: each spill gets the next number', async () => {
    const dir = outputsDir();
    const store = createOutputStore({ dir, maxChars: 1000 });
    const again = createOutputStore({ dir, maxChars: 1000 });
    const long = 'y'.repeat(1001);
    const refs = [
      ((await store.cap(long, name)) as SpilledText).ref,
      ((await store.cap(long, name)) as SpilledText).ref,
      // A second store of the same generation (a process that restarted) skips existing files.
      ((await again.cap(long, name)) as SpilledText).ref,
    ];
    expect(refs).toEqual(['g0-1-build.stdout', 'g0-2-build.stdout', 'g0-3-build.stdout']);
  });
});

describe('output cap setting', () => {
  it('is the option, else CONDUCTOR_MAX_OUTPUT_CHARS, else 50000', () => {
    expect(resolveMaxOutputChars(undefined, {})).toBe(DEFAULT_MAX_OUTPUT_CHARS);
    expect(DEFAULT_MAX_OUTPUT_CHARS).toBe(50_000);
    expect(resolveMaxOutputChars(undefined, { CONDUCTOR_MAX_OUTPUT_CHARS: '2000' })).toBe(2000);
    expect(resolveMaxOutputChars(3000, { CONDUCTOR_MAX_OUTPUT_CHARS: '2000' })).toBe(3000);
  });

  it('refuses a value that is not a whole number of at least 1000, naming where it came from', () => {
    expect(() => resolveMaxOutputChars(undefined, { CONDUCTOR_MAX_OUTPUT_CHARS: '10k' })).toThrow(
      /CONDUCTOR_MAX_OUTPUT_CHARS="10k" is not a usable output cap.*at least 1000/,
    );
    expect(() => resolveMaxOutputChars(999, {})).toThrow(OutputCapError);
  });
});
