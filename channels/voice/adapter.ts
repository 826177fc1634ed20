/**
 * The phone channel (Twilio Voice). The bot's replies are spoken in the TwiML that answers
 * each webhook (see webhook.ts), so `send` has no provider call to make. Accepting a caller
 * is a REST call: the waiting call is redirected to the agent's phone or Twilio Client, or,
 * for a call-back, the agent is called and then put through to the resident.
 */
import twilio from 'twilio';
import { PermanentDeliveryError, type AgentConnection, type ChannelAdapter } from '../../src/domain/channel';
import type { ChannelSettings } from '../../src/domain/channel-host';
import { twilioClients } from '../twilio/client';
import type { ChannelCredentials } from '../../src/domain/channel';
import { voiceOf } from './twiml';
import { VOICE, voiceLabels } from './channel';

export function createVoiceAdapter(config: ChannelSettings, credentials: ChannelCredentials): ChannelAdapter {
  const clientFor = twilioClients(config, credentials);
  return {
    id: VOICE,
    capabilities: { delivery: 'response', choices: 'spoken', maxTextLength: 1000, phone: 'call' },
    labels: voiceLabels,
    async send() {
      return {};
    },
    async connectAgent(request: AgentConnection) {
      const { agent } = request;
      if (!agent.phone && !agent.clientIdentity) {
        throw new PermanentDeliveryError('no_agent_phone', `${agent.name} has no phone number or Twilio Client identity to put the call through to.`);
      }
      const { sayAs } = voiceOf(request.voice);
      const twiml = new twilio.twiml.VoiceResponse();
      if (request.liveCallId) {
        twiml.say(sayAs, `Connecting you to ${agent.name} now.`);
        const dial = twiml.dial({ callerId: request.councilAddress });
        if (agent.phone) dial.number(agent.phone);
        else dial.client(agent.clientIdentity!);
        // Redirecting the queued call takes it out of Twilio's queue and bridges it.
        await clientFor(request.councilAddress).calls(request.liveCallId).update({ twiml: twiml.toString() });
        return;
      }
      twiml.say(sayAs, 'Calling the resident back now.');
      twiml.dial({ callerId: request.councilAddress }).number(request.residentAddress);
      await clientFor(request.councilAddress).calls.create({
        to: agent.phone ?? `client:${agent.clientIdentity}`,
        from: request.councilAddress,
        twiml: twiml.toString(),
      });
    },
  };
}
