import { asString, isPlainObject as isObject } from '../raw.js';
import { stepLabel } from '../schema-issues.js';
import type { SemanticContext } from './context.js';

/**
 * Steps and groups that the entry point never reaches. Steps and groups form one graph: routes (and
 * gate options) are edges, a parallel group reaches its members.
 */
export function checkReachability(ctx: SemanticContext): void {
  const { byName, byGroup } = ctx;
  const entryPoint = asString(ctx.settings.entry_point);
  if (entryPoint === undefined || !(byName.has(entryPoint) || byGroup.has(entryPoint))) return;
  const next = (name: string): string[] => {
    const step = byName.get(name);
    const group = step ? undefined : byGroup.get(name);
    const raw = step?.raw ?? group?.raw;
    if (!raw) return [];
    const targets: string[] = [];
    for (const route of Array.isArray(raw.routes) ? raw.routes : []) {
      const to = isObject(route) ? asString(route.to) : undefined;
      if (to !== undefined) targets.push(to);
    }
    if (step?.type === 'human_gate' && Array.isArray(raw.options)) {
      for (const option of raw.options) {
        const to = isObject(option) ? asString(option.route) : undefined;
        if (to !== undefined) targets.push(to);
      }
    }
    if (group?.kind === 'parallel' && Array.isArray(raw.agents)) {
      for (const member of raw.agents) if (typeof member === 'string') targets.push(member);
    }
    return targets;
  };
  const reached = new Set<string>([entryPoint]);
  const queue = [entryPoint];
  for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
    for (const to of next(name)) {
      if (reached.has(to) || !(byName.has(to) || byGroup.has(to))) continue;
      reached.add(to);
      queue.push(to);
    }
  }
  for (const step of byName.values()) {
    if (step.name === undefined || reached.has(step.name)) continue;
    ctx.warning(
      ['agents', step.index, 'name'],
      `${stepLabel(ctx.data, step.index)} is never reached from the entry point "${entryPoint}"`,
      {
        hint: `Route to it from another step${byGroup.size > 0 ? ' (or list it in a parallel group)' : ''}, or remove it.`,
      },
    );
  }
  for (const group of byGroup.values()) {
    if (group.name === undefined || reached.has(group.name)) continue;
    ctx.warning(
      [group.kind, group.index, 'name'],
      `${ctx.groupLabel(group)} is never reached from the entry point "${entryPoint}"`,
      { hint: 'Route to it from a step, or remove it.' },
    );
  }
}
