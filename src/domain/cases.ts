/** Case statuses and how they read to residents: used by flows, notices and Open311 alike. */
export const CASE_STATUSES = ['received', 'scheduled', 'in_progress', 'fixed', 'closed'] as const;
export const OPEN_STATUSES: readonly string[] = ['received', 'scheduled', 'in_progress'];

/** "scheduled for repair", in chat, texts and on the phone. */
export function statusWords(status: string): string {
  const words: Record<string, string> = { received: 'received', scheduled: 'scheduled for repair', in_progress: 'being worked on', fixed: 'fixed', closed: 'closed' };
  return words[status] ?? status.replace(/_/g, ' ');
}
