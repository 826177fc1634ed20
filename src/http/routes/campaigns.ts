/** Consent per topic (supervisors and admins record it) and proactive SMS campaigns (admins). */
import { Router } from 'express';
import type { z } from 'zod';
import { campaignProgress, campaignSchema, createCampaign, startCampaign } from '../../campaigns/campaigns';
import { consentSchema, recordConsent } from '../../campaigns/consent';
import { Contact, Consent } from '../../models';
import { councilsOf, servesCouncil } from '../../conversations/agent-actions';
import { NotFoundError } from '../../errors';
import { audit } from '../../privacy/audit';
import type { Services } from '../../services';
import { validateBody } from '../validate';
import { actingCouncil, type Authed, type Guards } from './guards';

export function campaignRoutes(services: Services, guards: Guards): Router {
  const router = Router();
  const supervisor = [guards.requireAgent, guards.requireSupervisor];
  const admin = [guards.requireAgent, guards.requireAdmin];

  router.post('/consents', ...supervisor, validateBody(consentSchema), async (req: Authed, res) => {
    const input = req.body as z.infer<typeof consentSchema>;
    const recorded = await recordConsent(services, actingCouncil(services, req.agent!, req.query.councilId), { ...input, source: input.source ?? `recorded by ${req.agent!.name}` });
    await audit(req.agent!, input.given ? 'consent.given' : 'consent.withdrawn', recorded.contactId, input.topic, input.how);
    res.status(201).json(recorded);
  });

  router.get('/contacts/:id/consents', ...supervisor, async (req: Authed, res) => {
    const contact = await Contact.findById(String(req.params.id), { councilId: 1 }).lean();
    if (!contact || !servesCouncil(req.agent!, contact.councilId)) throw new NotFoundError('That contact');
    const consents = await Consent.find({ contactId: String(req.params.id) }).lean();
    res.json({ consents: consents.map((c) => ({ topic: c.topic, given: c.given, givenAt: c.givenAt ?? null, how: c.how ?? null, source: c.source ?? null, withdrawnAt: c.withdrawnAt ?? null, withdrawnHow: c.withdrawnHow ?? null })) });
  });

  router.post('/campaigns', ...admin, validateBody(campaignSchema), async (req: Authed, res) => {
    const campaign = await createCampaign(services, actingCouncil(services, req.agent!, req.query.councilId), req.body as z.infer<typeof campaignSchema>, req.agent!._id);
    res.status(201).json({ id: campaign._id, status: campaign.status, quietHours: campaign.quietHours });
  });

  router.post('/campaigns/:id/send', ...admin, async (req: Authed, res) => {
    await startCampaign(services, councilsOf(req.agent!), String(req.params.id));
    await audit(req.agent!, 'campaign.send', undefined, String(req.params.id));
    res.status(202).json(await campaignProgress(councilsOf(req.agent!), String(req.params.id)));
  });

  router.get('/campaigns/:id', ...supervisor, async (req: Authed, res) => {
    res.json(await campaignProgress(councilsOf(req.agent!), String(req.params.id)));
  });

  return router;
}
