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

/** Below this score a match is too weak to ground an answer. */
const MIN_SCORE = 6;

export class KnowledgeBase {
  private readonly index = new MiniSearch<IndexedPassage>({
    fields: ['title', 'heading', 'text', 'questions'],
    storeFields: ['pageId', 'title', 'heading', 'text', 'sourceUrl', 'reviewed'],
    searchOptions: { boost: { title: 1.5, questions: 1, heading: 2 }, prefix: true, fuzzy: 0.2, combineWith: 'OR' },
    processTerm: (term) => (STOP_WORDS.has(term.toLowerCase()) ? null : term.toLowerCase()),
  });
  readonly pages: Array<{ id: string; title: string; questions: string[] }> = [];

  constructor(folder: string) {
    const passages: IndexedPassage[] = [];
    for (const file of readdirSync(folder).filter((f) => f.endsWith('.md')).sort()) {
      const parsed = matter(readFileSync(path.join(folder, file), 'utf8'));
      const meta = frontMatter.parse(parsed.data);
      const pageId = file.replace(/\.md$/, '');
      this.pages.push({ id: pageId, title: meta.title, questions: meta.questions });
      const sections = parsed.content.split(/^## /m).map((s) => s.trim()).filter(Boolean);
      sections.forEach((section, i) => {
        const [heading = '', ...rest] = section.split('\n');
        passages.push({ id: `${pageId}#${i}`, pageId, title: meta.title, heading: heading.trim(), text: rest.join(' ').replace(/\s+/g, ' ').trim(), questions: meta.questions.join(' '), sourceUrl: meta.source, reviewed: meta.reviewed });
      });
    }
    this.index.addAll(passages);
  }

  search(question: string, limit = 3): KnowledgePassage[] {
    return this.index
      .search(expand(question))
      .filter((hit) => hit.score >= MIN_SCORE)
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

function expand(question: string): string {
  return [question, ...SYNONYMS.filter(([pattern]) => pattern.test(question)).map(([, extra]) => extra)].join(' ');
}

const STOP_WORDS = new Set(['a', 'an', 'the', 'is', 'are', 'i', 'my', 'me', 'do', 'does', 'can', 'how', 'what', 'when', 'where', 'to', 'of', 'for', 'in', 'on', 'at', 'and', 'or', 'it', 'you', 'your', 'we', 'be', 'there', 'this', 'that', 'with', 'about', 'please', 'hi', 'hello']);
