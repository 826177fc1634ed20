/**
 * The FAQ knowledge base: Markdown pages (title, source URL, last reviewed date, sample
 * questions in front matter) split into passages at `##` headings and indexed in process
 * with MiniSearch (BM25-style ranking, prefix and fuzzy matching for typos). An answer is the
 * best passage itself, or an LLM draft written only from the retrieved passages; either way
 * it carries its source link. Nothing grounded → no answer (the flow says so and offers a person).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import matter from 'gray-matter';
import MiniSearch from 'minisearch';
import { z } from 'zod';
import type { KnowledgePassage } from '../domain/flow';
import { normaliseUtterance, stripPleasantries } from '../ai/normalise';

const frontMatter = z.object({
  title: z.string().min(1),
  source: z.url(),
  reviewed: z.union([z.string(), z.date()]).transform((v) => (v instanceof Date ? v.toISOString().slice(0, 10) : v)),
  questions: z.array(z.string()).default([]),
});

interface IndexedPassage {
  id: string;
  pageId: string;
  title: string;
  heading: string;
  text: string;
  questions: string;
  sourceUrl: string;
  reviewed: string;
}

/** Below this score a match is too weak to ground an answer. Chosen with `npm run eval:nlu` (dev set). */
const MIN_SCORE = 6;
/** Share of the question's content words a passage must match. Chosen with `npm run eval:nlu` (dev set). */
const MIN_COVERAGE = 0.6;
/** Synonyms help a passage rank, but count less than the resident's own words. */
const EXPANSION_WEIGHT = 0.3;

/** A page given whole: Markdown `body` with `##` sections. */
export interface KnowledgePageSource {
  id: string;
  title: string;
  source: string;
  reviewed: string;
  body: string;
  questions?: string[];
}

export class KnowledgeBase {
  private readonly index = new MiniSearch<IndexedPassage>({
    fields: ['title', 'heading', 'text', 'questions'],
    storeFields: ['pageId', 'title', 'heading', 'text', 'sourceUrl', 'reviewed'],
    searchOptions: { boost: { title: 1.5, questions: 1, heading: 2 }, prefix: true, fuzzy: 0.2, combineWith: 'OR' },
    processTerm: (term) => (STOP_WORDS.has(term.toLowerCase()) ? null : term.toLowerCase()),
  });
  readonly pages: Array<{ id: string; title: string; questions: string[] }> = [];
  /** Every passage's words, titles included (spelling vocabulary). */
  readonly texts: string[] = [];
  /** Titles and headings: the subjects the pages are about. */
  readonly topics: string[] = [];

