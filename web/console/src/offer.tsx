/** A timed offer: accept or decline before the time runs out (then it goes to the next agent). */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { OfferPayload } from '../../../src/domain/workspace';
import { channelName } from './format';

export function OfferBanner({ offer, n, onAccept, onDecline }: { offer: OfferPayload; n: number; onAccept: () => void; onDecline: () => void }) {
  const [, setTick] = useState(0);
  const accept = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    const t = window.setInterval(() => setTick((n) => n + 1), 1000);
    return () => window.clearInterval(t);
  }, []);
  const left = offer.expiresAt ? Math.max(0, Math.round((new Date(offer.expiresAt).getTime() - Date.now()) / 1000)) : undefined;
  return (
    <div class="offer" role="region" aria-labelledby={`offer-title-${n}`}>
      <h2 id={`offer-title-${n}`}>Offered to you{n > 0 ? ` (${n + 1})` : ''}</h2>
      <p>
        {channelName(offer.channel)} · queue {offer.queue}
        {offer.preview ? `: ${offer.preview}` : ''}
      </p>
      {left !== undefined && <p class="countdown">{left > 0 ? `${left} s to accept` : 'Time is up'}</p>}
      <button ref={accept} type="button" onClick={onAccept}>Accept</button>
      <button type="button" class="secondary" onClick={onDecline}>Decline</button>
    </div>
  );
}
