/** The phone channel's id and words (Twilio Voice). */
import type { ChannelLabels } from '../../src/domain/channel';
import { channelId } from '../../src/domain/messages';
import { phoneLabels } from '../twilio/phone';

export const VOICE = channelId('voice');
export const voiceLabels: ChannelLabels = phoneLabels('Phone');
