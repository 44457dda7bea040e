// Process entry point: validate config, listen, drain on SIGTERM/SIGINT within SHUTDOWN_TIMEOUT_MS.
import closeWithGrace from 'close-with-grace';
import { ConfigError } from './config.js';
import { PaymentService } from './service.js';

try {
  const svc = await PaymentService.start(process.env);
  closeWithGrace({ delay: svc.ctx.config.SHUTDOWN_TIMEOUT_MS + 2_000 }, async ({ signal, err }) => {
    if (err) svc.ctx.logger.error({ err }, 'fatal error; draining');
    else svc.ctx.logger.info({ signal }, 'signal received; draining');
    await svc.stop();
  });
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`payment service: ${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`payment service failed to start: ${(err as Error).message}\n`);
  process.exit(1);
}
