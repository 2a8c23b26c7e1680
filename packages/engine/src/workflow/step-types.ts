import { closestName } from '../template/suggest.js';
import type { WorkflowIssue } from './errors.js';
import type { Locator, YamlPath } from './locate.js';
import { isPlainObject } from './raw.js';
import { INLINE_STEP_TYPES, SUPPORTED_STEP_TYPES, UNSUPPORTED_STEP_TYPES } from './schema.js';
import { entryLabel, stepLabel } from './schema-issues.js';

/**
 * Step types this version cannot run, and unknown ones: reported here, and their content is not checked.
 * `skipped` has the indexes of such steps; `skippedInline` the indexes of for-each groups whose body has one.
 */
export function stepTypeIssues(
  data: unknown,
  locator: Locator,
): { issues: WorkflowIssue[]; skipped: Set<number>; skippedInline: Set<number> } {
  const issues: WorkflowIssue[] = [];
  const skipped = new Set<number>();
  const skippedInline = new Set<number>();
  const groups = isPlainObject(data) && Array.isArray(data.for_each) ? data.for_each : [];
  groups.forEach((group: unknown, index) => {
    const body = isPlainObject(group) ? group.agent : undefined;
    if (!isPlainObject(body) || typeof body.type !== 'string') return;
    const type = body.type;
    if ((INLINE_STEP_TYPES as readonly string[]).includes(type)) return;
    skippedInline.add(index);
    const path: YamlPath = ['for_each', index, 'agent', 'type'];
    const allowed = `The body of a for-each group is one of: ${INLINE_STEP_TYPES.join(', ')}.`;
    const label = entryLabel(data, 'for_each', index);
    if ((SUPPORTED_STEP_TYPES as readonly string[]).includes(type)) {
      const why =
        type === 'human_gate'
          ? 'gates cannot run once per item (concurrent questions would compete for one person)'
          : 'a terminate step would end the whole run from inside the group';
      issues.push(
        locator.issue(
          'error',
          path,
          `${label}: a ${type} step cannot be the body of a for-each group: ${why}`,
          {
            hint: `${allowed} Route to a ${type} step from the group's routes instead.`,
          },
        ),
      );
    } else {
      const suggestion = closestName(type, INLINE_STEP_TYPES);
      issues.push(
        locator.issue('error', path, `${label} has a body of unknown type "${type}"`, {
          hint: `${suggestion ? `Did you mean "${suggestion}"? ` : ''}${allowed}`,
        }),
      );
    }
  });
  const agents = isPlainObject(data) && Array.isArray(data.agents) ? data.agents : [];
  agents.forEach((step: unknown, index) => {
    if (!isPlainObject(step) || typeof step.type !== 'string') return;
    const type = step.type;
    if ((SUPPORTED_STEP_TYPES as readonly string[]).includes(type)) return;
    skipped.add(index);
    const path: YamlPath = ['agents', index, 'type'];
    const supported = `Supported step types: ${SUPPORTED_STEP_TYPES.join(', ')}.`;
    if (UNSUPPORTED_STEP_TYPES.has(type)) {
      issues.push(
        locator.issue(
          'error',
          path,
          `${stepLabel(data, index)} has type "${type}", which this version of conductor does not support yet`,
          {
            hint: supported,
          },
        ),
      );
    } else {
      const suggestion = closestName(type, SUPPORTED_STEP_TYPES);
      issues.push(
        locator.issue('error', path, `${stepLabel(data, index)} has unknown type "${type}"`, {
          hint: `${suggestion ? `Did you mean "${suggestion}"? ` : ''}${supported}`,
        }),
      );
    }
  });
  return { issues, skipped, skippedInline };
}
