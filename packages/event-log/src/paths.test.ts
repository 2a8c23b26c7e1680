import { homedir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { conductorHome, eventLogPath, runDir } from './index.js';

describe('paths', () => {
  it('uses CONDUCTOR_HOME, else ~/.conductor', () => {
    expect(conductorHome({ CONDUCTOR_HOME: '/tmp/ch' })).toBe('/tmp/ch');
    expect(conductorHome({ CONDUCTOR_HOME: '' })).toBe(join(homedir(), '.conductor'));
    expect(conductorHome({})).toBe(join(homedir(), '.conductor'));
  });

  it('places a run log at runs/<run_id>/events.jsonl', () => {
    expect(runDir('run_1-A', '/h')).toBe('/h/runs/run_1-A');
    expect(eventLogPath('run_1-A', '/h')).toBe('/h/runs/run_1-A/events.jsonl');
  });

  it.each(['', '../etc', 'a/b', 'a.b', 'x'.repeat(65), 'é'])(
    'rejects run id %j with CONDUCTOR_RUN_ID',
    (id) => {
      expect(() => eventLogPath(id, '/h')).toThrow(expect.objectContaining({ code: 'CONDUCTOR_RUN_ID' }));
    },
  );
});
