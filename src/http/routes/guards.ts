/** The REST API's sign-in guards, shared by every route module under `/api/v1`. */
import type { NextFunction, Request, Response } from 'express';
import { servedCouncils, type AgentPrincipal } from '../../conversations/agent-actions';
import { NotFoundError } from '../../errors';
import type { Services } from '../../services';

export type Authed = Request & { agent?: AgentPrincipal; sessionId?: string };
export type Guard = (req: Authed, res: Response, next: NextFunction) => void | Promise<void>;

export interface Guards {
  requireAgent: Guard;
  requireSupervisor: Guard;
  requireAdmin: Guard;
}

/**
 * The council a request acts for (a campaign, a consent, a report): `requested` (a `councilId`
 * in the body or query) when the agent serves it, else the first council they serve. A council
 * they do not serve is a 404, as if it did not exist.
 */
export function actingCouncil(services: Services, agent: AgentPrincipal, requested?: unknown): string {
  const theirs = servedCouncils(services, agent);
  if (typeof requested === 'string' && requested) {
    if (!theirs.includes(requested)) throw new NotFoundError(`The council "${requested}"`);
    return requested;
  }
  if (!theirs[0]) throw new NotFoundError('Your council');
  return theirs[0];
}
