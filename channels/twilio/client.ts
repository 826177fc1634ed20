/**
 * The real `twilio` SDK, pointed at TWILIO_API_URL through its documented custom `httpClient`
 * hook, so tests talk to a local double speaking Twilio's wire format. Shared by the SMS and
 * voice channels: one client per Twilio account, chosen by the council number a reply is from.
 */
import twilio from 'twilio';
import type { ChannelSettings } from '../../src/domain/channel-host';
import type { ChannelCredentials, TwilioAccount } from '../../src/domain/channel';

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

export function createTwilioClient(config: ChannelSettings, account: TwilioAccount = { accountSid: config.TWILIO_ACCOUNT_SID, authToken: config.TWILIO_AUTH_TOKEN }): TwilioClient {
  return twilio(account.accountSid, account.authToken, {
    httpClient: new BaseUrlRequestClient(config.TWILIO_API_URL.replace(/\/$/, '')),
  });
}

/** The client of the account that owns `councilNumber` (the environment's account for a number no council lists). */
export function twilioClients(config: ChannelSettings, credentials: ChannelCredentials): (councilNumber: string) => TwilioClient {
  const clients = new Map<string, TwilioClient>();
  return (councilNumber) => {
    const account = credentials.twilioFor(councilNumber) ?? { accountSid: config.TWILIO_ACCOUNT_SID, authToken: config.TWILIO_AUTH_TOKEN };
    const key = `${account.accountSid}:${account.authToken}`;
    let client = clients.get(key);
    if (!client) clients.set(key, (client = createTwilioClient(config, account)));
    return client;
  };
}

/** Twilio's REST errors carry an HTTP status: any 4xx but 429 is one a retry will not fix. */
export function isPermanentTwilioError(error: unknown): boolean {
  const { status } = error as { status?: number };
  return status !== undefined && status >= 400 && status < 500 && status !== 429;
}
