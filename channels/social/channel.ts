/** The social channel's id and words (Messenger, Instagram and Page comments, through Meta). */
import type { ChannelLabels } from '../../src/domain/channel';
import { channelId } from '../../src/domain/messages';

export const SOCIAL = channelId('social');
export const socialLabels: ChannelLabels = {
  name: 'Facebook or Instagram',
  short: 'Social media',
  resident: () => 'Facebook or Instagram user',
  // A page-scoped id reaches them only through this Page: agents are told so.
  address: (address) => `Page-scoped id ${address}`,
  follower: () => 'A Facebook or Instagram user',
};
