/** The SMS channel's id and words (texts and WhatsApp, through Twilio). */
import type { ChannelLabels } from '../../src/domain/channel';
import { channelId } from '../../src/domain/messages';
import { phoneLabels } from '../twilio/phone';

export const SMS = channelId('sms');
export const smsLabels: ChannelLabels = phoneLabels('SMS');
