/**
 * Plays Twilio's part in a phone call: posts the incoming-call webhook, reads the TwiML that
 * comes back and follows the URLs it names (Gather `action`, `<Redirect>`, Enqueue `waitUrl`
 * and `action`), each request signed exactly as Twilio signs it (HMAC-SHA1 over the full URL
 * and the sorted POST parameters).
 */
import { randomBytes } from 'node:crypto';
import { XMLParser } from 'fast-xml-parser';
import twilio from 'twilio';

export interface Verb {
  name: string;
  attrs: Record<string, string>;
  text: string;
  children: Verb[];
}

type Ordered = Array<Record<string, unknown>>;
const parser = new XMLParser({ preserveOrder: true, ignoreAttributes: false, attributeNamePrefix: '', parseTagValue: false, trimValues: true });

function toVerbs(nodes: Ordered): Verb[] {
  const verbs: Verb[] = [];
  for (const node of nodes) {
    const name = Object.keys(node).find((k) => k !== ':@' && k !== '#text');
    if (!name) continue;
    const inner = node[name] as Ordered;
    const text = inner.filter((n) => '#text' in n).map((n) => String(n['#text'])).join('');
    verbs.push({ name, attrs: (node[':@'] as Record<string, string>) ?? {}, text, children: toVerbs(inner) });
  }
  return verbs;
}

export function parseTwiml(xml: string): Verb[] {
  const doc = parser.parse(xml) as Ordered;
  const response = doc.find((n) => 'Response' in n);
  if (!response) throw new Error(`not TwiML: ${xml}`);
  return toVerbs(response.Response as Ordered);
}

export class TwimlPage {
  constructor(readonly verbs: Verb[], readonly xml: string) {}

  find(name: string): Verb | undefined {
    const walk = (verbs: Verb[]): Verb | undefined => {
      for (const v of verbs) {
        if (v.name === name) return v;
        const inner = walk(v.children);
        if (inner) return inner;
      }
      return undefined;
    };
    return walk(this.verbs);
  }

  /** Everything the caller hears, in order. */
  spoken(): string {
    const words: string[] = [];
    const walk = (verbs: Verb[]) => verbs.forEach((v) => (v.name === 'Say' ? words.push(v.text) : walk(v.children)));
    walk(this.verbs);
    return words.join(' ');
  }
}

export class TwilioCall {
  readonly callSid = `CA${randomBytes(16).toString('hex')}`;
  current?: TwimlPage;
  /** Every page this call received, in order. */
  readonly pages: TwimlPage[] = [];

  constructor(
    private readonly opts: { engineUrl: string; publicUrl: string; token: string; from: string; to: string; accountSid: string },
  ) {}

  private params(extra: Record<string, string>): Record<string, string> {
    return {
      AccountSid: this.opts.accountSid,
      ApiVersion: '2010-04-01',
      CallSid: this.callSid,
      CallStatus: 'in-progress',
      Called: this.opts.to,
      Caller: this.opts.from,
      Direction: 'inbound',
      From: this.opts.from,
      FromCountry: 'AU',
      To: this.opts.to,
      ToCountry: 'AU',
      ...extra,
    };
  }

  /** A signed POST to a public URL (as the TwiML names it), sent to the engine under test. */
  async post(publicUrl: string, extra: Record<string, string> = {}): Promise<Response> {
    const params = this.params(extra);
    const signature = twilio.getExpectedTwilioSignature(this.opts.token, publicUrl, params);
    const target = publicUrl.replace(this.opts.publicUrl, this.opts.engineUrl);
    return fetch(target, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
      body: new URLSearchParams(params).toString(),
    });
  }

  private async fetchPage(publicUrl: string, extra: Record<string, string> = {}): Promise<TwimlPage> {
    const res = await this.post(publicUrl, extra);
    const xml = await res.text();
    if (res.status !== 200) throw new Error(`${publicUrl} answered ${res.status}: ${xml}`);
    const page = new TwimlPage(parseTwiml(xml), xml);
    this.pages.push(page);
    this.current = page;
    // A page of only Say/Pause/Redirect is a hold: Twilio plays it and follows the Redirect.
    const redirect = page.verbs.find((v) => v.name === 'Redirect');
    if (redirect && page.verbs.every((v) => ['Say', 'Pause', 'Redirect', 'Play'].includes(v.name))) return this.fetchPage(redirect.text);
    return page;
  }

  dial(): Promise<TwimlPage> {
    return this.fetchPage(`${this.opts.publicUrl}/webhooks/twilio/voice`, { CallStatus: 'ringing' });
  }

  private gather(): Verb {
    const gather = this.current?.find('Gather');
    if (!gather) throw new Error(`no <Gather> to answer in ${this.current?.xml}`);
    return gather;
  }

  press(digits: string): Promise<TwimlPage> {
    return this.fetchPage(this.gather().attrs.action!, { Digits: digits, FinishedOnKey: '' });
  }

  speak(words: string, confidence = 0.92): Promise<TwimlPage> {
    return this.fetchPage(this.gather().attrs.action!, { SpeechResult: words, Confidence: String(confidence) });
  }

  /** Says nothing: Twilio falls through the Gather to the `<Redirect>` after it. */
  silence(): Promise<TwimlPage> {
    this.gather();
    const redirect = this.current!.verbs.find((v) => v.name === 'Redirect');
    if (!redirect) throw new Error(`no <Redirect> after the <Gather> in ${this.current!.xml}`);
    return this.fetchPage(redirect.text);
  }

  enqueue(): Verb {
    const enqueue = this.current?.find('Enqueue');
    if (!enqueue) throw new Error(`not queued: ${this.current?.xml}`);
    return enqueue;
  }

  /** Twilio fetches the Enqueue's waitUrl with the caller's place in the queue. */
  hold(position: number, avgQueueSeconds: number): Promise<TwimlPage> {
    return this.fetchPage(this.enqueue().attrs.waitUrl!, { QueuePosition: String(position), QueueTime: '5', AvgQueueTime: String(avgQueueSeconds), CurrentQueueSize: String(position), MaxQueueSize: '100' });
  }

  /** The Enqueue's action, fetched when the caller leaves the queue. */
  leaveQueue(enqueue: Verb, result: 'leave' | 'hangup' | 'bridged' | 'queue-full'): Promise<TwimlPage> {
    return this.fetchPage(enqueue.attrs.action!, { QueueResult: result, QueueTime: '30' });
  }

  /** A call status callback, as configured on the number. */
  status(callStatus: string, sequenceNumber: number): Promise<Response> {
    return this.post(`${this.opts.publicUrl}/webhooks/twilio/voice/status`, { CallStatus: callStatus, SequenceNumber: String(sequenceNumber), CallDuration: '42', Timestamp: new Date().toUTCString(), CallbackSource: 'call-progress-events' });
  }
}
