// The tools concern: each attempt's tool calls, with their arguments, results and errors as bounded
// heads, so the dashboard shows every call of every attempt (an interrupted one's too) without the
// state growing with what tools return.
import { boundValue, spillsOf } from '../outputs.js';
import type { EventOf } from '../vocabulary.js';
import { type FoldContext, type Reducers, updateAttempt } from './context.js';
import { MAX_TOOL_CALLS_KEPT, type RunState, type ToolCallRecord } from './state.js';

/** Characters kept of a call's arguments, result and error (as JSON for arguments). */
export const TOOL_TEXT_CHARS_KEPT = 500;

function bounded(value: unknown): { value: unknown; truncated: boolean; size: number } {
  return boundValue(value, TOOL_TEXT_CHARS_KEPT);
}

function startCall(state: RunState, event: EventOf<'agent_tool_start'>, ctx: FoldContext): RunState {
  const { data } = event;
  return updateAttempt(state, ctx, event, data.agent_name, (attempt) => {
    const args = bounded(data.arguments);
    const spills = spillsOf(data);
    const record: ToolCallRecord = {
      call_id: data.call_id ?? null,
      name: data.tool_name,
      status: 'running',
      ...(data.arguments === undefined ? {} : { arguments: args.value }),
      ...(args.truncated ? { arguments_truncated: true as const } : {}),
      error: null,
      started_at: event.timestamp,
      elapsed: null,
      ...(Object.keys(spills).length > 0 ? { spills } : {}),
      start_seq: event.seq,
      end_seq: null,
    };
    // The steps concern counts the call (`tool_calls`); this one keeps its record.
    const tools = [...(attempt.tools ?? []), record];
    return { tools: tools.length > MAX_TOOL_CALLS_KEPT ? tools.slice(-MAX_TOOL_CALLS_KEPT) : tools };
  });
}

function completeCall(state: RunState, event: EventOf<'agent_tool_complete'>, ctx: FoldContext): RunState {
  const { data } = event;
  return updateAttempt(state, ctx, event, data.agent_name, (attempt) => {
    const tools = attempt.tools ?? [];
    // The call it completes: by id, else (logs without ids) the latest running call of that tool.
    let index = -1;
    for (let i = tools.length - 1; i >= 0; i--) {
      const call = tools[i] as ToolCallRecord;
      const same =
        data.call_id !== undefined && call.call_id !== null
          ? call.call_id === data.call_id
          : call.status === 'running' && call.name === data.tool_name;
      if (same) {
        index = i;
        break;
      }
    }
    // Its start was dropped from the kept calls (or never logged): nothing to show it with.
    if (index === -1) return {};
    const call = tools[index] as ToolCallRecord;
    const error = typeof data.error === 'string' ? bounded(data.error) : undefined;
    const result = data.result === undefined || data.result === null ? undefined : bounded(data.result);
    const spills = { ...call.spills, ...spillsOf(data) };
    const done: ToolCallRecord = {
      ...call,
      status: error ? 'failed' : 'completed',
      ...(result ? { result: result.value } : { result: null }),
      ...(result?.truncated || data.result_chars !== undefined || spillsOf(data).result
        ? { result_truncated: true as const }
        : {}),
      ...(data.result_chars !== undefined
        ? { result_size: data.result_chars }
        : result?.truncated
          ? { result_size: result.size }
          : {}),
      error: error ? String(error.value) : null,
      elapsed: data.elapsed ?? event.timestamp - call.started_at,
      ...(Object.keys(spills).length > 0 ? { spills } : {}),
      end_seq: event.seq,
    };
    return { tools: [...tools.slice(0, index), done, ...tools.slice(index + 1)] };
  });
}

export const toolReducers: Reducers = {
  agent_tool_start: startCall,
  agent_tool_complete: completeCall,
};
