import { conductorHome, listRunRecords } from '@conductor/run-folder';
import { UsageError } from '../errors.js';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';
import type { CommandIo } from '../io.js';
import { parsePort } from '../web.js';

export interface GateRespondOptions {
  port: string;
  choice: string;
  agent?: string;
  input?: string;
  token?: string;
}

interface PendingGate {
  step: string;
  options: Array<{ value: string; prompt_for?: string | null }>;
}

/**
 * `conductor gate respond -p PORT -c CHOICE`: answers a human gate of the run whose dashboard listens
 * on PORT, as its page would (POST /api/gate). The token comes from `--token`, else from the run's
 * record (the dashboard URL it printed). `-a` names the gate's step; default: the one waiting.
 */
export async function gateRespondCommand(io: CommandIo, options: GateRespondOptions): Promise<ExitCodeValue> {
  const port = parsePort(options.port);
  const token = options.token ?? (await tokenOfDashboard(io, port));
  const base = `http://127.0.0.1:${port}`;
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const call = async (path: string, init: RequestInit = {}) => {
    try {
      return await fetch(`${base}${path}`, { ...init, headers });
    } catch (error) {
      throw new UsageError(`no dashboard answers on port ${port} (${(error as Error).message}).`, {
        cause: error,
      });
    }
  };
  let step = options.agent;
  if (step === undefined) {
    const state = (await (await call('/api/state')).json()) as { state?: { gate?: PendingGate | null } };
    const gate = state.state?.gate;
    if (!gate) throw new UsageError(`the run on port ${port} waits at no gate.`);
    step = gate.step;
  }
  const response = await call('/api/gate', {
    method: 'POST',
    body: JSON.stringify({
      step,
      value: options.choice,
      ...(options.input === undefined ? {} : { additional_input: options.input }),
    }),
  });
  if (!response.ok) {
    const body = (await response.json().catch(() => ({}))) as { error?: { message?: string } };
    throw new UsageError(
      `the dashboard refused the answer (${response.status}): ${body.error?.message ?? response.statusText}`,
    );
  }
  io.stderr.write(`answered gate "${step}" with "${options.choice}"\n`);
  return ExitCode.Success;
}

/** The token in the dashboard URL a run of this conductor recorded for `port`. */
async function tokenOfDashboard(io: CommandIo, port: number): Promise<string> {
  const records = await listRunRecords({ home: conductorHome(io.env) });
  const record = records.find((r) => r.dashboard?.port === port && r.status === 'running');
  const token = record?.dashboard ? new URL(record.dashboard.url).searchParams.get('token') : null;
  if (!token) {
    throw new UsageError(
      `no running run of this conductor serves a dashboard on port ${port}; give its token with --token.`,
    );
  }
  return token;
}

export interface GateCommandOptions {
  step?: string;
  text?: string;
}

/**
 * `conductor gate <run-id> <value>`: answers the gate a run waits at, through the dashboard of the process
 * that runs it (a run started with --web, --web-bg, or resumed from `conductor dashboard`).
 */
export async function gateCommand(
  io: CommandIo,
  runId: string,
  value: string,
  options: GateCommandOptions,
): Promise<ExitCodeValue> {
  const home = conductorHome(io.env);
  const { commandRun } = await import('../run-actions.js');
  const { run, act } = await commandRun(io.env, home, runId);
  const step = options.step ?? run.gate;
  if (!step) throw new UsageError(`run ${runId} is not waiting at a gate (${run.why}).`);
  io.stderr.write(
    `${await act((actions) => actions.answerGate(runId, step, value, options.text ?? null))}\n`,
  );
  return ExitCode.Success;
}
