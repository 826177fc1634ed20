/** Administration (admins): agents with display names (what residents see), roles, queues, capacity; deactivate. */
import { useEffect, useState } from 'preact/hooks';
import { AGENT_ROLES, type AgentAdminView, type AgentRole } from '../../../src/domain/workspace';
import { api } from './api';
import { CouncilAdmin } from './council-admin';
import type { Me } from './types';

const ROLE_LABELS: Record<AgentRole, string> = { agent: 'Agent', supervisor: 'Supervisor', admin: 'Admin' };

export function AdminView({ me, queues, say }: { me: Me; queues: string[]; say: (m: string) => void }) {
  const [agents, setAgents] = useState<AgentAdminView[]>([]);
  const [editing, setEditing] = useState<string | null>(null);
  const load = async () => setAgents((await api<{ agents: AgentAdminView[] }>('/agents')).agents);
  useEffect(() => {
    void load().catch((error: Error) => say(error.message));
  }, []);

  const create = async (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const value = (name: string) => (form.elements.namedItem(name) as HTMLInputElement).value;
    const chosen = queues.filter((q) => (form.elements.namedItem(`new-queue-${q}`) as HTMLInputElement).checked);
    try {
      await api('/agents', { method: 'POST', body: { name: value('new-name').trim(), email: value('new-email').trim(), password: value('new-password'), temporary: true, role: value('new-role'), queues: chosen, capacity: Number(value('new-capacity')) } });
      say(`${value('new-name').trim()} can now sign in. Residents will see that name.`);
      form.reset();
      await load();
    } catch (error) {
      say((error as Error).message);
    }
  };

  return (
    <div class="admin">
      <section class="panel" aria-labelledby="agents-title">
        <h2 id="agents-title">Agents</h2>
        <table>
          <caption class="visually-hidden">Agents, their roles, queues and capacity</caption>
          <thead>
            <tr><th scope="col">Display name</th><th scope="col">Email</th><th scope="col">Role</th><th scope="col">Queues</th><th scope="col">Capacity</th><th scope="col">Status</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr>
          </thead>
          <tbody>
            {agents.map((a) => (editing === a.id ? <EditRow agent={a} queues={queues} me={me} say={say} onDone={async () => { setEditing(null); await load(); }} /> : (
              <tr class={a.active ? '' : 'inactive'}>
                <td>{a.name}</td>
                <td>{a.email}</td>
                <td>{ROLE_LABELS[a.role]}</td>
                <td>{a.role === 'agent' ? a.queues.join(', ') : 'All queues'}</td>
                <td>{a.capacity}</td>
                <td>{a.active ? `Active · ${a.presence ?? 'offline'}` : 'Deactivated'}</td>
                <td><button type="button" class="secondary" aria-label={`Edit ${a.name}`} onClick={() => setEditing(a.id)}>Edit</button></td>
              </tr>
            )))}
          </tbody>
        </table>
      </section>
      <CannedAdmin say={say} />
      {me.role === 'admin' && <CouncilAdmin say={say} />}
      <section class="panel" aria-labelledby="new-agent-title">
        <h2 id="new-agent-title">Add an agent</h2>
        <form class="grid-form" onSubmit={create}>
          <label for="new-name">Display name (residents see it)</label>
          <input id="new-name" name="new-name" required maxLength={80} />
          <label for="new-email">Email</label>
          <input id="new-email" name="new-email" type="email" required maxLength={200} autoComplete="off" />
          <label for="new-password">Temporary password (at least 10 characters)</label>
          <input id="new-password" name="new-password" type="password" required minLength={10} autoComplete="new-password" />
          <label for="new-role">Role</label>
          <select id="new-role" name="new-role">{AGENT_ROLES.map((r) => <option value={r}>{ROLE_LABELS[r]}</option>)}</select>
          <fieldset>
            <legend>Queues</legend>
            {queues.map((q) => (
              <span class="check"><input type="checkbox" id={`new-queue-${q}`} name={`new-queue-${q}`} defaultChecked={q === 'general'} /><label for={`new-queue-${q}`}>{q}</label></span>
            ))}
          </fieldset>
          <label for="new-capacity">Capacity (conversations at once)</label>
          <input id="new-capacity" name="new-capacity" type="number" min={1} max={50} defaultValue="3" />
          <button type="submit">Add agent</button>
        </form>
      </section>
    </div>
  );
}

