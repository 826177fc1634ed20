/** REST and socket access for the workspace: the bearer token, `{ ok, data | error }` acks. */
import { io, type Socket } from 'socket.io-client';

export class ApiError extends Error {
  constructor(message: string, readonly code?: string, readonly status?: number) {
    super(message);
  }
}

export interface Session {
  token: string;
  expiresAt: string;
}

export function loadSession(): Session | null {
  const token = sessionStorage.getItem('sb-token');
  const expiresAt = sessionStorage.getItem('sb-expires');
  return token && expiresAt ? { token, expiresAt } : null;
}

export function saveSession(session: Session | null): void {
  if (session) {
    sessionStorage.setItem('sb-token', session.token);
    sessionStorage.setItem('sb-expires', session.expiresAt);
  } else {
    sessionStorage.removeItem('sb-token');
    sessionStorage.removeItem('sb-expires');
  }
}

let token: string | null = null;
export const setToken = (value: string | null) => {
  token = value;
};

export async function api<T>(path: string, options: { method?: string; body?: unknown } = {}): Promise<T> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`/api/v1${path}`, { method: options.method ?? 'GET', headers, ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}) });
  if (res.status === 204) return null as T;
  const json = (await res.json().catch(() => ({}))) as { error?: { code?: string; message?: string } };
  if (!res.ok) throw new ApiError(json.error?.message ?? 'Something went wrong.', json.error?.code, res.status);
  return json as T;
}

/** A photo through our own authorised route (the bearer token), shown from a blob URL. */
export async function mediaUrl(path: string): Promise<string> {
  const res = await fetch(path, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  if (!res.ok) throw new ApiError(res.status === 404 ? 'The photo is not available yet.' : 'The photo could not be loaded.', undefined, res.status);
  return URL.createObjectURL(await res.blob());
}

export function connectSocket(sessionToken: string): Socket {
  return io('/agents', { auth: { token: sessionToken }, transports: ['websocket', 'polling'] });
}

export function command<T>(socket: Socket | null, name: string, payload: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    if (!socket?.connected) return reject(new ApiError('Not connected. Trying to reconnect…'));
    socket.timeout(15_000).emit(name, payload, (timeoutError: Error | null, ack: { ok: boolean; data?: T; error?: { code: string; message: string } }) => {
      if (timeoutError) return reject(new ApiError('No answer from the server. Please try again.'));
      if (!ack.ok) return reject(new ApiError(ack.error?.message ?? 'Something went wrong.', ack.error?.code));
      resolve(ack.data as T);
    });
  });
}
