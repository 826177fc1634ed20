/** A timed offer: accept or decline before the time runs out (then it goes to the next agent). */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { OfferPayload } from '../../../src/domain/workspace';
import { channelName } from './format';

export function OfferBanner({ offer, onAccept, onDecline }: { offer: OfferPayload; onAccept: () => void; onDecline: () => void }) {
  const [, setTick] = useState(0);
  const accept = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    const t = window.setInterval(() => setTick((n) => n + 1), 1000);
    return () => window.clearInterval(t);
  }, []);
  const left = offer.expiresAt ? Math.max(0, Math.round((new Date(offer.expiresAt).getTime() - Date.now()) / 1000)) : undefined;
  return (
    <div id="offer" class="offer" role="region" aria-labelledby="offer-title">
      <h2 id="offer-title">Offered to you</h2>
      <p id="offer-text">
        {channelName(offer.channel)} · queue {offer.queue}
        {offer.preview ? `: ${offer.preview}` : ''}
      </p>
      {left !== undefined && <p class="countdown">{left > 0 ? `${left} s to accept` : 'Time is up'}</p>}
      <button id="offer-accept" ref={accept} type="button" onClick={onAccept}>Accept</button>
      <button id="offer-decline" type="button" class="secondary" onClick={onDecline}>Decline</button>
    </div>
  );
}
