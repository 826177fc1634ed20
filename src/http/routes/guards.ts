/** The REST API's sign-in guards, shared by every route module under `/api/v1`. */
import type { NextFunction, Request, Response } from 'express';
import type { AgentPrincipal } from '../../conversations/agent-actions';

export type Authed = Request & { agent?: AgentPrincipal; sessionId?: string };
export type Guard = (req: Authed, res: Response, next: NextFunction) => void | Promise<void>;

export interface Guards {
  requireAgent: Guard;
  requireSupervisor: Guard;
  requireAdmin: Guard;
}
