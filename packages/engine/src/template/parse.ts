// Parsing templates and bare expressions (cached), with every `{{ }}` wrapped so that printing an
// undefined value can be caught.
import { TemplateError, type TemplateLocation } from './errors.js';
import { type Node, type Program, parse, tokenize } from './library.js';

/** The node type of a wrapped `{{ expression }}` (the interpreter prints its value). */
export const OUTPUT = 'ConductorOutput';

const STATEMENT_TYPES = new Set([
  'If',
  'For',
  'Set',
  'Macro',
  'Comment',
  'Break',
  'Continue',
  'CallStatement',
  'FilterStatement',
]);

/** Wraps every `{{ expression }}` in an output node so printing an undefined value can be caught. */
function wrapOutputs(body: Node[]): Node[] {
  return body.map((node) => {
    switch (node.type) {
      case 'If':
        node.body = wrapOutputs(node.body as Node[]);
        node.alternate = wrapOutputs(node.alternate as Node[]);
        return node;
      case 'For':
        node.body = wrapOutputs(node.body as Node[]);
        node.defaultBlock = wrapOutputs(node.defaultBlock as Node[]);
        return node;
      case 'Set':
      case 'Macro':
      case 'CallStatement':
      case 'FilterStatement':
        node.body = wrapOutputs((node.body as Node[] | undefined) ?? []);
        return node;
      default:
        if (STATEMENT_TYPES.has(node.type) || node.type === 'StringLiteral') return node;
        return { type: OUTPUT, inner: node };
    }
  });
}

function syntaxMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof TypeError)
    return 'unexpected end of template (a closing tag such as {% endif %} or {% endfor %} may be missing)';
  return message
    .replace(/^Parser Error: /, '')
    .replace(/^Unknown statement type: (\w+)/, "unknown tag '{% $1 %}'")
    .replace(/^Unexpected end of input$/, 'unexpected end of template (is a }} or %} missing?)');
}

const parsedCache = new Map<string, Program>();
const MAX_CACHED = 1000;

/** Parses a template (Jinja defaults: no trim_blocks, no lstrip_blocks). Throws CONDUCTOR_TEMPLATE_SYNTAX. */
export function parseTemplate(source: string, location?: TemplateLocation): Program {
  const cached = parsedCache.get(source);
  if (cached) return cached;
  let program: Program;
  try {
    program = parse(tokenize(source, { lstrip_blocks: false, trim_blocks: false }));
  } catch (error) {
    throw new TemplateError('CONDUCTOR_TEMPLATE_SYNTAX', `template syntax error: ${syntaxMessage(error)}`, {
      location,
      cause: error,
    });
  }
  (program as unknown as Node).body = wrapOutputs(program.body as unknown as Node[]);
  if (parsedCache.size >= MAX_CACHED) parsedCache.clear();
  parsedCache.set(source, program);
  return program;
}

/** Parses a bare expression (`score >= 8 and approved`) into its single expression node. */
export function parseExpression(expression: string, location?: TemplateLocation): Node {
  const syntaxError = (detail: string, cause?: unknown) =>
    new TemplateError('CONDUCTOR_TEMPLATE_SYNTAX', `expression syntax error: ${detail}`, { location, cause });
  if (expression.trim() === '') throw syntaxError('the expression is empty');
  if (/\{\{|\}\}|\{%|%\}/.test(expression))
    throw syntaxError('a bare expression cannot contain {{ }} or {% %}');
  let program: Program;
  try {
    program = parseTemplate(`{{ ${expression} }}`);
  } catch (error) {
    if (error instanceof TemplateError)
      throw syntaxError(error.detail.replace(/^template syntax error: /, ''), error);
    throw error;
  }
  const only = soleExpression(program);
  if (!only) throw syntaxError('expected a single expression');
  return only;
}

/** The expression of a program made of exactly one `{{ }}` (text is never wrapped, so a lone string counts). */
function soleExpression(program: Program): Node | undefined {
  const [only, ...rest] = program.body;
  if (!only || rest.length > 0) return undefined;
  if (only.type === OUTPUT) return only.inner as Node;
  return only.type === 'StringLiteral' ? only : undefined;
}

/** If the whole (trimmed) template is one `{{ expression }}`, that expression. */
export function singleExpression(source: string, location?: TemplateLocation): Node | undefined {
  const trimmed = source.trim();
  if (!trimmed.startsWith('{{') || !trimmed.endsWith('}}')) return undefined;
  return soleExpression(parseTemplate(trimmed, location));
}
