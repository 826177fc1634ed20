/**
 * The engine's channels as the server describes them (GET /api/v1/channels): their labels and
 * capabilities come from each channel (channels/<name>/), so the console names no channel and
 * a new channel needs no change here. Loaded once at sign-in, before the workspace draws.
 */
import type { ChannelInfo } from '../../../src/domain/workspace';

let known: ChannelInfo[] = [];

export async function loadChannels(fetchJson: (path: string) => Promise<{ channels: ChannelInfo[] }>): Promise<void> {
  try {
    known = (await fetchJson('/channels')).channels;
  } catch {
    // Unavailable (a temporary password, say): channels read by their ids until the next sign-in.
  }
}

export const allChannels = (): readonly ChannelInfo[] => known;
export const channelInfo = (id: string): ChannelInfo | undefined => known.find((c) => c.id === id);
