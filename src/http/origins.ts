/** Browser origin rules (they live in the domain, src/domain/origins.ts, so the webchat channel shares them). */
export { originAllowed, sameOrigin } from '../domain/origins';
