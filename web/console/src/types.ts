/** The server's shapes as they arrive over JSON (dates as ISO strings), from src/domain. */
import type { ConversationView } from '../../../src/domain/conversation';
import type { CapturedDetail, ThreadMessage } from '../../../src/domain/workspace';

export type Wire<T> = { [K in keyof T]: T[K] extends Date ? string : T[K] extends Date | undefined ? string | undefined : T[K] };

export type ConversationWire = Wire<ConversationView>;

export interface Me {
  id: string;
  name: string;
  email: string;
  role: 'agent' | 'supervisor' | 'admin';
  queues: string[];
  capacity: number;
  /** The councils this agent serves, by name (a shared service serves several). */
  councils?: Array<{ id: string; name: string }>;
  /** Signed in with a password an admin chose: they choose their own before anything else. */
  mustChangePassword?: boolean;
}

export interface Opened {
  conversation: ConversationWire;
  who: string;
  /** Whose conversation, when the agent serves several councils. */
  councilName?: string;
  captured: CapturedDetail[];
  summary: string;
  summarySource: 'generated' | 'resident';
  messages: ThreadMessage[];
  resident: { channel: string; address: string; optedOut: boolean };
  otherConversations: Array<{ id: string; channel: string; status: string; createdAt: string; preview?: string }>;
}

export interface CannedResponse {
  title: string;
  text: string;
}
