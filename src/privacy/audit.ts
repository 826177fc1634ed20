/**
 * Who read or changed a resident's records, and when (CONTRACT.md §12 `GET /api/v1/audit`).
 * One insert per access; entries name the person by contact id only, never by what they wrote.
 * Entries are kept when the person is erased (they hold no personal data), so the erasure
 * itself stays on record.
 */
import { randomBytes } from 'node:crypto';
import mongoose, { Schema, type InferSchemaType, type Model } from 'mongoose';

const auditSchema = new Schema(
  {
    _id: { type: String, required: true },
    at: { type: Date, required: true },
    /** The agent (or `system` for scheduled jobs, `open311:<key>` for council systems). */
    actorId: { type: String, required: true },
    actorRole: String,
    /** e.g. `conversation.read`, `case.status`, `contact.export`, `contact.erase`. */
    action: { type: String, required: true },
    contactId: { type: String, index: true },
    /** What was touched: a conversation id, a case reference. */
    target: String,
    /** Anything else worth keeping (a note sent to the resident is recorded here as sent). */
    detail: String,
  },
  { versionKey: false },
);

export const AuditEntry: Model<InferSchemaType<typeof auditSchema>> =
  (mongoose.models.AuditEntry as Model<InferSchemaType<typeof auditSchema>>) ?? mongoose.model('AuditEntry', auditSchema, 'audit_log');

export interface AuditActor {
  _id: string;
  role?: string;
}

export async function audit(actor: AuditActor, action: string, contactId: string | undefined | null, target?: string, detail?: string): Promise<void> {
  await AuditEntry.create({
    _id: `audit-${Date.now().toString(36)}-${randomBytes(6).toString('hex')}`,
    at: new Date(),
    actorId: actor._id,
    ...(actor.role ? { actorRole: actor.role } : {}),
    action,
    ...(contactId ? { contactId } : {}),
    ...(target ? { target } : {}),
    ...(detail ? { detail } : {}),
  });
}

/** One entry per record read in a list (a single insert). */
export async function auditEach(actor: AuditActor, action: string, records: Array<{ contactId?: string | null; target: string }>): Promise<void> {
  if (records.length === 0) return;
  const at = new Date();
  await AuditEntry.insertMany(
    records.map((r) => ({
      _id: `audit-${at.getTime().toString(36)}-${randomBytes(6).toString('hex')}`,
      at,
      actorId: actor._id,
      ...(actor.role ? { actorRole: actor.role } : {}),
      action,
      ...(r.contactId ? { contactId: r.contactId } : {}),
      target: r.target,
    })),
  );
}

export async function auditTrail(contactId: string): Promise<Array<{ at: string; actorId: string; actorRole?: string; action: string; target?: string; detail?: string }>> {
  const entries = await AuditEntry.find({ contactId }).sort({ at: 1 }).limit(5000).lean();
  return entries.map((e) => ({
    at: e.at.toISOString(),
    actorId: e.actorId,
    ...(e.actorRole ? { actorRole: e.actorRole } : {}),
    action: e.action,
    ...(e.target ? { target: e.target } : {}),
    ...(e.detail ? { detail: e.detail } : {}),
  }));
}
