/**
 * The real `twilio` SDK, pointed at TWILIO_API_URL through its documented custom `httpClient`
 * hook, so tests talk to a local double speaking Twilio's wire format. Shared by the SMS and
 * voice channels (one account, one number).
 */
import twilio from 'twilio';
import type { Config } from '../../src/config';

type RequestOptions<TData> = Parameters<InstanceType<typeof twilio.RequestClient>['request']>[0] & { data?: TData };

/** Rewrites Twilio's default API host to the configured base URL. */
/** How long a request to Twilio may take before the SDK gives up on it. */
export const TWILIO_TIMEOUT_MS = 10_000;

class BaseUrlRequestClient extends twilio.RequestClient {
  constructor(private readonly baseUrl: string) {
    super({ keepAlive: true, timeout: TWILIO_TIMEOUT_MS });
  }

  override request<TData>(options: RequestOptions<TData>) {
    return super.request<TData>({ ...options, uri: options.uri.replace(/^https:\/\/api\.twilio\.com/, this.baseUrl) });
  }
}

export type TwilioClient = ReturnType<typeof twilio>;

export function createTwilioClient(config: Config): TwilioClient {
  return twilio(config.TWILIO_ACCOUNT_SID, config.TWILIO_AUTH_TOKEN, {
    httpClient: new BaseUrlRequestClient(config.TWILIO_API_URL.replace(/\/$/, '')),
  });
}

/** Twilio's REST errors carry an HTTP status: any 4xx but 429 is one a retry will not fix. */
export function isPermanentTwilioError(error: unknown): boolean {
  const { status } = error as { status?: number };
  return status !== undefined && status >= 400 && status < 500 && status !== 429;
}
