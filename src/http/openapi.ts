/**
 * The REST API's OpenAPI 3.1 document (`GET /api/v1/openapi.json`, CONTRACT.md §5). Request
 * bodies come from the same zod schemas that validate them, so the document cannot drift
 * from what the API accepts.
 */
import { z } from 'zod';

const bearer = [{ bearerAuth: [] }];
const json = (schema: z.ZodType) => ({ content: { 'application/json': { schema: z.toJSONSchema(schema, { io: 'input' }) } } });
const ok = (description: string) => ({ 200: { description }, 401: { description: 'Missing or expired sign-in' } });

export function openApiDocument(schemas: { login: z.ZodType; agentProfile: z.ZodType; caseStatus: z.ZodType; webhook: z.ZodType; analyticsQuery: z.ZodObject; consent: z.ZodType; campaign: z.ZodType; contactPatch: z.ZodType; permitCancel: z.ZodType; follower: z.ZodType; agentCreate: z.ZodType; agentPatch: z.ZodType; canned: z.ZodType; passwordChange: z.ZodType }): Record<string, unknown> {
  const get = (summary: string, extra: Record<string, unknown> = {}) => ({ get: { summary, security: bearer, responses: ok(summary), ...extra } });
  const idParam = (name: string) => ({ parameters: [{ name, in: 'path', required: true, schema: { type: 'string' } }] });
  const pathParams = (...names: string[]) => names.map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } }));
  // Query parameters straight from the validating schema.
  const analyticsParams = Object.entries(schemas.analyticsQuery.shape).map(([name, schema]) => ({ name, in: 'query', required: false, schema: z.toJSONSchema(schema as z.ZodType, { io: 'input' }) }));
  return {
    openapi: '3.1.0',
    info: { title: 'Switchboard REST API', version: '1.0.0', description: 'Agents, supervisors and council systems. Sign in for a bearer token.' },
    servers: [{ url: '/api/v1' }],
    components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } },
    paths: {
      '/auth/login': { post: { summary: 'Sign in (rate-limited)', requestBody: json(schemas.login), responses: { 200: { description: '{ token, expiresAt, agent }' }, 401: { description: 'Wrong email or password; `second_factor_required` (send `code` too) or `invalid_code`' }, 429: { description: 'Too many attempts' } } } },
      '/me/second-factor': {
        post: { summary: 'Begin a TOTP second factor (admins and supervisors): { secret, otpauthUri }', security: bearer, responses: { 201: { description: 'A secret to add to an authenticator app' }, 403: { description: 'Not for this role' }, 409: { description: 'Already on' } } },
        delete: { summary: 'Turn the second factor off (body: { code })', security: bearer, responses: { 204: { description: 'Off' }, 401: { description: 'Wrong code' } } },
      },
      '/me/second-factor/confirm': { post: { summary: 'Turn the second factor on with a first code (body: { code })', security: bearer, responses: { 204: { description: 'On' }, 401: { description: 'Wrong code' } } } },
      '/auth/logout': { post: { summary: 'Sign out (closes this sign-in\'s sockets)', security: bearer, responses: { 204: { description: 'Signed out' } } } },
      '/me': get('The signed-in agent (`mustChangePassword`: signed in with a temporary password)'),
      '/me/password': { post: { summary: 'Choose one\'s own password (the current one first; counted like sign-ins; other sign-ins end)', security: bearer, requestBody: json(schemas.passwordChange), responses: { 204: { description: 'Changed' }, 400: { description: 'Too short, or the same as before' }, 401: { description: 'The current password is wrong' }, 429: { description: 'Too many attempts' } } } },
      '/agents/me': { patch: { summary: 'Where accepted phone calls are put through', security: bearer, requestBody: json(schemas.agentProfile), responses: ok('The updated agent') } },
      '/conversations': get('Conversations the agent may see', {
        parameters: ['status', 'channel', 'address'].map((name) => ({ name, in: 'query', required: false, schema: { type: 'string' } })),
      }),
      '/conversations/{id}': get('One conversation', idParam('id')),
      '/conversations/{id}/messages': get('Its timeline, oldest first', idParam('id')),
      '/contacts/{id}': {
        ...get('A person with every channel identity (and consent), languages, conversations, reports and permits', idParam('id')),
        patch: { summary: 'Name the person (agents who may see one of their conversations)', security: bearer, ...idParam('id'), requestBody: json(schemas.contactPatch), responses: ok('The person') },
        delete: { summary: 'Erase the person everywhere (admins)', security: bearer, ...idParam('id'), responses: { 200: { description: '{ erased: counts }' }, 403: { description: 'Admins only' }, 404: { description: 'No such contact' } } },
      },
      '/contacts/{id}/export': get('Everything held about the person, media included (admins)', idParam('id')),
      '/audit': get('Who read or changed a person\'s records, and when (admins)', { parameters: [{ name: 'contactId', in: 'query', required: true, schema: { type: 'string' } }] }),
      '/queue': get('Waiting conversations in taking order, and the agent\'s own'),
      '/queues': get('The council\'s queues'),
      '/channels': get('The engine\'s channels: id, label, short label and capabilities (the console names channels by these)'),
      '/canned-responses': {
        ...get('Ready-made replies'),
        post: { summary: 'Add a ready-made reply, or replace the one with that title (admins)', security: bearer, requestBody: json(schemas.canned), responses: { 201: { description: 'The reply' }, 403: { description: 'Admins only' } } },
      },
      '/canned-responses/{id}': { delete: { summary: 'Remove a ready-made reply (admins)', security: bearer, ...idParam('id'), responses: { 204: { description: 'Removed' }, 404: { description: 'No such reply' } } } },
      '/search': get('Conversations and people by phone number, name, reference (RC-/CP-) or message text, limited to what the caller may see', { parameters: [{ name: 'q', in: 'query', required: true, schema: { type: 'string', minLength: 2, maxLength: 100 } }] }),
      '/permits/{reference}/cancel': { post: { summary: 'Cancel a resident\'s permit (places freed, the resident told, recorded with who did it)', security: bearer, ...idParam('reference'), requestBody: json(schemas.permitCancel), responses: ok('The permit') } },
      '/agents': {
        ...get('Agents with role, queues, capacity, presence and load (supervisors and admins)'),
        post: { summary: 'Create an agent (admins); the display name is what residents see', security: bearer, requestBody: json(schemas.agentCreate), responses: { 201: { description: 'The agent' }, 403: { description: 'Admins only' }, 409: { description: 'That email exists' } } },
      },
      '/agents/{id}': { patch: { summary: 'Change an agent\'s display name, role, queues, capacity, or deactivate (admins)', security: bearer, ...idParam('id'), requestBody: json(schemas.agentPatch), responses: ok('The agent') } },
      '/supervisor/wallboard': get('Waiting and longest wait per queue now and over 4 hours, service level, agents by state, assistant versus people today, survey scores (supervisors)'),
      '/supervisor/overview': get('Waiting per queue, longest wait, agents by presence and load (supervisors)'),
      '/cases/{reference}': get('A report or permit with its status history', idParam('reference')),
      '/contacts/{id}/journey': get('The person\'s journey: conversations, cases and permits in time order with their outcomes, and every journey event', idParam('id')),
      '/analytics/summary': get('Contacts, containment, handoff reasons, funnels, reply and resolution times, queue waits and abandonment, survey scores, repeat contact and cost to serve over a range (supervisors)', { parameters: analyticsParams }),
      '/analytics/summary.csv': get('The same figures as CSV rows section,key,channel,value (supervisors)', { parameters: analyticsParams }),
      '/webhooks': {
        post: { summary: 'Register a back-office endpoint for outbound webhooks (admins); the secret is shown once', security: bearer, requestBody: json(schemas.webhook), responses: { 201: { description: '{ id, secret (whsec_…), url, events }' }, 400: { description: 'Invalid URL or event type' }, 403: { description: 'Admins only' } } },
        get: { summary: 'Registered endpoints (admins)', security: bearer, responses: ok('{ webhooks }') },
      },
      '/webhooks/{id}': { delete: { summary: 'Stop sending to an endpoint (admins)', security: bearer, ...idParam('id'), responses: { 204: { description: 'Stopped' }, 404: { description: 'No such webhook' } } } },
      '/webhooks/{id}/deliveries': get('Deliveries to the endpoint, newest first, each with every attempt (admins)', idParam('id')),
      '/webhooks/{id}/deliveries/{deliveryId}/replay': { post: { summary: 'Send a delivery again, with the same webhook-id (admins)', security: bearer, parameters: pathParams('id', 'deliveryId'), responses: { 202: { description: 'Queued' }, 404: { description: 'No such delivery' } } } },
      '/consents': { post: { summary: 'Record a resident\'s consent to messages on a topic, or its withdrawal, with when and how (supervisors)', security: bearer, requestBody: json(schemas.consent), responses: { 201: { description: '{ id, contactId }' }, 403: { description: 'Supervisors and admins only' } } } },
      '/contacts/{id}/consents': get('The person\'s consent per topic: given or withdrawn, when and how (supervisors)', idParam('id')),
      '/campaigns': { post: { summary: 'Create an SMS campaign to residents who opted in to a topic, answered from its own document (admins)', security: bearer, requestBody: json(schemas.campaign), responses: { 201: { description: '{ id, status, quietHours }' } } } },
      '/campaigns/{id}': get('A campaign and its sends: queued, sent, skipped (supervisors)', idParam('id')),
      '/campaigns/{id}/send': { post: { summary: 'Send the campaign: paced at CAMPAIGN_SMS_PER_SECOND, held in quiet hours, never to opted-out numbers (admins)', security: bearer, ...idParam('id'), responses: { 202: { description: 'Sending' }, 409: { description: 'Sent already' } } } },
      '/cases/{reference}/followers': { post: { summary: 'Add someone who asked for updates on a report, by mobile number: texted once now and at every status change (recorded with who did it)', security: bearer, ...idParam('reference'), requestBody: json(schemas.follower), responses: { 201: { description: 'The report with its followers' }, 409: { description: 'Already told, opted out of texts, or no SMS number' } } } },
      '/cases/{reference}/followers/{identityId}': { delete: { summary: 'Stop a follower hearing about the report (not the reporter)', security: bearer, parameters: pathParams('reference', 'identityId'), responses: ok('The report with its followers') } },
      '/cases/{reference}/status': { post: { summary: 'Change a report\'s status; the resident is told (a note: supervisors and admins only)', security: bearer, ...idParam('reference'), requestBody: json(schemas.caseStatus), responses: ok('The case') } },
    },
  };
}
