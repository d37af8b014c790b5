/**
 * Vitest's global setup: builds the console (console/ → console/dist) once, before any test file
 * starts, so that the browser tests of several files never build into the same folder at once
 * (each server reads the built files when it starts).
 */
import path from 'node:path';
import { build } from 'vite';
import { repoRoot } from './process.js';

export default async function setup(): Promise<void> {
  await build({ configFile: path.join(repoRoot, 'console/vite.config.ts'), logLevel: 'warn' });
}
