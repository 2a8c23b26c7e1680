#!/usr/bin/env node
// A small MCP server over a folder of Markdown notes, written with the MCP SDK: it lists, reads, searches
// and writes `.md` files of the folder given as its first argument. examples/notes-digest.yaml starts it
// over stdio; any MCP client can use it (`node server.mjs ./my-notes`).
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';

const folder = resolve(process.argv[2] ?? '.');
const NOTE_NAME = /^[\w][\w.-]*\.md$/;

const text = (value) => ({ content: [{ type: 'text', text: value }] });
const failure = (message) => ({ content: [{ type: 'text', text: message }], isError: true });
const noteName = z
  .string()
  .describe('A file name in the notes folder, ending in .md (no folders), e.g. "standup.md"');

async function noteNames() {
  const entries = await readdir(folder, { withFileTypes: true }).catch(() => []);
  return entries
    .filter((entry) => entry.isFile() && NOTE_NAME.test(entry.name))
    .map((entry) => entry.name)
    .sort();
}

const server = new McpServer({ name: 'notes', version: '1.0.0' });

server.registerTool(
  'list_notes',
  {
    description: 'Lists the notes of the folder: one line per note, its name and its first line.',
    inputSchema: {},
  },
  async () => {
    const names = await noteNames();
    if (names.length === 0) return text(`The folder ${folder} has no notes.`);
    const lines = [];
    for (const name of names) {
      const body = await readFile(join(folder, name), 'utf8');
      lines.push(`${name}: ${body.split('\n', 1)[0]}`);
    }
    return text(lines.join('\n'));
  },
);

server.registerTool(
  'read_note',
  { description: 'Returns the whole text of one note.', inputSchema: { name: noteName } },
  async ({ name }) => {
    if (!NOTE_NAME.test(name)) return failure(`"${name}" is not a note name: use a file name ending in .md`);
    try {
      return text(await readFile(join(folder, name), 'utf8'));
    } catch {
      return failure(
        `there is no note "${name}"; the notes are: ${(await noteNames()).join(', ') || 'none'}`,
      );
    }
  },
);

server.registerTool(
  'search_notes',
  {
    description: 'Finds the lines of every note that contain a text (case does not matter).',
    inputSchema: { query: z.string().min(1).describe('The text to look for') },
  },
  async ({ query }) => {
    const found = [];
    for (const name of await noteNames()) {
      const lines = (await readFile(join(folder, name), 'utf8')).split('\n');
      lines.forEach((line, index) => {
        if (line.toLowerCase().includes(query.toLowerCase())) found.push(`${name}:${index + 1}: ${line}`);
      });
    }
    return text(found.length > 0 ? found.join('\n') : `No note mentions "${query}".`);
  },
);

server.registerTool(
  'write_note',
  {
    description: 'Creates or replaces a note with the given text.',
    inputSchema: { name: noteName, text: z.string().describe('The whole Markdown text of the note') },
  },
  async ({ name, text: body }) => {
    if (!NOTE_NAME.test(name)) return failure(`"${name}" is not a note name: use a file name ending in .md`);
    await mkdir(folder, { recursive: true });
    await writeFile(join(folder, name), body.endsWith('\n') ? body : `${body}\n`);
    return text(`Wrote ${name} (${body.length} characters) in ${folder}.`);
  },
);

await server.connect(new StdioServerTransport());
