import { looksLikeTemplate } from '../../template/analyze.js';
import { closestName } from '../../template/suggest.js';
import type { YamlPath } from '../locate.js';
import { asString } from '../raw.js';
import { stepLabel } from '../schema-issues.js';
import { list, type SemanticContext } from './context.js';

/** `planner.output.items`, `g.outputs["x"].list`: what a for-each `source` is. */
export const DOTTED_PATH = /^[A-Za-z_]\w*(\.[\w-]+|\[[^\]]+\])*$/;
/** Names a for-each item variable cannot have (the original's list). */
const RESERVED_LOOP_NAMES = new Set(['workflow', 'context', 'output', '_index', '_key']);
/** Step types that cannot be members of a parallel group. */
const NOT_IN_GROUPS: Readonly<Record<string, string>> = {
  human_gate: 'gates cannot run alongside other steps (concurrent questions would compete for one person)',
  terminate: 'a terminate step would end the whole run from inside the group',
  questions: 'questions cannot run alongside other steps (concurrent questions would compete for one person)',
};

/** A parallel group's members are distinct steps that can run alongside others; a for-each group's `as` and `source` are usable. */
export function checkGroups(ctx: SemanticContext): void {
  for (const group of ctx.groups) {
    const label = ctx.groupLabel(group);
    const at = (...rest: YamlPath): YamlPath => [group.kind, group.index, ...rest];
    if (group.kind === 'parallel') {
      const members = Array.isArray(group.raw.agents) ? group.raw.agents : [];
      const seen = new Set<string>();
      members.forEach((member: unknown, i) => {
        if (typeof member !== 'string' || member === '') return;
        if (seen.has(member)) {
          ctx.error(at('agents', i), `${label} lists "${member}" twice`, { hint: 'List each member once.' });
          return;
        }
        seen.add(member);
        const step = ctx.byName.get(member);
        if (!step) {
          const nested = ctx.byGroup.get(member);
          if (nested) {
            ctx.error(
              at('agents', i),
              `${label} lists "${member}", which is a group: groups cannot be nested`,
              {
                hint: 'Members are steps under "agents:". Route from one group to the other instead.',
              },
            );
            return;
          }
          const suggestion = closestName(member, ctx.stepNames);
          ctx.error(at('agents', i), `${label} lists "${member}", which is not a step`, {
            hint: `${suggestion ? `Did you mean "${suggestion}"? ` : ''}Members are steps under "agents:": ${list(ctx.stepNames)}.`,
          });
          return;
        }
        const why = step.type === undefined ? undefined : NOT_IN_GROUPS[step.type];
        if (why) {
          ctx.error(
            at('agents', i),
            `${label} lists ${stepLabel(ctx.data, step.index)}, a ${step.type} step: ${why}`,
            {
              hint: `Route to it from the group's routes instead.`,
            },
          );
        } else {
          if (step.raw.dialog !== undefined) dialogInGroup(ctx, ['agents', step.index, 'dialog'], label);
          if (Array.isArray(step.raw.routes) && step.raw.routes.length > 0) {
            ctx.warning(
              ['agents', step.index, 'routes'],
              `${stepLabel(ctx.data, step.index)} is a member of ${label}: its routes are not taken when it runs in the group`,
              {
                hint: 'After a group, its own routes are taken. Remove these unless the step also runs on its own.',
              },
            );
          }
        }
      });
      continue;
    }
    // for_each
    const body = group.raw.agent;
    if (typeof body === 'object' && body !== null && (body as Record<string, unknown>).dialog !== undefined)
      dialogInGroup(ctx, at('agent', 'dialog'), label);
    const as = asString(group.raw.as);
    if (as !== undefined && as !== '') {
      if (RESERVED_LOOP_NAMES.has(as)) {
        ctx.error(at('as'), `${label}: the item variable cannot be named "${as}": it is reserved`, {
          hint: `Reserved names: ${[...RESERVED_LOOP_NAMES].join(', ')}.`,
        });
      } else if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(as)) {
        ctx.error(at('as'), `${label}: the item variable "${as}" is not a valid name`, {
          hint: 'Use letters, digits and _, not starting with a digit (e.g. item, kpi).',
        });
      } else if (ctx.byName.has(as) || ctx.byGroup.has(as)) {
        ctx.warning(
          at('as'),
          `${label}: the item variable "${as}" hides the step or group of that name in the body`,
          {
            hint: 'Pick another name for the item variable.',
          },
        );
      }
    }
    const source = asString(group.raw.source);
    if (source !== undefined && source !== '' && !looksLikeTemplate(source)) {
      const root = source.split('.')[0] ?? '';
      if (group.name !== undefined && root === group.name) {
        ctx.error(at('source'), `${label} reads its list from itself ("${source}")`, {
          hint: 'The source is the output of an earlier step, e.g. planner.output.items.',
        });
      } else if (!DOTTED_PATH.test(source)) {
        ctx.error(at('source'), `${label}: source "${source}" is not a dotted path`, {
          hint: 'Write the path to the list, e.g. planner.output.items or workflow.input.files.',
        });
      }
    }
  }
}

/** The original holds dialogs in the main loop only: in a group, a step's `dialog` is not used. */
function dialogInGroup(ctx: SemanticContext, path: YamlPath, label: string): void {
  ctx.warning(path, `"dialog" is not used inside ${label}: a dialog runs only for steps of the main loop`, {
    hint: 'Move the step out of the group (route to it), or remove "dialog".',
  });
}
