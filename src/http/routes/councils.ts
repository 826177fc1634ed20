/**
 * Councils through the admin API (CONTRACT.md §9): read a council, change what staff may change
 * without a deploy (office hours, queues, campgrounds, canned responses, crisis lines), replace
 * its provider secrets (write-only: never shown), and add, replace or remove its knowledge pages.
 * A change rebuilds that council's understanding and knowledge index, here and in every other
 * process; another council is untouched. Admins see only the councils they serve (others: 404).
 */
import { Router } from 'express';
import { z } from 'zod';
import { servedCouncils } from '../../conversations/agent-actions';
import { councilPatchSchema, type CouncilPatch } from '../../councils/directory';
import type { CouncilSettings } from '../../councils/settings';
import { NotFoundError } from '../../errors';
import { KnowledgePage } from '../../models';
import { audit } from '../../privacy/audit';
import type { Services } from '../../services';
import { parseInput } from '../../validation';
import { validateBody } from '../validate';
import { actingCouncil, type Authed, type Guards } from './guards';

export const knowledgePageSchema = z.strictObject({
  title: z.string().trim().min(3).max(120),
  source: z.url(),
  reviewed: z.iso.date().optional(),
  /** Markdown: `## Heading` sections become the passages answers are drawn from. */
  body: z.string().min(20).max(50_000).refine((b) => /^## /m.test(b), 'needs at least one "## " section heading'),
  questions: z.array(z.string().trim().min(3).max(200)).max(100).default([]),
});
const slugSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,60}$/, 'must be lower-case letters, digits and dashes');

/** What an admin sees of a council: everything but secrets, which show only whether they are set. */
export function councilView(c: CouncilSettings) {
  return {
    id: c.id,
    name: c.name,
    timezone: c.timezone,
    officeHours: c.officeHours,
    locale: c.locale,
    voice: c.voice,
    retentionDays: c.retentionDays ?? null,
    referencePrefix: c.referencePrefix,
    queues: c.queues,
    interpreterLine: c.interpreterLine,
    crisisLines: c.crisisLines,
    cannedResponses: c.cannedResponses,
    twilio: { phoneNumbers: c.twilio.phoneNumbers, accountSid: c.twilio.accountSid, authTokenSet: Boolean(c.twilio.authToken) },
    meta: { pageId: c.meta.pageId || null, instagramId: c.meta.instagramId ?? null, appSecretSet: Boolean(c.meta.appSecret), pageAccessTokenSet: Boolean(c.meta.pageAccessToken), verifyTokenSet: Boolean(c.meta.verifyToken) },
    webchat: c.webchat,
    open311: { apiKeyCount: c.open311.apiKeys.length },
    branding: c.branding,
  };
}

export function councilRoutes(services: Services, guards: Guards): Router {
  const router = Router();
  const admin = [guards.requireAgent, guards.requireAdmin];
  const { councils } = services;
  const theirs = (req: Authed, id: unknown) => actingCouncil(services, req.agent!, id);

  router.get('/councils', ...admin, (req: Authed, res) => {
    res.json({ councils: servedCouncils(services, req.agent!).map((id) => councilView(councils.council(id))) });
  });

  router.get('/councils/:id', ...admin, (req: Authed, res) => {
    res.json(councilView(councils.council(theirs(req, req.params.id))));
  });

  router.patch('/councils/:id', ...admin, validateBody(councilPatchSchema), async (req: Authed, res) => {
    const id = theirs(req, req.params.id);
    const patch = req.body as CouncilPatch;
    const updated = await councils.update(id, patch, services.redis, services.config.QUEUE_PREFIX);
    await audit(req.agent!, 'council.update', undefined, id, Object.keys(patch).join(', '));
    res.json(councilView(updated));
  });

  router.get('/councils/:id/knowledge', ...admin, (req: Authed, res) => {
    const { knowledge } = councils.tenant(theirs(req, req.params.id));
    res.json({ pages: knowledge.pages.map((p) => ({ id: p.id, title: p.title, questions: p.questions })) });
  });

  // A page added (or replaced, by slug) is used in that council's next answer.
  router.put('/councils/:id/knowledge/:slug', ...admin, validateBody(knowledgePageSchema), async (req: Authed, res) => {
    const id = theirs(req, req.params.id);
    const slug = parseInput(slugSchema, req.params.slug);
    const page = req.body as z.infer<typeof knowledgePageSchema>;
    const reviewed = page.reviewed ?? new Date().toISOString().slice(0, 10);
    await KnowledgePage.updateOne({ _id: `${id}-${slug}` }, { $set: { councilId: id, slug, ...page, reviewed, updatedBy: req.agent!._id } }, { upsert: true });
    await councils.changed(id, services.redis, services.config.QUEUE_PREFIX);
    await audit(req.agent!, 'knowledge.save', undefined, `${id}/${slug}`);
    res.json({ id: slug, title: page.title, pages: councils.tenant(id).knowledge.pages.length });
  });

  router.delete('/councils/:id/knowledge/:slug', ...admin, async (req: Authed, res) => {
    const id = theirs(req, req.params.id);
    const slug = parseInput(slugSchema, req.params.slug);
    const removed = await KnowledgePage.deleteOne({ _id: `${id}-${slug}` });
    if (removed.deletedCount !== 1) throw new NotFoundError('That knowledge page (only pages added through the API can be removed)');
    await councils.changed(id, services.redis, services.config.QUEUE_PREFIX);
    await audit(req.agent!, 'knowledge.remove', undefined, `${id}/${slug}`);
    res.status(204).end();
  });

  return router;
}
