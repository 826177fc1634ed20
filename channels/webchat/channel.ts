/** The webchat's id and words. */
import type { ChannelLabels } from '../../src/domain/channel';
import { channelId } from '../../src/domain/messages';

export const WEBCHAT = channelId('webchat');
// A session hash is no address anyone can use: agents never see it.
export const webchatLabels: ChannelLabels = {
  name: 'Website chat',
  short: 'Webchat',
  resident: () => 'Website visitor',
  address: () => 'Website chat session',
  follower: () => 'A website chat session',
};
