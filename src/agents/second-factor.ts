/**
 * An optional TOTP second factor for admins and supervisors (RFC 6238, through otplib), as
 * authenticator apps show it: 6 digits every 30 seconds. The secret is encrypted at rest with
 * a key derived from APP_SECRET, so a copy of the database alone cannot mint codes; a code is
 * accepted once (a Redis claim on its time step, because FerretDB updates are not atomic), and
 * only a code from the current or previous step counts.
 */
import { seal, unseal } from '../sealed-secrets';
import { generateSecret, generateURI, verify } from 'otplib';
import { AuthError } from '../errors';
import { Agent, type AgentDoc } from '../models';
import type { Redis } from '../redis';

const ROLES_WITH_SECOND_FACTOR: ReadonlySet<string> = new Set(['admin', 'supervisor']);
/** Thirty seconds either side: a phone's clock a little off still works. */
const TOLERANCE_SECONDS = 30;

export interface SecondFactorOptions {
  appSecret: string;
  redis: Redis;
  keyPrefix: string;
  issuer: string;
}

const PURPOSE = 'agent-second-factor';
const sealSecret = (appSecret: string, secret: string) => seal(appSecret, PURPOSE, secret);
const openSecret = (appSecret: string, sealed: string) => unseal(appSecret, PURPOSE, sealed);

const looksLikeCode = (code: string) => /^\d{6}$/.test(code);

export class SecondFactor {
  constructor(private readonly options: SecondFactorOptions) {}

  static required(agent: Pick<AgentDoc, 'secondFactor'>): boolean {
    return Boolean(agent.secondFactor?.secret);
  }

  /** Offers a new secret; it protects sign-in only once a code from it is confirmed. */
  async begin(agent: AgentDoc): Promise<{ secret: string; otpauthUri: string }> {
    if (!ROLES_WITH_SECOND_FACTOR.has(agent.role)) throw new AuthError('A second factor is for admins and supervisors.', 'forbidden', 403);
    const secret = generateSecret();
    await Agent.updateOne({ _id: agent._id }, { $set: { pendingSecondFactor: sealSecret(this.options.appSecret, secret) } });
    return { secret, otpauthUri: generateURI({ issuer: this.options.issuer, label: agent.email, secret }) };
  }

  async confirm(agentId: string, code: string): Promise<void> {
    const agent = await Agent.findById(agentId).lean<AgentDoc>();
    if (!agent?.pendingSecondFactor) throw new AuthError('Start setting up the second factor first.', 'second_factor_not_started', 409);
    const secret = openSecret(this.options.appSecret, agent.pendingSecondFactor);
    const step = await this.check(agentId, secret, code, undefined);
    await Agent.updateOne(
      { _id: agentId },
      { $set: { secondFactor: { secret: agent.pendingSecondFactor, enabledAt: new Date(), lastTimeStep: step } }, $unset: { pendingSecondFactor: 1 } },
    );
  }

  /** At sign-in, after the password: throws unless the code is right and unused. */
  async verifyAtSignIn(agent: AgentDoc, code: string | undefined): Promise<void> {
    if (!agent.secondFactor?.secret) return;
    if (!code) throw new AuthError('Enter the 6-digit code from your authenticator app.', 'second_factor_required');
    const step = await this.check(agent._id, openSecret(this.options.appSecret, agent.secondFactor.secret), code, agent.secondFactor.lastTimeStep ?? undefined);
    await Agent.updateOne({ _id: agent._id }, { $set: { 'secondFactor.lastTimeStep': step } });
  }

  /** Turning it off needs a current code, so a stolen session alone cannot remove it. */
  async disable(agent: AgentDoc, code: string): Promise<void> {
    if (!agent.secondFactor?.secret) return;
    await this.check(agent._id, openSecret(this.options.appSecret, agent.secondFactor.secret), code, agent.secondFactor.lastTimeStep ?? undefined);
    await Agent.updateOne({ _id: agent._id }, { $unset: { secondFactor: 1, pendingSecondFactor: 1 } });
  }

  private async check(agentId: string, secret: string, code: string, afterTimeStep: number | undefined): Promise<number> {
    const wrong = new AuthError('That code is not right. Check the time on your phone and try the newest code.', 'invalid_code');
    if (!looksLikeCode(code)) throw wrong;
    const result = await verify({ secret, token: code, epochTolerance: TOLERANCE_SECONDS, ...(afterTimeStep !== undefined ? { afterTimeStep } : {}) }).catch(() => ({ valid: false as const }));
    if (!result.valid || !('timeStep' in result)) throw wrong;
    // One use per time step, across every web process.
    const claimed = await this.options.redis.set(`${this.options.keyPrefix}:second-factor:${agentId}:${result.timeStep}`, '1', 'EX', 180, 'NX');
    if (claimed !== 'OK') throw wrong;
    return result.timeStep;
  }
}
