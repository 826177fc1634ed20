/**
 * Socket commands are validated with zod and always acknowledged with
 * `{ ok: true, data } | { ok: false, error: { code, message } }`. A bad payload gets a clear
 * error ack and changes nothing; a command without an ack callback is ignored safely.
 */
import type { Socket } from 'socket.io';
import type { z } from 'zod';
import { publicError } from '../errors';
import type { Logger } from '../logger';
import { parseInput } from '../validation';

export type Ack = (response: { ok: true; data: unknown } | { ok: false; error: { code: string; message: string } }) => void;

export function onCommand<T extends z.ZodType>(
  socket: Socket,
  logger: Logger,
  name: string,
  schema: T,
  handler: (payload: z.infer<T>) => Promise<unknown>,
): void {
  socket.on(name, async (...args: unknown[]) => {
    const last = args[args.length - 1];
    const ack: Ack = typeof last === 'function' ? (last as Ack) : () => undefined;
    const payload = typeof last === 'function' ? args.slice(0, -1)[0] : args[0];
    try {
      ack({ ok: true, data: await handler(parseInput(schema, payload ?? {})) });
    } catch (error) {
      const shown = publicError(error);
      if (shown.code === 'internal_error') logger.error({ err: error, command: name }, 'socket.command_failed');
      ack({ ok: false, error: shown });
    }
  });
}
