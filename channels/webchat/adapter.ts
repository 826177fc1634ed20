/**
 * Webchat replies are pushed to the resident's browser over Socket.IO (`/webchat`, room
 * `resident-<identity>`) as `message.created` events. A browser that is away catches up by
 * `session.start` with `sinceSeq`, so a missed emit loses nothing.
 */
import type { ChannelAdapter } from '../../src/domain/channel';
import type { ResidentRealtime } from '../../src/domain/channel-host';
import { WEBCHAT, webchatLabels } from './channel';

export function createWebchatAdapter(residents: ResidentRealtime): ChannelAdapter {
  return {
    id: WEBCHAT,
    capabilities: { delivery: 'realtime', choices: 'native', maxTextLength: 4000, sessionAddress: true },
    labels: webchatLabels,
    async send(delivery) {
      residents.toResident(delivery.identityId, 'message.created', {
        id: delivery.messageId,
        seq: delivery.seq,
        conversationId: delivery.conversationId,
        sender: delivery.sender,
        text: delivery.content.text,
        ...(delivery.content.choices?.length ? { choices: delivery.content.choices } : {}),
        ...(delivery.flow ? { flow: delivery.flow } : {}),
        createdAt: delivery.createdAt.toISOString(),
      });
      return {};
    },
  };
}
