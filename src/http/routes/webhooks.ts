/** Outbound webhooks (CONTRACT.md §10), admins only: register, list, remove, deliveries, replay. */
import { Router } from 'express';
import type { z } from 'zod';
import { audit } from '../../privacy/audit';
import type { Services } from '../../services';
import { deliveriesOf, listEndpoints, registerEndpoint, removeEndpoint, replayDelivery, webhookEndpointSchema } from '../../webhooks/endpoints';
import { validateBody } from '../validate';
import { councilsOf } from '../../conversations/agent-actions';
import { actingCouncil, type Authed, type Guards } from './guards';

export function webhookRoutes(services: Services, guards: Guards): Router {
  const router = Router();
  const admin = [guards.requireAgent, guards.requireAdmin];
  // Each council has its own endpoints: an admin registers for one (`?councilId=`, default their first) and manages those of theirs.
  const theirs = (req: Authed) => councilsOf(req.agent!);

  router.post('/webhooks', ...admin, validateBody(webhookEndpointSchema), async (req: Authed, res) => {
    const created = await registerEndpoint(actingCouncil(services, req.agent!, req.query.councilId), req.body as z.infer<typeof webhookEndpointSchema>);
    await audit(req.agent!, 'webhook.register', undefined, created.id, created.url);
    res.status(201).json(created);
  });

  router.get('/webhooks', ...admin, async (req: Authed, res) => {
    res.json({ webhooks: await listEndpoints(theirs(req)) });
  });

  router.delete('/webhooks/:id', ...admin, async (req: Authed, res) => {
    await removeEndpoint(theirs(req), String(req.params.id));
    await audit(req.agent!, 'webhook.remove', undefined, String(req.params.id));
    res.status(204).end();
  });

  router.get('/webhooks/:id/deliveries', ...admin, async (req: Authed, res) => {
    res.json({ deliveries: await deliveriesOf(theirs(req), String(req.params.id)) });
  });

  router.post('/webhooks/:id/deliveries/:deliveryId/replay', ...admin, async (req: Authed, res) => {
    await replayDelivery(services, theirs(req), String(req.params.id), String(req.params.deliveryId));
    res.status(202).json({ replaying: String(req.params.deliveryId) });
  });

  return router;
}
