/**
 * Checks the schema cannot express: names that must refer to steps, templates that must parse and read only
 * what exists, durations, defaults, reachability. They run on the raw data, defensively, so a file with a
 * schema error in one place still gets every other problem reported. Each rule reads one shared context.
 */
import type { WorkflowIssue } from '../errors.js';
import type { Locator } from '../locate.js';
import { isPlainObject } from '../raw.js';
import { checkAgentKeys } from './agent-keys.js';
import { createSemanticContext } from './context.js';
import { checkBudget } from './cost.js';
import { checkGroups } from './groups.js';
import { checkInputDefaults } from './inputs.js';
import { checkOutputFields } from './output-fields.js';
import { checkProviderSettings } from './providers.js';
import { checkReachability } from './reachability.js';
import { checkEntryPoint, checkRoutes } from './routes.js';
import { checkSteps } from './steps.js';
import { templateSites } from './template-sites.js';
import { checkTemplate } from './templates.js';
import { checkTools } from './tools.js';

export function semanticIssues(
  data: unknown,
  locator: Locator,
  skippedSteps: ReadonlySet<number>,
  skippedInline: ReadonlySet<number> = new Set(),
): WorkflowIssue[] {
  if (!isPlainObject(data)) return [];
  // Indexing the steps and groups reports duplicate and reserved names.
  const ctx = createSemanticContext(data, locator, skippedSteps, skippedInline);
  checkInputDefaults(ctx);
  checkEntryPoint(ctx);
  checkRoutes(ctx);
  checkGroups(ctx);
  checkSteps(ctx);
  checkProviderSettings(ctx);
  checkTools(ctx);
  checkOutputFields(ctx);
  checkAgentKeys(ctx);
  checkBudget(ctx);
  for (const site of templateSites(ctx)) ctx.issues.push(...checkTemplate(ctx, site));
  checkReachability(ctx);
  return ctx.issues;
}
