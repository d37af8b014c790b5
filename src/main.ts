/** Process entry: configuration, the server, and a clean stop on SIGTERM or SIGINT. */
import { loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { startServer } from './server.js';

const config = loadConfig();
const logger = createLogger(config.logLevel);

// Listen for signals before anything starts: a stop asked for during start-up waits for it.
const stopSignal = new Promise<string>((resolve) => {
  process.once('SIGTERM', () => resolve('SIGTERM'));
  process.once('SIGINT', () => resolve('SIGINT'));
});

try {
  const server = await startServer(config, logger);
  const signal = await stopSignal;
  logger.info({ signal }, 'shutting down');
  await server.close();
  process.exit(0);
} catch (error) {
  logger.fatal({ err: error }, 'could not start or stop cleanly');
  process.exit(1);
}
