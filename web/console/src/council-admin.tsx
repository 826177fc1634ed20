/**
 * Council settings (admins): office hours and queues, and the knowledge pages the assistant
 * answers from, changed without a deploy (PATCH /councils/{id}, PUT /councils/{id}/knowledge/{slug}).
 * A change is used in the council's next answer.
 */
import { useEffect, useState } from 'preact/hooks';
import { api } from './api';

interface CouncilView {
  id: string;
  name: string;
  timezone: string;
  officeHours: string;
  queues: string[];
}
interface PageView {
  id: string;
  title: string;
}

const slugOf = (title: string) => title.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60);

export function CouncilAdmin({ say }: { say: (m: string) => void }) {
  const [councils, setCouncils] = useState<CouncilView[]>([]);
  useEffect(() => {
    void api<{ councils: CouncilView[] }>('/councils').then((r) => setCouncils(r.councils), (error: Error) => say(error.message));
  }, []);
  return <>{councils.map((c) => <CouncilPanel council={c} several={councils.length > 1} say={say} />)}</>;
}

function CouncilPanel({ council, several, say }: { council: CouncilView; several: boolean; say: (m: string) => void }) {
  const [pages, setPages] = useState<PageView[]>([]);
  const id = council.id;
  const loadPages = async () => setPages((await api<{ pages: PageView[] }>(`/councils/${encodeURIComponent(id)}/knowledge`)).pages);
  useEffect(() => {
    void loadPages().catch((error: Error) => say(error.message));
  }, [id]);
  const field = (form: HTMLFormElement, name: string) => (form.elements.namedItem(name) as HTMLInputElement | HTMLTextAreaElement).value.trim();

  const saveSettings = async (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const queues = field(form, `queues-${id}`).split(/[\s,]+/).filter(Boolean);
    try {
      await api(`/councils/${encodeURIComponent(id)}`, { method: 'PATCH', body: { officeHours: field(form, `hours-${id}`), queues } });
      say(`${council.name}: office hours and queues saved.`);
    } catch (error) {
      say((error as Error).message);
    }
  };
  const addPage = async (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const title = field(form, `page-title-${id}`);
    const questions = field(form, `page-questions-${id}`).split('\n').map((q) => q.trim()).filter(Boolean);
    try {
      await api(`/councils/${encodeURIComponent(id)}/knowledge/${slugOf(title)}`, { method: 'PUT', body: { title, source: field(form, `page-source-${id}`), body: `## ${title}\n${field(form, `page-body-${id}`)}`, questions } });
      say(`“${title}” is live: the assistant answers from it now.`);
      form.reset();
      await loadPages();
    } catch (error) {
      say((error as Error).message);
    }
  };

  const heading = several ? `Council settings: ${council.name}` : 'Council settings';
  return (
    <section class="panel council-admin" aria-labelledby={`council-${id}-title`}>
      <h2 id={`council-${id}-title`}>{heading}</h2>
      <form class="grid-form" onSubmit={saveSettings}>
        <label for={`hours-${id}`}>Office hours ({council.timezone}), e.g. Mon-Fri 08:30-17:00</label>
        <input id={`hours-${id}`} name={`hours-${id}`} required defaultValue={council.officeHours} pattern="(Mon|Tue|Wed|Thu|Fri|Sat|Sun)-(Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{2}:\d{2}-\d{2}:\d{2}" />
        <label for={`queues-${id}`}>Queues (separated by commas)</label>
        <input id={`queues-${id}`} name={`queues-${id}`} required defaultValue={council.queues.join(', ')} />
        <button type="submit">Save office hours and queues</button>
      </form>
      <h3>Knowledge pages</h3>
      <ul class="plain">{pages.map((p) => <li>{p.title}</li>)}</ul>
      <form class="grid-form" onSubmit={addPage}>
        <label for={`page-title-${id}`}>Page title</label>
        <input id={`page-title-${id}`} name={`page-title-${id}`} required minLength={3} maxLength={120} />
        <label for={`page-source-${id}`}>Link to the page on the council's website</label>
        <input id={`page-source-${id}`} name={`page-source-${id}`} type="url" required />
        <label for={`page-body-${id}`}>What residents should be told</label>
        <textarea id={`page-body-${id}`} name={`page-body-${id}`} required minLength={20} rows={3} />
        <label for={`page-questions-${id}`}>Questions residents ask about it (one a line)</label>
        <textarea id={`page-questions-${id}`} name={`page-questions-${id}`} rows={2} />
        <button type="submit">Add knowledge page</button>
      </form>
    </section>
  );
}
