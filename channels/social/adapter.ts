/**
 * Replies to Facebook Messenger and Instagram residents through Meta's Send API (under
 * META_GRAPH_URL), with Node's own fetch. Choices become native quick replies. Meta's
 * 24-hour rule is enforced here: within 24 h of the resident's last message anything may be
 * sent; up to 7 days only a person's reply, tagged HUMAN_AGENT; after that nothing, and the
 * message records why. A Page comment gets exactly one private reply, which opens Messenger.
 *
 * There is no `findSent`: the Send API takes no idempotency key and cannot be asked whether it
 * took a message, so a send cut off before Meta answered is recorded as `unknown` (the agent
 * console says it may not have been sent) rather than risk sending it twice.
 */
import { PermanentDeliveryError, TransientDeliveryError, type ChannelAdapter, type OutboundDelivery } from '../../src/domain/channel';
import type { ChannelSettings } from '../../src/domain/channel-host';
import type { ChannelCredentials } from '../../src/domain/channel';
import type { OutboundContent } from '../../src/domain/messages';
import { SOCIAL, socialLabels } from './channel';

export const GRAPH_VERSION = 'v21.0';
const HOUR = 3_600_000;
const STANDARD_WINDOW = 24 * HOUR;
const HUMAN_AGENT_WINDOW = 7 * 24 * HOUR;
/** Graph error codes that mean "try again later": throttling and temporary failures. */
const TRANSIENT_CODES = new Set([1, 2, 4, 17, 32, 341, 613, 1200]);
const QUICK_REPLY_TITLE = 20;
const MAX_QUICK_REPLIES = 13;

interface GraphError { error?: { message?: string; code?: number; error_subcode?: number } }

function recipientOf(to: string): Record<string, string> {
  if (to.startsWith('comment-')) return { comment_id: to.slice('comment-'.length) };
  return { id: to.replace(/^(fb|ig)-/, '') };
}

/** RESPONSE inside 24 h; a person's reply up to 7 days as HUMAN_AGENT; otherwise refused. */
function messagingType(delivery: OutboundDelivery, now: number): Record<string, string> {
  const since = delivery.residentLastWroteAt ? now - delivery.residentLastWroteAt.getTime() : 0;
  if (since <= STANDARD_WINDOW) return { messaging_type: 'RESPONSE' };
  if (delivery.sender.kind === 'agent' && since <= HUMAN_AGENT_WINDOW) return { messaging_type: 'MESSAGE_TAG', tag: 'HUMAN_AGENT' };
  throw new PermanentDeliveryError(
    'outside_messaging_window',
    delivery.sender.kind === 'agent'
      ? 'Meta allows replies for 7 days after the resident last wrote; this one could not be sent. Contact them another way.'
      : 'More than 24 hours since the resident last wrote: Meta only allows a person to reply now.',
  );
}

/** The Send API `message` for a reply to `to`: quick replies for choices, text only for a private reply. */
export function renderMessage(to: string, content: OutboundContent): Record<string, unknown> {
  const { text, choices = [] } = content;
  if (to.startsWith('comment-')) {
    // A private reply carries text only; it opens a Messenger conversation with the resident.
    return { text: `Thanks for your comment on our page. ${text}\nReply here and we'll help.`.slice(0, 2000) };
  }
  if (choices.length === 0) return { text };
  return {
    text,
    quick_replies: choices.slice(0, MAX_QUICK_REPLIES).map((c) => ({
      content_type: 'text',
      title: c.label.length > QUICK_REPLY_TITLE ? `${c.label.slice(0, QUICK_REPLY_TITLE - 1)}…` : c.label,
      payload: c.value,
    })),
  };
}

export function createSocialAdapter(config: ChannelSettings, credentials: ChannelCredentials): ChannelAdapter {
  // Each reply goes out as the council's own Page, with that Page's token.
  const pageOf = (from: string) => credentials.metaFor(from) ?? { pageId: config.META_PAGE_ID, pageAccessToken: config.META_PAGE_ACCESS_TOKEN };
  const endpointOf = (pageId: string) => `${config.META_GRAPH_URL.replace(/\/$/, '')}/${GRAPH_VERSION}/${pageId}/messages`;
  return {
    id: SOCIAL,
    capabilities: { delivery: 'push', choices: 'native', maxTextLength: 2000 },
    labels: socialLabels,
    async send(delivery) {
      const body = { recipient: recipientOf(delivery.to), ...messagingType(delivery, Date.now()), message: renderMessage(delivery.to, delivery.content) };
      const page = pageOf(delivery.from);
      let response: Response;
      try {
        response = await fetch(endpointOf(page.pageId), {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${page.pageAccessToken}` },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(10_000),
        });
      } catch (error) {
        const code = (error as { cause?: { code?: string } }).cause?.code;
        if (code === 'ECONNREFUSED' || code === 'ENOTFOUND') throw new TransientDeliveryError(`Graph API unreachable (${code})`);
        throw error; // a timeout: Meta may have taken it
      }
      const json = (await response.json().catch(() => ({}))) as GraphError & { message_id?: string };
      if (response.ok && json.message_id) return { providerMessageId: json.message_id };
      const code = json.error?.code;
      const detail = `Graph ${response.status}${code !== undefined ? ` #${code}` : ''}: ${json.error?.message ?? 'no message'}`;
      if (response.status >= 500 || response.status === 429 || (code !== undefined && TRANSIENT_CODES.has(code))) throw new TransientDeliveryError(detail);
      throw new PermanentDeliveryError(String(code ?? response.status), detail);
    },
  };
}
