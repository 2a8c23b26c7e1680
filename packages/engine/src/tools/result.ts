import type { SpilledOutput } from '@conductor/events';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import {
  DEFAULT_MAX_OUTPUT_CHARS,
  headChars,
  headOf,
  type OutputName,
  type OutputStore,
} from '../outputs/store.js';
import type { ToolOutputConfig } from '../workflow/types.js';

/**
 * A tool's result as text, the form a model gets it in: text parts as they are, joined by newlines;
 * other parts described in one line (an image is not sent to the model); structured content as JSON
 * when the result has no content parts.
 */
export function resultText(result: CallToolResult): string {
  const parts: string[] = [];
  for (const part of result.content ?? []) {
    switch (part.type) {
      case 'text':
        parts.push(part.text);
        break;
      case 'image':
      case 'audio':
        parts.push(`[${part.type}: ${part.mimeType}, ${Math.floor((part.data.length * 3) / 4)} bytes]`);
        break;
      case 'resource': {
        const resource = part.resource as { uri: string; text?: unknown; mimeType?: string };
        parts.push(typeof resource.text === 'string' ? resource.text : `[resource: ${resource.uri}]`);
        break;
      }
      case 'resource_link':
        parts.push(`[resource link: ${part.uri}]`);
        break;
      default:
        parts.push(JSON.stringify(part));
    }
  }
  if (parts.length === 0 && result.structuredContent !== undefined)
    return JSON.stringify(result.structuredContent);
  return parts.join('\n');
}

/** A tool's result as the model gets it and as its event keeps it. */
export interface CappedResult {
  /** For the model: the whole text, or its first `max_chars` characters and the original's marker. */
  model: string;
  /** For `agent_tool_complete`: the whole text, or its head. */
  event: string;
  /** Where the whole text is, when it was stored in a file. */
  spill?: SpilledOutput;
  /** Characters of the whole text, when `event` holds only its head. */
  truncatedFrom?: number;
}

/**
 * Caps a tool result per `runtime.tool_output`, as other large outputs are capped: over `max_chars`,
 * the whole goes to a spill file (the run's `outputs/` folder, or `spill_dir`) through the run's
 * output store, the event keeps its head, and the model gets the first `max_chars` characters with the
 * original conductor's marker saying how much was cut and where the rest is.
 */
export async function capResult(
  text: string,
  config: ToolOutputConfig,
  outputs: OutputStore,
  name: OutputName,
  spillDir: string | undefined,
): Promise<CappedResult> {
  if (config.enabled === false) {
    // The model gets it whole; the log still keeps no more than the run's cap of it.
    const capped = await outputs.cap(text, name);
    return typeof capped === 'string'
      ? { model: text, event: text }
      : { model: text, event: capped.head, spill: withoutHead(capped) };
  }
  const max = config.max_chars ?? DEFAULT_MAX_OUTPUT_CHARS;
  if (text.length <= max) return { model: text, event: text };
  const kept = headOf(text, max);
  if (config.spill_to_file === false) {
    return {
      model: `${kept}\n\n[output truncated: ${text.length} chars -> ${kept.length} kept; the full output was not saved]`,
      event: headOf(text, headChars(max)),
      truncatedFrom: text.length,
    };
  }
  const capped = await outputs.cap(text, name, { maxChars: max, ...(spillDir ? { dir: spillDir } : {}) });
  if (typeof capped === 'string') return { model: text, event: text };
  return {
    model:
      `${kept}\n\n[output truncated: ${text.length} chars -> ${kept.length} kept; full output saved to: ` +
      `${capped.path}. Read that file for the rest.]`,
    event: capped.head,
    spill: withoutHead(capped),
  };
}

function withoutHead(capped: SpilledOutput & { head: string }): SpilledOutput {
  const { head: _head, ...spill } = capped;
  return spill;
}