  /**
   * `source`: a folder of Markdown pages with front matter, or pages given whole (a campaign's
   * document). `added`: pages staff stored (a council's own), replacing a folder page of the same id.
   */
  constructor(source: string | KnowledgePageSource[], added: KnowledgePageSource[] = []) {
    const passages: IndexedPassage[] = [];
    const given = (p: KnowledgePageSource) => ({ pageId: p.id, meta: frontMatter.parse({ title: p.title, source: p.source, reviewed: p.reviewed, questions: p.questions ?? [] }), content: p.body });
    const replaced = new Set(added.map((p) => p.id));
    const pages: Array<{ pageId: string; meta: z.infer<typeof frontMatter>; content: string }> = [
      ...(typeof source === 'string'
        ? readdirSync(source).filter((f) => f.endsWith('.md')).sort().map((file) => {
            const parsed = matter(readFileSync(path.join(source, file), 'utf8'));
            return { pageId: file.replace(/\.md$/, ''), meta: frontMatter.parse(parsed.data), content: parsed.content };
          })
        : source.map(given)),
    ].filter((p) => !replaced.has(p.pageId));
    pages.push(...added.map(given));
    for (const { pageId, meta, content } of pages) {
      this.pages.push({ id: pageId, title: meta.title, questions: meta.questions });
      const sections = content.split(/^## /m).map((s) => s.trim()).filter(Boolean);
      sections.forEach((section, i) => {
        const [heading = '', ...rest] = section.split('\n');
        passages.push({ id: `${pageId}#${i}`, pageId, title: meta.title, heading: heading.trim(), text: rest.join(' ').replace(/\s+/g, ' ').trim(), questions: meta.questions.join(' '), sourceUrl: meta.source, reviewed: meta.reviewed });
      });
    }
    this.index.addAll(passages);
    this.texts.push(...passages.map((p) => `${p.title} ${p.heading} ${p.text}`));
    this.topics.push(...passages.map((p) => `${p.title} ${p.heading}`));
  }

  /**
   * The passages that answer `question`, best first; none when nothing really does. A passage
   * counts only when it covers most of what the question is about (its content words, typos
   * forgiven), so "a permit for a street party" does not cite residential parking permits.
   */
  search(question: string, limit = 3): KnowledgePassage[] {
    const asked = normaliseUtterance(stripPleasantries(question));
    const content = [...new Set(tokens(asked).filter((t) => !STOP_WORDS.has(t) && !GENERIC_WORDS.has(t)))];
    if (!content.length) return [];
    const extra = expansions(asked);
    const originalCount = tokens(asked).filter((t) => !STOP_WORDS.has(t)).length;
    return this.index
      .search([asked, ...extra].join(' '), { boostTerm: (_term, i) => (i >= originalCount ? EXPANSION_WEIGHT : 1) })
      .filter((hit) => hit.score >= MIN_SCORE && coverage(content, hit.queryTerms) >= MIN_COVERAGE)
      .slice(0, limit)
      .map((hit) => ({ pageId: hit.pageId as string, title: `${hit.title as string}: ${hit.heading as string}`, text: hit.text as string, sourceUrl: hit.sourceUrl as string, reviewed: hit.reviewed as string, score: hit.score }));
  }

  /** The sample questions of every page: the NLU learns what an FAQ sounds like from them. */
  sampleQuestions(): string[] {
    return this.pages.flatMap((p) => p.questions);
  }
}

/** Residents ask "how much" and "what time"; pages say "fees" and "hours". */
const SYNONYMS: Array<[RegExp, string]> = [
  [/\b(how much|cost|costs|price|pay for|charge)\b/i, 'fees cost'],
  [/\b(what time|open|opening|close|closing|when)\b/i, 'hours'],
  [/\b(rubbish|garbage|trash)\b/i, 'waste bin'],
  [/\b(dog|cat|pet)s?\b/i, 'animals'],
  [/\b(book|hire|rent)\b/i, 'booking'],
];

function expansions(question: string): string[] {
  return SYNONYMS.filter(([pattern]) => pattern.test(question)).map(([, extra]) => extra);
}

function tokens(text: string): string[] {
  return text.toLowerCase().split(/[^a-z0-9']+/).filter((t) => t.length > 1);
}

/** How much of the question a hit matched: query terms that matched (prefix or fuzzy) over content words. */
function coverage(content: string[], matched: string[]): number {
  const hits = content.filter((word) => matched.some((m) => m === word || (m.length >= 4 && (word.startsWith(m) || m.startsWith(word)))));
  return hits.length / content.length;
}

/** Words in nearly every question: they say nothing about which page answers it. */
const GENERIC_WORDS = new Set(['need', 'get', 'want', 'know', 'council', 'councils', 'like', 'would', 'could', 'should', 'much', 'many', 'allowed', 'possible', 'tell', 'find', 'out', 'any', 'anything', 'there', 'have', 'has', 'our', 'us', 'they', 'them', 'if', 'so', 'just', 'still', 'also', 'up', 'go', 'going', 'will', 'which', 'who', 'why', 'way', 'thing', 'things', 'some', 'really', 'ok', 'thanks', 'thank', 'cheers', 'hey', 'hiya', 'um', 'uh', 'info', 'information', 'question', 'quick', 'help', 'not', 'no', 'yes', 'am', 'was', 'were', 'been', 'being', 'from', 'by', 'as', 'its', "it's", "i'm", "what's", 'riverbend', 'local', 'area', 'around', 'near', 'day', 'days', 'time', 'pls', 'please', 'you', 'your', 'one', 'new', 'old', 'own', 'get', 'got', 'let', 'make', 'take', 'put', 'give', 'able', 'else', 'other']);

const STOP_WORDS = new Set(['a', 'an', 'the', 'is', 'are', 'i', 'my', 'me', 'do', 'does', 'can', 'how', 'what', 'when', 'where', 'to', 'of', 'for', 'in', 'on', 'at', 'and', 'or', 'it', 'you', 'your', 'we', 'be', 'there', 'this', 'that', 'with', 'about', 'please', 'hi', 'hello']);
