import { closestName } from '../../template/suggest.js';
import type { YamlPath } from '../locate.js';
import { asString, isPlainObject as isObject } from '../raw.js';
import { stepLabel } from '../schema-issues.js';
import { END, list, type SemanticContext } from './context.js';

/** `entry_point` names a step or group. */
export function checkEntryPoint(ctx: SemanticContext): void {
  const entryPoint = asString(ctx.settings.entry_point);
  if (
    entryPoint === undefined ||
    entryPoint === '' ||
    ctx.byName.has(entryPoint) ||
    ctx.byGroup.has(entryPoint)
  )
    return;
  const { targetNames } = ctx;
  const suggestion = closestName(entryPoint, targetNames);
  ctx.error(['workflow', 'entry_point'], `entry_point "${entryPoint}" is not a step`, {
    hint:
      targetNames.length === 0
        ? 'There are no steps under "agents:" yet.'
        : `${suggestion ? `Did you mean "${suggestion}"? ` : ''}${ctx.byGroup.size > 0 ? 'Steps and groups' : 'Steps'}: ${list(targetNames)}.`,
  });
}

/** Routes (and gate options) go to a step, a group or $end; a route after one without `when` is never taken. */
export function checkRoutes(ctx: SemanticContext): void {
  const { data } = ctx;
  const validTargets = [...ctx.targetNames, END];
  /** A route target that must exist: a step, a group or $end. */
  const checkTarget = (path: YamlPath, to: unknown, what: string) => {
    const name = asString(to);
    if (name === undefined || name === '' || ctx.isTarget(name)) return;
    const suggestion = closestName(name, validTargets);
    ctx.error(
      path,
      `${what} goes to "${name}", which is not a step${ctx.byGroup.size > 0 ? ' or group' : ''}.`,
      {
        hint: `${suggestion ? `Did you mean "${suggestion}"? ` : ''}Valid targets: ${list(validTargets)}.`,
      },
    );
  };
  const checkList = (base: YamlPath, label: string, routes: unknown[]) => {
    let unconditionalAt: number | undefined;
    routes.forEach((route: unknown, index) => {
      if (!isObject(route)) return;
      if (unconditionalAt !== undefined && index === unconditionalAt + 1) {
        ctx.warning(
          [...base, index],
          `route ${index + 1} of ${label} is never taken: route ${unconditionalAt + 1} has no "when" and always matches`,
          {
            hint: 'Routes are tried in order; put the route without "when" last.',
          },
        );
      }
      if (route.when === undefined && unconditionalAt === undefined) unconditionalAt = index;
      checkTarget([...base, index, 'to'], route.to, `route of ${label}`);
    });
  };
  for (const step of ctx.steps) {
    if (!step.checked) continue;
    const routes = Array.isArray(step.raw.routes) ? step.raw.routes : [];
    const base: YamlPath = ['agents', step.index, 'routes'];
    if (step.type === 'terminate' && routes.length > 0) {
      ctx.error(
        base,
        `${stepLabel(data, step.index)} is a terminate step, which ends the workflow: its routes would never be taken`,
        {
          hint: 'Remove the routes.',
        },
      );
      continue;
    }
    checkList(base, stepLabel(data, step.index), routes);
    if (step.type === 'human_gate' && Array.isArray(step.raw.options)) {
      step.raw.options.forEach((option: unknown, i) => {
        if (isObject(option))
          checkTarget(
            ['agents', step.index, 'options', i, 'route'],
            option.route,
            `option ${i + 1} of ${stepLabel(data, step.index)}`,
          );
      });
    }
    if (step.type === 'questions' && step.raw.abort_route !== undefined) {
      checkTarget(
        ['agents', step.index, 'abort_route'],
        step.raw.abort_route,
        `abort_route of ${stepLabel(data, step.index)}`,
      );
    }
  }
  for (const group of ctx.groups) {
    const routes = Array.isArray(group.raw.routes) ? group.raw.routes : [];
    checkList([group.kind, group.index, 'routes'], ctx.groupLabel(group), routes);
  }
}