function EditRow({ agent, queues, me, say, onDone }: { agent: AgentAdminView; queues: string[]; me: Me; say: (m: string) => void; onDone: () => Promise<void> }) {
  const [name, setName] = useState(agent.name);
  const [role, setRole] = useState<AgentRole>(agent.role);
  const [chosen, setChosen] = useState<string[]>(agent.queues);
  const [capacity, setCapacity] = useState(agent.capacity);
  const save = async (patch: Record<string, unknown>, done: string) => {
    try {
      await api(`/agents/${encodeURIComponent(agent.id)}`, { method: 'PATCH', body: patch });
      say(done);
      await onDone();
    } catch (error) {
      say((error as Error).message);
    }
  };
  const self = agent.id === me.id;
  const [temporary, setTemporary] = useState('');
  return (
    <tr class="editing">
      <td><label for={`edit-name-${agent.id}`} class="visually-hidden">Display name</label><input id={`edit-name-${agent.id}`} value={name} maxLength={80} onInput={(e) => setName((e.currentTarget as HTMLInputElement).value)} /></td>
      <td>{agent.email}</td>
      <td>
        <label for={`edit-role-${agent.id}`} class="visually-hidden">Role</label>
        <select id={`edit-role-${agent.id}`} value={role} disabled={self} onChange={(e) => setRole((e.currentTarget as HTMLSelectElement).value as AgentRole)}>{AGENT_ROLES.map((r) => <option value={r}>{ROLE_LABELS[r]}</option>)}</select>
      </td>
      <td>
        <fieldset class="inline"><legend class="visually-hidden">Queues</legend>
          {queues.map((q) => (
            <span class="check"><input type="checkbox" id={`edit-q-${agent.id}-${q}`} checked={chosen.includes(q)} onChange={(e) => setChosen((e.currentTarget as HTMLInputElement).checked ? [...chosen, q] : chosen.filter((x) => x !== q))} /><label for={`edit-q-${agent.id}-${q}`}>{q}</label></span>
          ))}
        </fieldset>
      </td>
      <td><label for={`edit-cap-${agent.id}`} class="visually-hidden">Capacity</label><input id={`edit-cap-${agent.id}`} type="number" min={1} max={50} value={capacity} onInput={(e) => setCapacity(Number((e.currentTarget as HTMLInputElement).value))} /></td>
      <td>
        {!self && (
          <span class="reset-password">
            <label for={`reset-${agent.id}`}>New temporary password</label>
            <input id={`reset-${agent.id}`} type="password" minLength={10} autoComplete="new-password" value={temporary} onInput={(e) => setTemporary((e.currentTarget as HTMLInputElement).value)} />
            <button type="button" class="secondary" disabled={temporary.length < 10} onClick={() => void save({ password: temporary }, `${agent.name} is signed out; they choose their own password when they sign in with the temporary one.`).then(() => setTemporary(''))}>Reset password</button>
          </span>
        )}
        {!self && (agent.active
          ? <button type="button" class="danger" onClick={() => void save({ active: false }, `${agent.name} is deactivated and signed out.`)}>Deactivate</button>
          : <button type="button" class="secondary" onClick={() => void save({ active: true }, `${agent.name} can sign in again.`)}>Reactivate</button>)}
      </td>
      <td>
        <button type="button" onClick={() => void save({ name: name.trim(), ...(self ? {} : { role }), queues: chosen, capacity }, `Saved ${name.trim()}.`)}>Save</button>
        <button type="button" class="secondary" onClick={() => void onDone()}>Cancel</button>
      </td>
    </tr>
  );
}

/** Canned responses: what agents insert by typing / in the composer. */
function CannedAdmin({ say }: { say: (m: string) => void }) {
  const [items, setItems] = useState<Array<{ id: string; title: string; text: string }>>([]);
  const load = async () => setItems((await api<{ cannedResponses: Array<{ id: string; title: string; text: string }> }>('/canned-responses')).cannedResponses);
  useEffect(() => {
    void load().catch((error: Error) => say(error.message));
  }, []);
  const add = async (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const title = (form.elements.namedItem('canned-title') as HTMLInputElement).value.trim();
    const text = (form.elements.namedItem('canned-text') as HTMLTextAreaElement).value.trim();
    try {
      await api('/canned-responses', { method: 'POST', body: { title, text } });
      say(`Canned response “${title}” saved.`);
      form.reset();
      await load();
    } catch (error) {
      say((error as Error).message);
    }
  };
  const remove = async (id: string, title: string) => {
    try {
      await api(`/canned-responses/${encodeURIComponent(id)}`, { method: 'DELETE' });
      say(`Canned response “${title}” removed.`);
      await load();
    } catch (error) {
      say((error as Error).message);
    }
  };
  return (
    <section class="panel canned-admin" aria-labelledby="canned-title-h">
      <h2 id="canned-title-h">Canned responses</h2>
      <ul class="plain">
        {items.map((c) => (
          <li><strong>{c.title}</strong> {c.text} <button type="button" class="link" aria-label={`Remove ${c.title}`} onClick={() => void remove(c.id, c.title)}>Remove</button></li>
        ))}
      </ul>
      <form class="grid-form" onSubmit={add}>
        <label for="canned-title">Title (an existing title is replaced)</label>
        <input id="canned-title" name="canned-title" required maxLength={60} />
        <label for="canned-text">Text</label>
        <textarea id="canned-text" name="canned-text" required maxLength={1000} rows={2} />
        <button type="submit">Save canned response</button>
      </form>
    </section>
  );
}
