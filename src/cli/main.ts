/** `npm run cli -- <command>`: the admin command line (API.md §8). */
import { runCli } from './commands.js';

process.exitCode = await runCli(process.argv.slice(2));
