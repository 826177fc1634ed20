/**
 * Agent sign-in. Passwords are hashed with Argon2id (memory-hard). A sign-in returns an
 * opaque bearer token; only its SHA-256 is stored, so a database leak yields no usable
 * token, and signing out (or expiry) ends it everywhere at once.
 */
import { createHash, randomBytes } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import { DEFAULT_COUNCIL_ID } from '../councils/settings';
import { AuthError, ValidationError } from '../errors';
import { shortHash } from '../ids';
import { Agent, AgentSession, insertOnce, type AgentDoc } from '../models';

const tokenId = (token: string) => createHash('sha256').update(token).digest('hex');

export function hashPassword(password: string): Promise<string> {
  return hash(password, { memoryCost: 19456, timeCost: 2, parallelism: 1 });
}

export interface CreateAgentInput {
  email: string;
  name: string;
  password: string;
  role: 'agent' | 'supervisor' | 'admin';
  queues?: string[];
  /** The councils served (default: the default council, as on an engine without TENANTS_FILE). */
  councils?: string[];
  /** A password an admin chose: the agent chooses their own at first sign-in. */
  temporary?: boolean;
}

export async function createAgent(input: CreateAgentInput): Promise<AgentDoc> {
  const email = input.email.trim().toLowerCase();
  const doc = {
    _id: `agent-${shortHash(email, 16)}`,
    email,
    name: input.name,
    passwordHash: await hashPassword(input.password),
    role: input.role,
    queues: input.queues ?? ['general'],
    councils: input.councils ?? [DEFAULT_COUNCIL_ID],
    mustChangePassword: input.temporary === true,
  };
  await Agent.create(doc);
  return (await Agent.findById(doc._id).lean<AgentDoc>())!;
}

/** Creates the seeded admin when no agent exists yet (a deterministic id makes concurrent boots safe). */
export async function seedAdmin(email: string, password: string, councils: string[]): Promise<boolean> {
  if ((await Agent.estimatedDocumentCount()) > 0) return false;
  return insertOnce(createAgent({ email, name: 'Administrator', password, role: 'admin', councils }));
}

// A fixed hash to verify against when the email is unknown, so timing doesn't reveal accounts.
let decoyHash: Promise<string> | undefined;

/**
 * Signs an agent in. `beforeSession` runs after the password matched and before a token
 * exists: the second factor's check, when the agent has one.
 */
export async function login(
  email: string,
  password: string,
  sessionHours: number,
  beforeSession: (agent: AgentDoc) => Promise<void> = async () => undefined,
): Promise<{ token: string; expiresAt: Date; agent: AgentDoc }> {
  const agent = await Agent.findOne({ email: email.trim().toLowerCase() }).lean<AgentDoc>();
  decoyHash ??= hashPassword(randomBytes(16).toString('hex'));
  const ok = await verify(agent?.passwordHash ?? (await decoyHash), password).catch(() => false);
  if (!agent || !ok) throw new AuthError('That email and password do not match.', 'invalid_credentials');
  if (agent.active === false) throw new AuthError('This account has been deactivated. Ask an admin.', 'deactivated');
  await beforeSession(agent);
  const token = randomBytes(32).toString('base64url');
  const expiresAt = new Date(Date.now() + sessionHours * 3600_000);
  await AgentSession.create({ _id: tokenId(token), agentId: agent._id, expiresAt });
  return { token, expiresAt, agent };
}

export async function authenticate(token: string | undefined): Promise<{ agent: AgentDoc; sessionId: string; expiresAt: Date }> {
  if (!token || token.length > 200) throw new AuthError();
  const session = await AgentSession.findById(tokenId(token)).lean();
  if (!session || session.expiresAt <= new Date()) throw new AuthError('Your sign-in has expired. Please sign in again.', 'session_expired');
  const agent = await Agent.findById(session.agentId).lean<AgentDoc>();
  if (!agent || agent.active === false) throw new AuthError();
  return { agent, sessionId: session._id, expiresAt: session.expiresAt };
}

export async function logout(token: string): Promise<void> {
  await AgentSession.deleteOne({ _id: tokenId(token) });
}

/** Purges expired sessions (no TTL index: FerretDB v1 has none). */
export async function purgeExpiredSessions(): Promise<number> {
  const result = await AgentSession.deleteMany({ expiresAt: { $lte: new Date() } });
  return result.deletedCount;
}

/** An admin sets a temporary password: they choose their own at the next sign-in (the caller ends their sign-ins). */
export async function resetPassword(agentId: string, temporary: string): Promise<void> {
  await Agent.updateOne({ _id: agentId }, { $set: { passwordHash: await hashPassword(temporary), mustChangePassword: true } });
}

/**
 * The agent changes their own password (the current one first, as a sign-in would check it).
 * Their other sign-ins end; this one goes on.
 */
export async function changeOwnPassword(agent: Pick<AgentDoc, '_id' | 'passwordHash'>, sessionId: string, current: string, next: string): Promise<void> {
  if (!(await verify(agent.passwordHash, current).catch(() => false))) throw new AuthError('Your current password is not right.', 'invalid_credentials');
  if (await verify(agent.passwordHash, next).catch(() => false)) throw new ValidationError('Choose a password different from the one you have.', 'same_password');
  await Agent.updateOne({ _id: agent._id }, { $set: { passwordHash: await hashPassword(next), mustChangePassword: false } });
  await AgentSession.deleteMany({ agentId: agent._id, _id: { $ne: sessionId } });
}
