/** The small part of nlp.js (MIT, axa-group) this engine uses; the packages ship no types. */
declare module '@nlpjs/nlp' {
  export interface NlpResult {
    intent: string;
    score: number;
    classifications?: Array<{ intent: string; score: number }>;
  }
  export class Nlp {
    constructor(settings: { languages: string[]; autoSave?: boolean; autoLoad?: boolean; forceNER?: boolean; nlu?: { log?: boolean } });
    use(plugin: unknown): void;
    addLanguage(locale: string): void;
    addDocument(locale: string, utterance: string, intent: string): void;
    train(): Promise<void>;
    process(locale: string, utterance: string): Promise<NlpResult>;
  }
}
declare module '@nlpjs/lang-en-min' {
  export const LangEn: unknown;
}
